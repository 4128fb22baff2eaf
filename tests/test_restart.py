"""Restart after a hard interruption: the fixture is killed mid-way and run again.

The fixture workflow (real LAMMPS and pw.x, the LOBSTER test double) runs in a temporary
tree with the local profile, restricted to the PBSSDB of one composition. As soon as some
but not all ``qe_scf`` outputs exist and a pw.x output is being written, Snakemake gets
SIGINT and, a few seconds later, its whole process group SIGKILL (a lost login session, an
OOM kill). Then the same command (after ``--unlock``, the documented recovery from a killed
run) must finish, and:

* every job that was running is redone: outputs with an incomplete marker of Snakemake
  (``.snakemake/incomplete``; the profile sets ``rerun-incomplete``) are regenerated;
* nothing complete is redone: each ``scf.out`` that was complete before the interrupt (and
  not marked incomplete) keeps its inode and mtime;
* no output is corrupt: every ``scf.out`` parses as a finished pw.x run, every
  ``ICOHPLIST.lobster`` parses and agrees with its ``.lb.out`` count, and no temporary
  ``.<name>.*.partial*`` file of the library's atomic writers is left anywhere in the tree.
"""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from glassbonds.io.lobster import read_icohplist, read_lobster_log
from glassbonds.io.qe import read_scf_outcome
from tests.fixture_run import REPO, SNAKEMAKE, fixture_config, snakemake, write_config

NC = "Zr50Cu50"
NSUB = 15
START_TIMEOUT = 600.0  # hang guard: until enough scf.out exist (LAMMPS + first pw.x runs)
KILL_DELAY = 3.0  # seconds between SIGINT and SIGKILL of the process group
RERUN_TIMEOUT = 900.0  # a hang guard, not a timing assertion: shared machines are slow


def _scf_outputs(tree: Path) -> list[Path]:
    return sorted(tree.glob(f"{NC}/c/md/lammps/*/*/*/*/{NC}.scf.out"))


def _partials(tree: Path) -> list[Path]:
    """Temporary files of glassbonds.files.atomic_path: ``.<name>.<random>.partial<suffix>``."""
    return sorted(p for p in tree.rglob(".*") if ".partial" in p.name)


def _identity(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


def _incomplete_markers(workdir: Path) -> set[Path]:
    """Paths Snakemake's file persistence backend marks incomplete (``.snakemake/incomplete``:
    one file per output, named by the URL-safe base64 of its path, split into ``@``-prefixed
    directories when longer than a file name may be)."""
    base = workdir / ".snakemake" / "incomplete"
    marked = set()
    for marker in base.rglob("*") if base.is_dir() else []:
        if marker.is_file():
            parts = marker.relative_to(base).parts
            encoded = "".join(part.removeprefix("@") for part in parts)
            path = Path(base64.urlsafe_b64decode(encoded).decode())
            marked.add(path if path.is_absolute() else (workdir / path))
    return {path.resolve() for path in marked}


def _interrupt(process: subprocess.Popen, tree: Path) -> dict[Path, tuple[int, int]]:
    """Wait until 3..NSUB-2 scf.out exist and a pw.x output is being written, then SIGINT
    and SIGKILL. Returns the identity (inode, mtime) of every finished scf.out just before."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(f"snakemake ended (status {process.returncode}) before the interrupt")
        if time.monotonic() > deadline:
            pytest.fail("no scf.out appeared in time: cannot interrupt in the middle")
        outputs = _scf_outputs(tree)
        running = [p for p in _partials(tree) if ".scf.out." in p.name]
        if 3 <= len(outputs) <= NSUB - 2 and running:
            break
        time.sleep(0.1)
    complete = {}
    for path in outputs:
        if read_scf_outcome(path).finished:
            complete[path.resolve()] = _identity(path)
    os.kill(process.pid, signal.SIGINT)
    time.sleep(KILL_DELAY)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    return complete


@pytest.mark.slow
def test_restart_after_kill(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    config_file = write_config(fixture_config(tree), tmp_path / "config.yaml")
    target = str(tree / f"{NC}-PBSSDB" / "metadata.json")
    # the target first: --configfile takes every following value
    command = [
        str(SNAKEMAKE),
        target,
        "--snakefile",
        str(REPO / "Snakefile"),
        "--profile",
        str(REPO / "profiles" / "local"),
        "--configfile",
        str(config_file),
    ]
    env = dict(os.environ, PATH=f"{SNAKEMAKE.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    with open(tmp_path / "first.log", "w") as log:
        # own session: the SIGKILL reaches Snakemake and every job it started, nothing else
        process = subprocess.Popen(
            command,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        try:
            complete_before = _interrupt(process, tree)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    assert complete_before, "no scf.out had finished before the interrupt"
    killed_at = time.time_ns()
    marked = _incomplete_markers(tmp_path)
    untouched = {path: ident for path, ident in complete_before.items() if path not in marked}
    redo = {path: _identity(path) for path in marked if path.exists()}
    assert marked, "Snakemake left no incomplete marker although jobs were killed while running"
    assert untouched, "every finished scf.out was marked incomplete"

    unlock = snakemake(tmp_path, config_file, "--unlock", "--cores", "2", target, timeout=120)
    assert unlock.returncode == 0, unlock.stderr[-3000:]
    rerun = snakemake(tmp_path, config_file, "--cores", "2", target, timeout=RERUN_TIMEOUT)
    (tmp_path / "rerun.log").write_text(rerun.stdout + rerun.stderr)
    assert rerun.returncode == 0, (rerun.stdout + rerun.stderr)[-5000:]

    # completes
    summary = tree / f"{NC}-PBSSDB" / "summary.tsv"
    assert summary.is_file() and (tree / f"{NC}-PBSSDB" / "bonds.parquet").is_file()
    assert not _incomplete_markers(tmp_path), "incomplete markers left after the rerun"
    # nothing complete is redone
    changed = [str(p) for p, ident in untouched.items() if _identity(p) != ident]
    assert not changed, f"complete outputs were redone: {changed}"
    # incomplete outputs are redone: written after the kill (those present then, replaced)
    not_redone = [str(p) for p in marked if not p.exists() or p.stat().st_mtime_ns < killed_at]
    assert not not_redone, f"outputs marked incomplete were not written again: {not_redone}"
    kept = [str(p) for p, ident in redo.items() if _identity(p) == ident]
    assert not kept, f"outputs marked incomplete were kept as they were: {kept}"
    # no output is corrupt
    outputs = _scf_outputs(tree)
    assert len(outputs) == NSUB
    for path in outputs:
        outcome = read_scf_outcome(path)
        assert outcome.finished and outcome.iterations > 0, f"{path} is not a finished pw.x run"
        icohplist = path.parent / "ICOHPLIST.lobster"
        bonds = read_icohplist(icohplist)
        log = read_lobster_log(path.parent / f"{NC}.lb.out")
        interactions, finished = log.interactions, log.finished
        assert finished and interactions == len(bonds) > 0, icohplist
    leftovers = _partials(tmp_path)
    assert not leftovers, f"temporary files left behind: {[str(p) for p in leftovers]}"
