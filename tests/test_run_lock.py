"""One run per tree: a second run on the same root refuses, a killed run's lock is replaced."""

from __future__ import annotations

import json
import subprocess

import pytest

from glassbonds.errors import InputError
from glassbonds.run_lock import acquire, release


def test_a_live_run_holds_the_tree(tmp_path):
    lock = tmp_path / ".glassbonds-run.lock"
    other = subprocess.Popen(["sleep", "30"])
    try:
        acquire(lock, pid=other.pid)
        with pytest.raises(InputError, match=f"another run works on this tree .*pid {other.pid}"):
            acquire(lock)
    finally:
        other.kill()
        other.wait()


def test_the_lock_of_a_killed_run_is_replaced(tmp_path):
    lock = tmp_path / ".glassbonds-run.lock"
    gone = subprocess.Popen(["true"])
    gone.wait()
    acquire(lock, pid=gone.pid)
    assert "gone" in acquire(lock)
    assert json.loads(lock.read_text())["cwd"]


def test_release_removes_only_the_own_lock(tmp_path):
    lock = tmp_path / ".glassbonds-run.lock"
    acquire(lock, pid=1)  # pid 1 is alive: another run's lock
    release(lock)
    assert lock.exists()
    lock.unlink()
    acquire(lock)
    release(lock)
    assert not lock.exists()
