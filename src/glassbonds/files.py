"""Atomic file output: nothing partial survives a failure.

Every writer in the package goes through :func:`atomic_path` or :func:`write_text`, which
write to a temporary file beside the target and rename it into place only on success.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it to ``target`` if the block succeeds.

    The temporary name keeps the target's suffix so that libraries choosing a format from
    the extension (NumPy, pandas) behave the same.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A job killed with SIGKILL cannot clean up: its rerun (the only writer of this target)
    # removes what it left.
    for stale in target.parent.glob(f".{target.name}.*.partial*"):
        stale.unlink(missing_ok=True)
    handle, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=f".partial{target.suffix}", dir=target.parent
    )
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(target: str | Path, text: str) -> None:
    """Write ``text`` to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text)


def sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes (provenance of database inputs)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
