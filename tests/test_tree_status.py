"""The morning status view: sub-runs per stage, read from files only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glassbonds.cli import main
from glassbonds.tree import SubRun
from glassbonds.tree_status import (
    HEADER,
    STAGES,
    STUDY_LAYOUT,
    compositions_in,
    subrun_stage,
    tree_status,
)

SCF_DONE = "     convergence has been achieved in  14 iterations\n JOB DONE.\n"
SCF_FAILED = "     convergence NOT achieved after 100 iterations: stopping\n JOB DONE.\n"


def subrun_file(root: Path, subrun: SubRun, name: str) -> Path:
    path = STUDY_LAYOUT.subrun_file(root, subrun, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def make_subrun(root: Path, run: int, sub: int, stage: str) -> None:
    subrun = SubRun("Zr50Cu50", 8, run, sub)
    scf_in = subrun_file(root, subrun, "scf_out").with_name("Zr50Cu50.scf.in")
    scf_in.write_text("&CONTROL\n/\n")
    if stage == "inputs":
        return
    scf = {"running": "     iteration #  3\n", "failed": SCF_FAILED}.get(stage, SCF_DONE)
    subrun_file(root, subrun, "scf_out").write_text(scf)
    if stage in ("lobster", "database"):
        icohplist = subrun_file(root, subrun, "icohplist")
        icohplist.write_text("  COHP#  atomMU\n      1   Zr1   Cu2 ...\n")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    stages = ["inputs", "inputs", "running", "failed", "converged", "lobster", "database"]
    for sub, stage in enumerate(stages):
        make_subrun(tmp_path, 1, sub, stage)
    make_subrun(tmp_path, 2, 0, "inputs")
    database = tmp_path / "Zr50Cu50-PBSSDB"
    database.mkdir()
    (database / "metadata.json").write_text(json.dumps({"provenance": [{"run": 1, "subrun": 6}]}))
    return tmp_path


def test_every_subrun_is_counted_at_its_furthest_stage(tree):
    table = tree_status(tree).table.set_index("run")
    assert table.loc[1, "sub-runs"] == 7
    expected = {
        "no QE yet": 2,
        "QE unfinished": 1,
        "QE not converged": 1,
        "converged": 1,
        "LOBSTER done": 1,
        "in database": 1,
    }
    assert {stage: int(table.loc[1, stage]) for stage in expected} == expected
    assert table.loc[2, "no QE yet"] == 1 and table.loc[2, "sub-runs"] == 1


def test_the_command_prints_one_line_per_run_or_per_composition(tree, capsys):
    assert main(["status", str(tree)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == HEADER and "exclusive" in HEADER
    assert len(lines) == 4 and lines[2].split()[:3] == ["Zr50Cu50", "8", "1"]
    assert main(["status", str(tree), "--totals"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == HEADER
    assert len(lines) == 3 and lines[2].split()[:2] == ["Zr50Cu50", "8"]


def test_stage_columns_are_exclusive_and_sum_to_the_subruns(tree):
    table = tree_status(tree).table
    assert (table[list(STAGES)].sum(axis=1) == table["sub-runs"]).all()


def test_derived_trees_are_not_compositions(tree):
    # the SOAP tree mirrors the MD tree's layout; it is not a composition
    soap_dir = tree / "Zr50Cu50-SOAPS/c/md/lammps/8/1/2000/0"
    soap_dir.mkdir(parents=True)
    (soap_dir / "SOAPS.npz").write_bytes(b"")
    (tree / "DB2/c/md/lammps/8").mkdir(parents=True)
    assert compositions_in(tree) == ["Zr50Cu50"]
    assert set(tree_status(tree).table["composition"]) == {"Zr50Cu50"}


def test_a_convergence_line_far_from_the_end_is_found(tmp_path, subrun_dir):
    # the study's converged 100-atom output: its convergence line is 57 KB from the end
    text = (subrun_dir / "Zr49Cu49Al2.scf.out").read_bytes()
    assert len(text) - text.rindex(b"convergence has been achieved") > 50_000
    # a bigger cell prints more forces and bands after it: 200 KB here
    subrun = SubRun("Zr50Cu50", 8, 1, 0)
    padding = b"     atom    1 type  1   force =     0.001  0.002  0.003\n" * 4000
    subrun_file(tmp_path, subrun, "scf_out").write_bytes(text + padding)
    assert len(padding) > 200_000
    assert subrun_stage(tmp_path, subrun, False) == "converged"
    subrun_file(tmp_path, subrun, "scf_out").write_bytes(b"")
    assert subrun_stage(tmp_path, subrun, False) == "QE unfinished"
