"""Sub-runs of an adopted tree, found under the directory pattern the rules pass in."""

from __future__ import annotations

import pytest

from glassbonds.tree import discover_subruns, missing_runs


def test_configured_runs_missing_on_disk_are_named(tmp_path):
    tree = tmp_path
    for run, sub in [(1, 0), (1, 6), (2, 0)]:
        (tree / f"Zr50Cu50/c/md/lammps/8/{run}/2000/{sub}").mkdir(parents=True)
    found = discover_subruns(f"{tree}/Zr50Cu50/c/md/lammps/8/{{run}}/2000/{{sub}}", "Zr50Cu50", 8)
    assert missing_runs(found, [1, 2, 3, 7]) == [3, 7]
    assert missing_runs(found, [1, 2]) == []


def test_discovery_lists_numbered_subrun_directories_in_numeric_order(tmp_path):
    root = tmp_path / "a [b] *"  # glob characters in the root are taken literally
    for run, sub in [(10, 0), (2, 11), (2, 3), (2, 0)]:
        (root / f"Zr50Cu50/c/md/lammps/8/{run}/2000/{sub}").mkdir(parents=True)
    (root / "Zr50Cu50/c/md/lammps/8/2/2000/notes").mkdir()
    (root / "Zr50Cu50/c/md/lammps/8/2/2000/12").write_text("a file, not a sub-run")
    found = discover_subruns(f"{root}/Zr50Cu50/c/md/lammps/8/{{run}}/2000/{{sub}}", "Zr50Cu50", 8)
    assert [(s.run, s.sub) for s in found] == [(2, 0), (2, 3), (2, 11), (10, 0)]
    assert {s.nc for s in found} == {"Zr50Cu50"} and {s.nat for s in found} == {8}
    with pytest.raises(ValueError, match="run"):
        discover_subruns(f"{root}/Zr50Cu50/c/md/lammps/8/1/2000/{{sub}}", "Zr50Cu50", 8)
