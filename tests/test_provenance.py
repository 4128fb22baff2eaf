"""``glassbonds provenance``: the chain inference -> model -> database store -> programs."""

from __future__ import annotations

import numpy as np

from glassbonds.cli import main
from glassbonds.database.store import BondDatabase, load_store, save_store
from glassbonds.model.files import save_model
from glassbonds.model.kernel import SoapBondKernelRegressor
from glassbonds.provenance import (
    SYNTHETIC_PROGRAM,
    database_provenance,
    model_info_line,
    provenance_chain,
    store_sha256,
)
from tests.factories import random_database

LOBSTER = {"name": "LOBSTER", "version": "3.0.0", "synthetic": False}
DOUBLE = {"name": SYNTHETIC_PROGRAM, "version": "0.1.0", "synthetic": True}


def _store(tmp_path, programs) -> BondDatabase:
    database = random_database("Zr50Cu50", {"Zr-Cu": 20}, 1)
    database.provenance = [
        {
            "run": 1,
            "subrun": sub,
            "icohp_program": program,
            "pw_program": {
                "name": "PWSCF",
                "version": "6.2",
                "pseudopotentials": [
                    {"element": "Zr", "file": "Zr.UPF", "sha256": "ab" * 32, "reason": None},
                    {"element": "Cu", "file": "Cu.UPF", "sha256": None, "reason": "not found"},
                ],
            },
            "charge_spilling_percent": [1.6],
        }
        for sub, program in enumerate(programs)
    ]
    save_store(database, tmp_path / "Zr50Cu50-PBSSDB")
    return database


def _model(tmp_path, metadata) -> object:
    rng = np.random.default_rng(0)
    features = np.hstack([rng.uniform(2, 4, (10, 1)), rng.random((10, 24))])
    model = SoapBondKernelRegressor().fit(features, rng.random(10))
    path = tmp_path / "DB-Zr-Cu.model.npz"
    save_model(model, path, metadata)
    return path


def test_chain_from_inference_info_down_to_the_programs(tmp_path, capsys):
    database = _store(tmp_path, [LOBSTER, DOUBLE])
    store = tmp_path / "Zr50Cu50-PBSSDB"
    training = database_provenance(store, load_store(store).provenance)
    model = _model(tmp_path, {"bond_type": "Zr-Cu", "training_database": training})
    info = tmp_path / "item_frame0.info"
    info.write_text(f"# inference of item\n{model_info_line(model)}\n1 2 3.0 0.5\n")
    assert main(["provenance", str(info)]) == 0
    out = capsys.readouterr().out
    assert f"store sha256 {store_sha256(store)}" in out
    assert "the store on disk matches" in out
    assert "-ICOHP LOBSTER 3.0.0" in out
    assert f"-ICOHP {SYNTHETIC_PROGRAM} 0.1.0 (test double, NOT LOBSTER)" in out
    assert "WARNING: 1 sub-run(s) have synthetic -ICOHP" in out
    assert "pw.x PWSCF 6.2" in out and "Cu.UPF sha256 not recorded (not found)" in out
    assert "charge spilling 1.60%" in out
    # the store changes after the model was trained: the chain says so
    database.provenance = database.provenance[:1]
    save_store(database, store)
    assert any("DIFFERS" in line for line in provenance_chain(model))


def test_missing_links_print_not_recorded(tmp_path, capsys):
    model = _model(tmp_path, {"bond_type": "Zr-Cu"})
    assert main(["provenance", str(model)]) == 0
    assert "training database: not recorded" in capsys.readouterr().out
    info = tmp_path / "old.info"
    info.write_text("1 2 3.0 0.5\n")
    assert main(["provenance", str(info)]) == 0
    assert "models: not recorded" in capsys.readouterr().out
    _store(tmp_path, [{}])
    assert main(["provenance", str(tmp_path / "Zr50Cu50-PBSSDB" / "metadata.json")]) == 0
    out = capsys.readouterr().out
    assert "-ICOHP not recorded; pw.x PWSCF 6.2" in out


def test_a_missing_file_is_one_line(tmp_path, capsys):
    assert main(["provenance", str(tmp_path / "absent.info")]) == 1
    assert "no such file" in capsys.readouterr().err
