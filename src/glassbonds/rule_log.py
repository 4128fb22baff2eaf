"""Logging for Snakemake rule scripts: everything a step prints goes to the rule's log, and a
bad-input error ends the job with its one-line message on the console as well."""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

from glassbonds.errors import InputError


@contextlib.contextmanager
def rule_log(log_path: str | Path) -> Iterator[None]:
    """Send stdout/stderr to ``log_path``; on failure, record the error there and exit 1.

    An :class:`InputError` prints ``ERROR: <where>: <problem>; <fix>`` (one line) on the
    console too; other exceptions keep their traceback in the log.
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
        except Exception as error:
            traceback.print_exc(file=log)
            print(f"ERROR: {type(error).__name__}: {error} (details in {log_path})", file=console)
            raise SystemExit(1) from None
