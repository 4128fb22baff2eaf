"""Per-cluster database (PC mode) on the study's 15 real sub-runs of run 21."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ase.io import read

from glassbonds.config_defaults import study_soap_parameters
from glassbonds.database.clusters import subrun_clusters
from glassbonds.database.pcssdb import build_pcssdb, load_clusters, write_pcssdb
from glassbonds.database.subruns import SubRunFiles
from glassbonds.descriptors import save_soap, soap_vectors
from glassbonds.io.lobster import read_icohplist
from glassbonds.io.lobster_inputs import read_neighbour_list
from glassbonds.subrun_status import determine_status
from glassbonds.tree import SubRun

SPECIES = ("Zr", "Cu", "Al")
RUN21 = Path("G/Zr49Cu49Al2/c/md/lammps/100/21/2000")
PUBLISHED = Path("ETL_model/Zr49Cu49Al2-PCSSDB")


def _blocks(text: str) -> list[str]:
    """Split an extended-XYZ text into one string per structure."""
    lines = text.splitlines(keepends=True)
    blocks, start = [], 0
    while start < len(lines):
        count = int(lines[start])
        blocks.append("".join(lines[start : start + count + 2]))
        start += count + 2
    return blocks


@pytest.fixture(scope="module")
def run21(study_data: Path, tmp_path_factory) -> list[SubRunFiles]:
    """All 15 real sub-runs of run 21 with their status and SOAP computed here."""
    parameters = study_soap_parameters(SPECIES)
    soap_dir = tmp_path_factory.mktemp("soap")
    files = []
    for sub in range(15):
        directory = study_data / RUN21 / str(sub)
        status = determine_status(
            directory / "Zr49Cu49Al2.scf.out",
            directory / "Zr49Cu49Al2.lb.out",
            directory / "ICOHPLIST.lobster",
        )
        soap = soap_dir / f"{sub}.npz"
        if status.usable:
            atoms = read(directory / "Zr49Cu49Al2.xyz")
            save_soap(
                soap, soap_vectors(atoms, parameters), parameters, atoms.get_chemical_symbols()
            )
        files.append(
            SubRunFiles(
                subrun=SubRun("Zr49Cu49Al2", 100, 21, sub),
                status_code=status.code.study_code,
                status_reason=status.reason,
                xyz=directory / "Zr49Cu49Al2.xyz",
                icohplist=directory / "ICOHPLIST.lobster",
                neighbours=directory / "lobsterin-quippy",
                soap=soap,
            )
        )
    return files


@pytest.fixture(scope="module")
def written(run21, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pcssdb")
    result = build_pcssdb("Zr49Cu49Al2", run21, SPECIES, study_soap_parameters(SPECIES).as_dict())
    write_pcssdb(
        result,
        {element: out / f"{element}.xyz" for element in SPECIES},
        {element: out / f"{element}.xyz.idx" for element in SPECIES},
        out / "ND.info",
        out / "DUB.info",
        out / "store",
    )
    return out


def test_the_28_al_clusters_of_run_21_equal_the_published_ones(study_data, written):
    published = [
        block
        for block in _blocks((study_data / PUBLISHED / "Al.xyz").read_text())
        if " ID_RUN=21 " in block
    ]
    mine = _blocks((written / "Al.xyz").read_text())
    assert len(published) == 28
    # atoms, positions, cell and SUM_ICOHP, byte for byte in the study's layout
    assert mine == published


def test_clusters_read_back_with_ase_carry_the_study_keys(written):
    clusters = read(written / "Al.xyz", index=":")
    first = clusters[0]
    assert first.info["ID_RUN"] == 21 and first.info["SUB_STEP"] == 0
    assert first.info["ID_CENTRAL_ATOM"] == 34
    assert first[0].symbol == "Al"
    assert {atoms.info["SUB_STEP"] for atoms in clusters} == set(range(15)) - {13}


def test_nd_and_dub_hold_the_published_run_21_rows(study_data, written):
    def run21_lines(path: Path) -> Counter:
        return Counter(line for line in path.read_text().splitlines() if line.startswith("21 "))

    published_dub = run21_lines(study_data / PUBLISHED / "DUB.info")
    assert run21_lines(written / "DUB.info") == published_dub
    mine_nd = run21_lines(written / "ND.info")
    published_nd = run21_lines(study_data / PUBLISHED / "ND.info")
    # the same sub-run is left out; its code follows the status logic (see docs/design.md)
    assert {line.split()[:2] == ["21", "13"] for line in mine_nd} == {True}
    assert {line.split()[:2] == ["21", "13"] for line in published_nd} == {True}


def test_index_file_gives_byte_offset_and_atom_count_of_each_cluster(written):
    text = (written / "Al.xyz").read_bytes()
    count, *entries = (written / "Al.xyz.idx").read_text().splitlines()
    assert int(count) == len(entries) == 28
    for entry in entries:
        offset, natoms = (int(v) for v in entry.split())
        assert text[offset:].split(b"\n", 1)[0] == str(natoms).encode()


def test_sum_icohp_is_the_sum_of_the_centre_bonds(study_data):
    directory = study_data / RUN21 / "0"
    atoms = read(directory / "Zr49Cu49Al2.xyz")
    icohp = read_icohplist(directory / "ICOHPLIST.lobster")
    clusters = subrun_clusters(atoms, icohp, read_neighbour_list(directory / "lobsterin-quippy"))
    assert len(clusters) == 100 and all(c.complete for c in clusters)
    # ICOHPLIST reaches 4.2 A, the clusters the SOAP cutoff 3.75 A: every bond within the
    # cutoff is counted once by the cluster of each of its two atoms, none beyond it
    used = Counter(row for c in clusters for row in c.icohp_rows)
    within = set(np.flatnonzero(icohp["distance"].to_numpy() < 3.75))
    assert set(used) == within
    assert set(used.values()) == {2}
    value = -icohp["icohp"].to_numpy()
    sums = {c.centre: value[list(c.icohp_rows)].sum() for c in clusters}
    assert sum(sums.values()) == pytest.approx(2 * value[sorted(within)].sum())


def test_store_keeps_the_centre_soap_vector(run21, written):
    al = load_clusters(written / "store", "Al")
    assert len(al.rows) == 28 and al.soap.shape == (28, 2100)
    np.testing.assert_allclose(np.linalg.norm(al.soap, axis=1), 1.0, rtol=1e-6)
    first = al.rows.iloc[0]
    vectors = np.load(run21[int(first["subrun"])].soap)["vectors"]
    np.testing.assert_allclose(al.soap[0], vectors[int(first["centre"])], rtol=1e-6)


def test_a_missing_pair_sends_both_clusters_to_dub(study_data, tmp_path):
    directory = study_data / RUN21 / "0"
    lines = (directory / "ICOHPLIST.lobster").read_text().splitlines(keepends=True)
    assert " Cu1 " in lines[2] and " Cu3 " in lines[2]
    cut = tmp_path / "ICOHPLIST.lobster"
    cut.write_text("".join(lines[:2] + lines[3:]))
    atoms = read(directory / "Zr49Cu49Al2.xyz")
    clusters = subrun_clusters(
        atoms, read_icohplist(cut), read_neighbour_list(directory / "lobsterin-quippy")
    )
    incomplete = {c.centre: c.missing for c in clusters if not c.complete}
    # neighbour first, as the study's DUB.info labels a missing pair
    assert incomplete == {0: ("Cu3-Cu1",), 2: ("Cu1-Cu3",)}


def test_store_with_the_earlier_sum_icohp_column_loads_as_sum_minus_icohp(written, tmp_path):
    """Stores written before the rename hold the summed -ICOHP in a column named sum_icohp."""
    for name in ("soap.npy", "metadata.json"):
        (tmp_path / name).write_bytes((written / "store" / name).read_bytes())
    table = pd.read_parquet(written / "store" / "clusters.parquet")
    table.rename(columns={"sum_minus_icohp": "sum_icohp"}).to_parquet(
        tmp_path / "clusters.parquet", index=False
    )
    old, new = load_clusters(tmp_path, "Al"), load_clusters(written / "store", "Al")
    pd.testing.assert_frame_equal(old.rows, new.rows)
    assert (new.rows["sum_minus_icohp"] > 0).all()  # -ICOHP: positive bond strength
