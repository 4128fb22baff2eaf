"""One workflow run per tree: a lock file in the derived root.

Snakemake locks its working directory only, so two runs started from different
directories on the same ``root`` would write (and clean up the temporary files of) the same
outputs. The first run writes ``<derived root>/.glassbonds-run.lock`` (host, process id,
working directory, start time); a second run refuses to start, naming the first. A lock
left by a run that was killed (its process is gone on this host) is replaced, with a note.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from glassbonds.errors import InputError

LOCK_NAME = ".glassbonds-run.lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def acquire(lock: str | Path, pid: int | None = None) -> str:
    """Take the lock for process ``pid`` (default: this one); returns a note for the log.

    Raises :class:`InputError` naming the other run when a live run holds it.
    """
    lock = Path(lock)
    pid = os.getpid() if pid is None else pid
    host = socket.gethostname()
    note = ""
    if lock.exists():
        try:
            holder = json.loads(lock.read_text())
        except (OSError, ValueError):
            holder = {}
        same_host = holder.get("host") == host
        if holder.get("pid") == pid and same_host:
            return "lock already held by this run"
        if not same_host or _alive(int(holder.get("pid", -1))):
            raise InputError(
                lock,
                f"another run works on this tree (host {holder.get('host')}, pid "
                f"{holder.get('pid')}, started {holder.get('started')} in "
                f"{holder.get('cwd')})",
                "wait for it to finish, or delete this file if that run is gone",
            )
        note = f"replaced the lock of a run that is gone (pid {holder.get('pid')})"
    lock.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "host": host,
        "pid": pid,
        "cwd": os.getcwd(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    lock.write_text(json.dumps(record) + "\n")
    return note or f"took {lock}"


def release(lock: str | Path, pid: int | None = None) -> None:
    """Remove the lock if this process holds it."""
    lock = Path(lock)
    pid = os.getpid() if pid is None else pid
    try:
        holder = json.loads(lock.read_text())
    except (OSError, ValueError):
        return
    if holder.get("pid") == pid and holder.get("host") == socket.gethostname():
        lock.unlink(missing_ok=True)
