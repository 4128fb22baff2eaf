"""Mixed databases: seeded sampling from the compositions' PBSSDBs, reproducible, traced."""

from __future__ import annotations

import numpy as np
import pytest

from glassbonds.database.mixed import MixedDatabaseSpec, mix_databases, write_mixed_legacy
from glassbonds.database.store import save_store
from glassbonds.errors import InputError
from tests.factories import random_database


def test_mixed_database_is_byte_identical_for_one_seed_and_differs_for_another(tmp_path):
    sources = {
        "Zr50Cu50": random_database("Zr50Cu50", {"Zr-Cu": 50, "Cu-Cu": 30}, 1),
        "Zr25Cu75": random_database("Zr25Cu75", {"Zr-Cu": 40, "Cu-Cu": 60}, 2),
    }
    outputs = []
    for run, seed in enumerate([7, 7, 8]):
        spec = MixedDatabaseSpec("DB2", ("Zr-Cu", "Cu-Cu"), {"Zr50Cu50": 20, "Zr25Cu75": 25}, seed)
        database = mix_databases(spec, sources)
        write_mixed_legacy(database, spec, tmp_path / str(run))
        save_store(database, tmp_path / str(run))
        outputs.append({p.name: p.read_bytes() for p in (tmp_path / str(run)).iterdir()})
    assert outputs[0] == outputs[1]
    assert outputs[0]["DB2_Zr-Cu.bnd"] != outputs[2]["DB2_Zr-Cu.bnd"]
    info = outputs[0]["DB2_Cu-Cu.info"].decode().splitlines()
    assert info == ["DB2 Cu-Cu", "Zr50Cu50 20", "Zr25Cu75 25"]
    bnd = outputs[0]["DB2_Zr-Cu.bnd"].decode().splitlines()
    assert len(bnd) == 45 and {line.split()[0] for line in bnd} == {"0", "1"}


def test_mixed_rows_keep_their_source_vectors():
    sources = {"A10B90": random_database("A10B90", {"Zr-Cu": 30}, 3)}
    spec = MixedDatabaseSpec("DBX", ("Zr-Cu",), {"A10B90": 10}, 5)
    mixed = mix_databases(spec, sources)
    original_rows, original_a, _ = sources["A10B90"].bond_arrays("Zr-Cu")
    rows, soap_a, _ = mixed.bond_arrays("Zr-Cu")
    for position, row in rows.iterrows():
        match = np.flatnonzero((original_rows["distance"] == row["distance"]).to_numpy())
        assert len(match) == 1
        np.testing.assert_array_equal(soap_a[position], original_a[match[0]])


def test_asking_for_more_bonds_than_exist_names_composition_type_and_counts():
    sources = {"Zr50Cu50": random_database("Zr50Cu50", {"Zr-Cu": 5}, 1)}
    spec = MixedDatabaseSpec("DB2", ("Zr-Cu",), {"Zr50Cu50": 6}, 1)
    with pytest.raises(InputError) as error:
        mix_databases(spec, sources)
    message = str(error.value)
    assert "Zr50Cu50" in message and "Zr-Cu" in message and "6" in message and "5" in message


def test_mixed_database_carries_the_subrun_programs():
    sources = {"Zr50Cu50": random_database("Zr50Cu50", {"Zr-Cu": 50}, 1)}
    program = {"name": "glassbonds-synthetic-lobster", "version": "0.1.0", "synthetic": True}
    rows = sources["Zr50Cu50"].rows
    sources["Zr50Cu50"].provenance = [
        {"run": int(r), "subrun": int(s), "icohp_program": program}
        for r, s in sorted(set(zip(rows["run"], rows["subrun"], strict=True)))
    ]
    mixed = mix_databases(MixedDatabaseSpec("DB1", ("Zr-Cu",), {"Zr50Cu50": 10}, 1), sources)
    assert mixed.provenance and all(r["icohp_program"] == program for r in mixed.provenance)
    assert sum(sum(r["sampled_bonds"].values()) for r in mixed.provenance) == 10
    assert {r["source"] for r in mixed.provenance} == {"Zr50Cu50"}
