"""Atomic file output: nothing partial survives a failure.

Every writer in the package goes through :func:`atomic_path` or :func:`write_text`, which
write to a temporary file beside the target and rename it into place only on success.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it to ``target`` if the block succeeds.

    The temporary name keeps the target's suffix so that libraries choosing a format from
    the extension (NumPy, pandas) behave the same. The file is created with the mode the
    umask gives (as ``open`` would; not ``mkstemp``'s 0600), so group members of a shared
    tree can read the outputs. A full disk is reported as ``no space left on <directory>``
    (:class:`OSError` with ``errno.ENOSPC``), however the writing library phrased it.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A job killed with SIGKILL cannot clean up: its rerun (the only writer of this target)
    # removes what it left.
    for stale in target.parent.glob(f".{target.name}.*.partial*"):
        stale.unlink(missing_ok=True)
    while True:
        tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.partial{target.suffix}"
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            break
        except FileExistsError:
            continue
        except OSError as error:
            raise _disk_full(error, target) from None
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise _disk_full(error, target) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _disk_full(error: OSError, target: Path) -> OSError:
    """``error`` itself, or, for a full disk (ENOSPC, NumPy's ``N requested and M written``),
    an ENOSPC error that names the directory."""
    if error.errno == errno.ENOSPC or "requested and" in str(error):
        return OSError(errno.ENOSPC, f"no space left on {target.parent}", str(target))
    return error


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
