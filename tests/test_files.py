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


def test_outputs_get_the_umask_mode_not_0600(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        write_text(tmp_path / "ND.info", "21 13 2\n")
    finally:
        os.umask(old)
    assert (tmp_path / "ND.info").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize(
    "error",
    [OSError(28, "No space left on device"), OSError("420000 requested and 243680 written")],
)
def test_a_full_disk_says_no_space_left_on_the_directory(tmp_path, error):
    import errno

    target = tmp_path / "db" / "soap.npy"
    with pytest.raises(OSError) as caught, atomic_path(target):
        raise error
    assert caught.value.errno == errno.ENOSPC
    assert f"no space left on {target.parent}" in str(caught.value)
    assert list(target.parent.iterdir()) == []
