"""Atomic outputs: nothing partial survives, even after a killed job."""

from __future__ import annotations

import pytest

from glassbonds.files import atomic_path, write_text


def test_a_failed_write_leaves_neither_target_nor_temporary(tmp_path):
    target = tmp_path / "ICOHPLIST.lobster"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half a file")
        raise RuntimeError("the program crashed")
    assert list(tmp_path.iterdir()) == []


def test_a_successful_write_renames_into_place(tmp_path):
    write_text(tmp_path / "a" / "ND.info", "21 3 2\n")
    assert (tmp_path / "a" / "ND.info").read_text() == "21 3 2\n"
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["ND.info"]


def test_the_rerun_removes_what_a_killed_job_left(tmp_path):
    leftover = tmp_path / ".Zr50Cu50.scf.out.x1y2.partial.out"
    leftover.write_text("cut by SIGKILL")
    unrelated = tmp_path / ".lobsterin.abc.partial"
    unrelated.write_text("another target's temporary")
    write_text(tmp_path / "Zr50Cu50.scf.out", "JOB DONE.\n")
    assert not leftover.exists()
    assert unrelated.exists()
