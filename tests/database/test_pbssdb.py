"""Bond databases: the golden test against the study's own PBSSDB, nothing lost, mixing."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glassbonds.config_defaults import study_soap_parameters
from glassbonds.database.pbssdb import build_pbssdb, subrun_bonds
from glassbonds.database.store import load_store, save_store
from glassbonds.database.subruns import SubRunFiles
from glassbonds.descriptors import save_soap
from glassbonds.errors import InputError
from glassbonds.tree import SubRun
from tests.factories import write_legacy_files

DATA = Path(__file__).resolve().parents[2].parent / "shared/data/prm-4-113603"
REAL_SUBRUN = DATA / "G/Zr49Cu49Al2/c/md/lammps/100/21/2000/0"
REAL_PBSSDB = DATA / "ETL_model/Zr49Cu49Al2-PBSSDB"
SPECIES = ("Zr", "Cu", "Al")

needs_study_data = pytest.mark.skipif(
    not REAL_SUBRUN.is_dir(), reason="study data ../shared/data/prm-4-113603 is absent"
)


def real_files(status_code: int = 1, soap: Path | None = None) -> SubRunFiles:
    return SubRunFiles(
        subrun=SubRun("Zr49Cu49Al2", 100, 21, 0),
        status_code=status_code,
        status_reason="",
        xyz=REAL_SUBRUN / "Zr49Cu49Al2.xyz",
        icohplist=REAL_SUBRUN / "ICOHPLIST.lobster",
        neighbours=REAL_SUBRUN / "lobsterin-quippy",
        soap=soap or Path("unused"),
    )


@needs_study_data
def test_rows_of_the_real_subrun_equal_those_the_study_wrote():
    rows, dropped = subrun_bonds(real_files(), SPECIES)
    assert dropped == []
    mine: dict[str, set[str]] = defaultdict(set)
    for bond_type, a, b, distance, value in rows:
        mine[bond_type].add(f"21 0 {a + 1} {b + 1} {distance:f} {value:f}")
    compared = 0
    for bond_file in sorted(REAL_PBSSDB.glob("*.bnd")):
        study = {line.strip() for line in bond_file.open() if line.startswith("21 0 ")}
        assert mine[bond_file.stem] == study, bond_file.name
        compared += len(study)
    # Zr-Cu.bnd was never published; every other row of run 21 sub-run 0 was compared
    assert compared == sum(len(v) for k, v in mine.items() if k != "Zr-Cu") > 250


@needs_study_data
def test_a_cluster_with_a_pair_missing_from_icohplist_is_dropped_whole(tmp_path):
    icohp_lines = (REAL_SUBRUN / "ICOHPLIST.lobster").read_text().splitlines(keepends=True)
    # remove the bond Cu1-Cu3 (line 3): clusters of atoms 1 and 3 both lose it
    assert " Cu1 " in icohp_lines[2] and " Cu3 " in icohp_lines[2]
    cut = tmp_path / "ICOHPLIST.lobster"
    cut.write_text("".join(icohp_lines[:2] + icohp_lines[3:]))
    files = real_files()
    files.icohplist = cut
    rows, dropped = subrun_bonds(files, SPECIES)
    assert dropped == [("Cu1", "Cu3-Cu1"), ("Cu3", "Cu1-Cu3")]  # study: neighbour first
    complete_rows, _ = subrun_bonds(real_files(), SPECIES)
    assert len(rows) < len(complete_rows)
    centres = {a for _, a, _, _, _ in rows}
    assert 0 not in centres and 2 not in centres


@pytest.fixture
def soap_of_real_subrun(tmp_path):
    if not REAL_SUBRUN.is_dir():
        pytest.skip("study data ../shared/data/prm-4-113603 is absent")
    from ase.io import read

    from glassbonds.descriptors import soap_vectors

    parameters = study_soap_parameters(SPECIES)
    atoms = read(REAL_SUBRUN / "Zr49Cu49Al2.xyz")
    path = tmp_path / "SOAPS.npz"
    save_soap(path, soap_vectors(atoms, parameters), parameters, atoms.get_chemical_symbols())
    return path, parameters


def test_every_subrun_is_in_the_database_or_in_nd_info_once(soap_of_real_subrun, tmp_path):
    soap_path, parameters = soap_of_real_subrun
    subruns = []
    for sub, code in enumerate([1, 2, 4, 5, 1, 7]):
        files = real_files(code, soap_path)
        files.subrun = SubRun("Zr49Cu49Al2", 100, 21, sub)
        subruns.append(files)
    result = build_pbssdb("Zr49Cu49Al2", subruns, SPECIES, parameters.as_dict())
    in_database = {(p["run"], p["subrun"]) for p in result.database.provenance}
    not_done = [(run, sub) for run, sub, _, _ in result.not_done]
    assert in_database == {(21, 0), (21, 2), (21, 4)}
    assert sorted(not_done) == [(21, 1), (21, 3), (21, 5)]
    assert not in_database & set(not_done)
    assert [code for *_, code, _ in result.not_done] == [2, 5, 7]

    write_legacy_files(result, tmp_path / "db")
    nd = (tmp_path / "db/ND.info").read_text().splitlines()
    assert nd == ["21 1 2", "21 3 5", "21 5 7"]
    bnd = pd.read_csv(tmp_path / "db/Cu-Cu.bnd", sep=" ", header=None)
    assert len(bnd) == 3 * 102 and set(bnd[1]) == {0, 2, 4}


def test_store_round_trip_keeps_rows_vectors_and_provenance(soap_of_real_subrun, tmp_path):
    soap_path, parameters = soap_of_real_subrun
    result = build_pbssdb("Zr49Cu49Al2", [real_files(1, soap_path)], SPECIES, parameters.as_dict())
    save_store(result.database, tmp_path / "store")
    loaded = load_store(tmp_path / "store")
    pd.testing.assert_frame_equal(loaded.rows, result.database.rows)
    np.testing.assert_array_equal(loaded.soap, result.database.soap)
    assert loaded.descriptor == parameters.as_dict()
    assert (
        loaded.provenance[0]["icohplist_sha256"]
        == result.database.provenance[0]["icohplist_sha256"]
        and len(loaded.provenance[0]["icohplist_sha256"]) == 64
    )
    rows, soap_a, soap_b = loaded.bond_arrays("Zr-Al")
    assert len(rows) == 16 and soap_a.shape == (16, 2100)
    np.testing.assert_allclose(np.linalg.norm(soap_b, axis=1), 1.0, rtol=1e-6)


def test_changed_soap_parameters_are_refused(soap_of_real_subrun):
    soap_path, _ = soap_of_real_subrun
    other = replace(study_soap_parameters(SPECIES), r_cut=4.0).as_dict()
    with pytest.raises(InputError, match="SOAP parameters"):
        build_pbssdb("Zr49Cu49Al2", [real_files(1, soap_path)], SPECIES, other)


# -- one bad sub-run never blocks its composition (issue 11, fault matrix) -------------------


def _spoil(tmp_path: Path, name: str) -> SubRunFiles:
    """A copy of the real sub-run with one defect; returns its files."""
    directory = tmp_path / name
    directory.mkdir()
    files = real_files()
    for attribute in ("xyz", "icohplist", "neighbours"):
        source = getattr(files, attribute)
        target = directory / source.name
        target.write_text(source.read_text())
        setattr(files, attribute, target)
    quippy = files.neighbours.read_text()
    if name == "index-0":  # 1-based file: index 0 must not wrap to the last atom
        files.neighbours.write_text(
            quippy.replace("cohpbetween atom 1 atom 3 ", "cohpbetween atom 0 atom 3 ", 1)
        )
    elif name == "index-101":
        files.neighbours.write_text(
            quippy.replace("cohpbetween atom 1 atom 3 ", "cohpbetween atom 101 atom 3 ", 1)
        )
    elif name == "no-quippy":
        files.neighbours.unlink()
    elif name == "xyz-nan":
        lines = files.xyz.read_text().splitlines(keepends=True)
        fields = lines[2].split()
        lines[2] = " ".join([fields[0], "nan", *fields[2:]]) + "\n"
        files.xyz.write_text("".join(lines))
    elif name == "xyz-no-cell":
        lines = files.xyz.read_text().splitlines(keepends=True)
        lines[1] = "Properties=species:S:1:pos:R:3\n"
        files.xyz.write_text("".join(lines))
    elif name == "icohp-malformed-line":
        lines = files.icohplist.read_text().splitlines(keepends=True)
        lines[10] = lines[10].replace("Cu", "C?", 1)
        files.icohplist.write_text("".join(lines))
    return files


BAD = ["index-0", "index-101", "no-quippy", "xyz-nan", "xyz-no-cell", "icohp-malformed-line"]


def test_each_defective_subrun_gets_code_9_and_the_others_are_built(soap_of_real_subrun, tmp_path):
    soap_path, parameters = soap_of_real_subrun
    subruns = [real_files(1, soap_path)]
    for sub, name in enumerate(BAD, start=1):
        files = _spoil(tmp_path, name)
        files.subrun = SubRun("Zr49Cu49Al2", 100, 21, sub)
        files.soap = soap_path
        subruns.append(files)
    result = build_pbssdb("Zr49Cu49Al2", subruns, SPECIES, parameters.as_dict())
    assert [p["subrun"] for p in result.database.provenance] == [0]
    assert len(result.database.rows) == len(subrun_bonds(real_files(), SPECIES)[0]) > 600
    reasons = {sub: (code, reason) for _, sub, code, reason in result.not_done}
    assert sorted(reasons) == list(range(1, len(BAD) + 1))
    assert {code for code, _ in reasons.values()} == {9}
    assert "atom index 0 outside 1..100" in reasons[1][1]
    assert "atom index 101 outside 1..100" in reasons[2][1]
    assert "lobsterin-quippy: missing" in reasons[3][1]
    assert "not all finite" in reasons[4][1]
    assert "no periodic cell" in reasons[5][1]
    assert "ICOHPLIST.lobster:11" in reasons[6][1]
    write_legacy_files(result, tmp_path / "db")
    nd = (tmp_path / "db/ND.info").read_text().splitlines()
    assert nd == [f"21 {sub} 9" for sub in range(1, len(BAD) + 1)]  # the study's 3 columns
    tsv = pd.read_csv(tmp_path / "db/ND-reasons.tsv", sep="\t")
    assert list(tsv.columns) == ["run", "subrun", "code", "reason"] and len(tsv) == len(BAD)


@needs_study_data
def test_a_single_listing_with_another_distance_is_counted_not_matched(tmp_path):
    files = real_files()
    lines = files.icohplist.read_text().splitlines(keepends=True)
    # bond 2 (Cu1-Cu3, listed once): another image (translation) and another distance
    assert " Cu1 " in lines[2] and " Cu3 " in lines[2] and "2.47778       0   0   0" in lines[2]
    lines[2] = lines[2].replace("2.47778       0   0   0", "5.47778       1   0   0")
    files.icohplist = tmp_path / "ICOHPLIST.lobster"
    files.icohplist.write_text("".join(lines))
    counts = Counter()
    _rows, dropped = subrun_bonds(files, SPECIES, counts)
    assert counts["distance mismatches"] == 2  # seen from Cu1 and from Cu3
    assert dropped == [("Cu1", "Cu3-Cu1"), ("Cu3", "Cu1-Cu3")]
    # the same image shift with the right distance is matched (no false alarm)
    lines[2] = lines[2].replace("5.47778       1   0   0", "2.47778       1   0   0")
    files.icohplist.write_text("".join(lines))
    counts = Counter()
    _rows, dropped = subrun_bonds(files, SPECIES, counts)
    assert counts["distance mismatches"] == 0 and dropped == []


def test_declared_files_are_matched_by_directory_and_an_undeclared_one_stops_only_its_subrun(
    soap_of_real_subrun, tmp_path
):
    """What rule pbssdb passes: one status, structure and SOAP per sub-run; neighbour lists
    and ICOHPLISTs only where they exist (an adopted tree), matched by directory."""
    from glassbonds.database.subruns import declared_subrun_files
    from glassbonds.io.status_file import read_status_file, write_status_file
    from glassbonds.subrun_status import StatusCode, SubRunStatus

    soap_path, parameters = soap_of_real_subrun
    subruns, status, xyz, quippy, icohplists = [], [], [], [], []
    for sub in range(2):
        directory = tmp_path / str(sub)
        directory.mkdir()
        for name in ("Zr49Cu49Al2.xyz", "lobsterin-quippy", "ICOHPLIST.lobster"):
            (directory / name).write_bytes((REAL_SUBRUN / name).read_bytes())
        write_status_file(directory / "subrun.status", SubRunStatus(StatusCode.DONE, "test"))
        subruns.append(SubRun("Zr49Cu49Al2", 100, 21, sub))
        status.append(directory / "subrun.status")
        xyz.append(directory / "Zr49Cu49Al2.xyz")
        icohplists.append(directory / "ICOHPLIST.lobster")
    quippy.append(tmp_path / "0" / "lobsterin-quippy")  # sub-run 1 declares none
    files = declared_subrun_files(
        subruns,
        [read_status_file(path) for path in status],
        xyz,
        [soap_path] * 2,
        quippy,
        list(reversed(icohplists)),
    )
    assert [f.icohplist for f in files] == icohplists
    assert (files[0].neighbours, files[1].neighbours) == (quippy[0], None)
    result = build_pbssdb("Zr49Cu49Al2", files, SPECIES, parameters.as_dict())
    assert [p["subrun"] for p in result.database.provenance] == [0]
    [(run, sub, code, reason)] = result.not_done
    assert (run, sub, code) == (21, 1, 9)
    assert str(tmp_path / "1") in reason and "no neighbour list" in reason
