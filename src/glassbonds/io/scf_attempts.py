"""The record of a sub-run's pw.x scf attempts, ``scf.attempts`` (JSON, beside ``<NC>.scf.out``).

Written by :func:`glassbonds.io.scf_recovery.run_pw_with_recovery` (rule ``qe_scf``) for
every scf it runs, read by the sub-run status (:mod:`glassbonds.subrun_status`), which
carries :meth:`ScfAttempts.summary` into the status file and the database provenance.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from glassbonds.errors import InputError

SCF_ATTEMPTS_FORMAT = "glassbonds-scf-attempts/1"


@dataclass(frozen=True)
class ScfAttempt:
    """One pw.x run of a sub-run.

    ``input``/``output``: file names in the sub-run directory (``<NC>.scf.in.attemptN``,
    ``<NC>.scf.out.attemptN``; for a sub-run converged at its first attempt, the final
    ``<NC>.scf.in``/``<NC>.scf.out``). ``settings``: the &ELECTRONS values changed from the
    original input (cumulative ladder steps; ``startingpot: 'file'`` when restarted from
    the previous attempt's charge density). ``result``: "converged", "not_converged"
    (pw.x ended normally without convergence), "recoverable_error" (a known error, e.g.
    "S matrix not positive definite") or "error" (any other failure; no retry).
    ``error``: the matched error text or the failure's first line; ``iterations``: scf
    iterations done; ``exit_status``: pw.x's exit status.
    """

    attempt: int
    input: str
    output: str
    settings: dict[str, object]
    result: str
    error: str | None = None
    iterations: int = 0
    exit_status: int | None = None


@dataclass(frozen=True)
class ScfAttempts:
    """The record ``scf.attempts``: every attempt, and which one converged (None: none)."""

    scf_in: str
    scf_out: str
    attempts: tuple[ScfAttempt, ...]
    converged_attempt: int | None
    final_attempt: int

    @property
    def recovered(self) -> bool:
        """Converged, but not at the first attempt."""
        return self.converged_attempt is not None and self.converged_attempt > 1

    @property
    def converged_settings(self) -> dict[str, object] | None:
        """The settings of the attempt that converged (None when none did)."""
        if self.converged_attempt is None:
            return None
        return dict(self.attempts[self.converged_attempt - 1].settings)

    def summary(self) -> dict:
        """The compact record a status file and a database provenance keep: which attempt
        converged (None: none) and, per attempt, its result, settings, iterations and error."""
        return {
            "attempts": len(self.attempts),
            "converged_attempt": self.converged_attempt,
            "final_attempt": self.final_attempt,
            "converged_settings": self.converged_settings,
            "runs": [
                {
                    "attempt": a.attempt,
                    "result": a.result,
                    "settings": dict(a.settings),
                    "iterations": a.iterations,
                    "error": a.error,
                }
                for a in self.attempts
            ],
        }

    def to_json(self) -> str:
        record = {
            "format": SCF_ATTEMPTS_FORMAT,
            "scf_in": self.scf_in,
            "scf_out": self.scf_out,
            "converged_attempt": self.converged_attempt,
            "final_attempt": self.final_attempt,
            "attempts": [vars(a) for a in self.attempts],
        }
        return json.dumps(record, indent=1) + "\n"


def read_scf_attempts(path: str | Path) -> ScfAttempts | None:
    """The ``scf.attempts`` record of a sub-run at ``path``.

    None when there is no record (a sub-run run before the recovery existed, or adopted
    from the study); an unreadable record is an :class:`InputError` naming the file.
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
        if record.get("format") != SCF_ATTEMPTS_FORMAT:
            raise ValueError(f"format {record.get('format')!r}, not {SCF_ATTEMPTS_FORMAT!r}")
        return ScfAttempts(
            scf_in=record["scf_in"],
            scf_out=record["scf_out"],
            attempts=tuple(ScfAttempt(**a) for a in record["attempts"]),
            converged_attempt=record["converged_attempt"],
            final_attempt=record["final_attempt"],
        )
    except (ValueError, KeyError, TypeError) as error:
        raise InputError(
            path, f"not a readable scf attempts record ({error})", "rerun the sub-run's scf"
        ) from None


def attempts_summary(path: str | Path) -> dict | None:
    """:meth:`ScfAttempts.summary` of the record at ``path`` (None: no record); an
    unreadable record gives ``{"unreadable": message}`` so that the status records it."""
    try:
        record = read_scf_attempts(path)
    except InputError as error:
        return {"unreadable": str(error)}
    return None if record is None else record.summary()


def attempts_note(attempts: dict | None) -> str:
    """A reason's note on the scf recovery: empty unless more than one attempt ran."""
    if not attempts or attempts.get("unreadable"):
        return f"scf.attempts: {attempts['unreadable']}" if attempts else ""
    if attempts["attempts"] < 2:
        return ""
    converged = attempts["converged_attempt"]
    if converged is None:
        return f"scf recovery exhausted: {attempts['attempts']} attempts, none converged"
    settings = ", ".join(f"{k}={v}" for k, v in (attempts["converged_settings"] or {}).items())
    return f"scf converged at attempt {converged} of {attempts['attempts']} ({settings})"
