"""Logging for Snakemake rule scripts: everything a step prints goes to the rule's log, and a
bad-input error ends the job with its one-line message on the console as well."""

from __future__ import annotations

import contextlib
import errno
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

from glassbonds.errors import InputError


@contextlib.contextmanager
def rule_log(log_path: str | Path) -> Iterator[None]:
    """Send stdout/stderr to ``log_path``; on failure, record the error there and exit 1.

    An :class:`InputError` prints ``ERROR: <where>: <problem>; <fix>`` (one line) on the
    console too, and so does a full disk (``ERROR: no space left on <path>``); other
    exceptions keep their traceback in the log.
    """
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    console = sys.__stderr__
    with (
        open(log_path, "w", buffering=1) as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        try:
            yield
        except InputError as error:
            print(f"ERROR: {error}", file=log)
            print(f"ERROR: {error}", file=console)
            raise SystemExit(1) from None
        except OSError as error:
            if error.errno != errno.ENOSPC and "requested and" not in str(error):
                traceback.print_exc(file=log)
                print(
                    f"ERROR: {type(error).__name__}: {error} (details in {log_path})", file=console
                )
                raise SystemExit(1) from None
            where = error.strerror if "no space left" in str(error.strerror) else None
            where = where or f"no space left on {error.filename or Path.cwd()}"
            for stream in (log, console):
                print(f"ERROR: {where} ({error.filename or 'file being written'})", file=stream)
            raise SystemExit(1) from None
        except Exception as error:
            traceback.print_exc(file=log)
            print(f"ERROR: {type(error).__name__}: {error} (details in {log_path})", file=console)
            raise SystemExit(1) from None
