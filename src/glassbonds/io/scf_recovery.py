"""Automatic recovery of pw.x scf runs that do not converge or fail with a known error.

Like AiiDA's ``PwBaseWorkChain`` error handlers, a sub-run whose scf ends with
"convergence NOT achieved", or fails with a known recoverable error ("S matrix not positive
definite", "cholesky", "too many bands are not converged", ...), is run again with the
next step of a configured *ladder* of &ELECTRONS changes (config ``qe.recovery``), up to
``attempts`` pw.x runs in all. Ladder steps are cumulative: attempt k+1 uses the original
input with steps 1..k applied (the last step repeats if attempts outnumber steps). When the
previous attempt left a charge density in QE's outdir (pw.x 6.7 writes
``<outdir>/<prefix>.save/charge-density.dat`` also after an unconverged scf), the next
attempt restarts from it (``startingpot = 'file'``).

Files, in the sub-run directory: attempt N's input and output are ``<NC>.scf.in.attemptN``
and ``<NC>.scf.out.attemptN`` (only when more than one attempt ran); ``<NC>.scf.out`` is a
copy of the converged attempt's output, or of the last attempt's when none converged, so
that the study's status (code 2, scf not converged) records the lost sub-run instead of a
failed job. The record (``scf.attempts`` in the workflow, JSON,
:mod:`glassbonds.io.scf_attempts`), written to the path the caller gives, says which attempt
converged and with which settings. Any other failure (pw.x missing, an unknown
error) still raises :class:`~glassbonds.io.qe.PwRunError`, with the attempts kept.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from glassbonds.errors import InputError
from glassbonds.files import atomic_path, write_text
from glassbonds.io.qe import PwRunError, _write_log, read_scf_outcome, run_pw
from glassbonds.io.scf_attempts import ScfAttempt, ScfAttempts

# &ELECTRONS keys a ladder step may change (none changes the physics of the result).
LADDER_KEYS = frozenset(
    {
        "mixing_beta",
        "mixing_mode",
        "mixing_ndim",
        "diagonalization",
        "electron_maxstep",
        "startingwfc",
        "diago_full_acc",
        "diago_david_ndim",
    }
)
DEFAULT_LADDER: tuple[dict[str, object], ...] = (
    {"mixing_beta": 0.2},
    {"mixing_mode": "local-TF", "mixing_beta": 0.1},
    {"diagonalization": "cg", "electron_maxstep": 200},
)
DEFAULT_RECOVERABLE_ERRORS: tuple[str, ...] = (
    "S matrix not positive definite",
    "cholesky",
    "too many bands are not converged",
    "eigenvectors failed to converge",
)


@dataclass(frozen=True)
class RecoveryPolicy:
    """How many pw.x runs a sub-run gets (``attempts``, the first included; 1 = no
    recovery), the ladder of &ELECTRONS changes, whether to restart from the previous
    charge density, and the error texts (case-insensitive) that count as recoverable."""

    attempts: int = 4
    ladder: tuple[dict[str, object], ...] = DEFAULT_LADDER
    restart_from_charge_density: bool = True
    recoverable_errors: tuple[str, ...] = DEFAULT_RECOVERABLE_ERRORS

    @classmethod
    def from_mapping(
        cls, values: Mapping[str, object] | None, where: str = "config key qe.recovery"
    ) -> RecoveryPolicy:
        """The policy of a config mapping; unknown or bad keys name the key and the fix."""
        values = dict(values or {})
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - known)
        if unknown:
            raise InputError(where, f"unknown key(s) {unknown}", f"use only {sorted(known)}")
        attempts = values.get("attempts", cls.attempts)
        if not isinstance(attempts, int) or attempts < 1:
            raise InputError(f"{where}.attempts", f"is {attempts!r}", "give an integer >= 1")
        ladder = tuple(dict(step) for step in values.get("ladder", DEFAULT_LADDER))  # type: ignore[call-overload]
        for i, step in enumerate(ladder):
            bad = sorted(set(step) - LADDER_KEYS)
            if bad or not step:
                raise InputError(
                    f"{where}.ladder[{i}]",
                    f"has key(s) {bad}" if bad else "is empty",
                    f"use &ELECTRONS keys among {sorted(LADDER_KEYS)}",
                )
        if attempts > 1 and not ladder:
            raise InputError(f"{where}.ladder", "is empty", "give at least one step")
        return cls(
            attempts=attempts,
            ladder=ladder,
            restart_from_charge_density=bool(
                values.get("restart_from_charge_density", cls.restart_from_charge_density)
            ),
            recoverable_errors=tuple(
                str(e)
                for e in values.get("recoverable_errors", DEFAULT_RECOVERABLE_ERRORS)  # type: ignore[union-attr]
            ),
        )

    def settings(self, attempt: int) -> dict[str, object]:
        """The cumulative ladder changes of attempt ``attempt`` (1: none)."""
        merged: dict[str, object] = {}
        for step in range(1, attempt):
            merged.update(self.ladder[min(step, len(self.ladder)) - 1])
        return merged


def fortran_value(value: object) -> str:
    """A namelist value: .true./.false., quoted strings, numbers as written."""
    if isinstance(value, bool):
        return ".true." if value else ".false."
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "") + "'"


def edit_namelist(text: str, namelist: str, changes: Mapping[str, object]) -> str:
    """``text`` (a pw.x input) with ``key = value`` of ``namelist`` replaced or added."""
    lines = text.splitlines(keepends=True)
    start = next(
        (i for i, line in enumerate(lines) if line.strip().upper() == f"&{namelist.upper()}"),
        None,
    )
    if start is None:
        raise InputError("pw.x input", f"has no &{namelist.upper()} namelist", "regenerate it")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].strip() == "/")
    pending = dict(changes)
    for i in range(start + 1, end):
        key = lines[i].split("=")[0].strip().lower()
        if key in pending:
            lines[i] = f"   {key:<16} = {fortran_value(pending.pop(key))}\n"
    added = [f"   {key:<16} = {fortran_value(value)}\n" for key, value in pending.items()]
    return "".join(lines[:end] + added + lines[end:])


def _outdir_and_prefix(text: str) -> tuple[Path, str] | None:
    control = re.search(r"^\s*&CONTROL\s*$(.*?)^\s*/\s*$", text, re.I | re.M | re.S)
    if control is None:
        return None
    values = dict(re.findall(r"^\s*(\w+)\s*=\s*'([^']*)'", control.group(1), re.M))
    values = {k.lower(): v for k, v in values.items()}
    return Path(values.get("outdir", "./")), values.get("prefix", "pwscf")


def _charge_density(text: str, workdir: Path, since: float) -> Path | None:
    """The charge density pw.x left for this input, if written after ``since`` (epoch s)."""
    found = _outdir_and_prefix(text)
    if found is None:
        return None
    outdir, prefix = found
    save = (outdir if outdir.is_absolute() else workdir / outdir) / f"{prefix}.save"
    for name in ("charge-density.dat", "charge-density.hdf5"):
        path = save / name
        if path.is_file() and path.stat().st_mtime >= since:
            return path
    return None


def _matched_error(policy: RecoveryPolicy, *texts: str) -> str | None:
    for pattern in policy.recoverable_errors:
        for text in texts:
            match = re.search(re.escape(pattern), text, re.I)
            if match:
                line_start = text.rfind("\n", 0, match.start()) + 1
                line_end = text.find("\n", match.end())
                return text[line_start : None if line_end < 0 else line_end].strip()
    return None


def _qe_error(output: str) -> str | None:
    """pw.x's error block ("Error in routine R (n):" and its message line) on one line."""
    match = re.search(r"Error in routine.*\n\s*(.*)", output)
    return None if match is None else " ".join(match.group(0).split())


def remove_attempt_files(scf_in: Path, scf_out: Path, attempts_file: Path) -> None:
    """Delete a previous run's attempt files and record (before a new scf of the sub-run)."""
    for path in [
        *scf_in.parent.glob(f"{scf_in.name}.attempt*"),
        *scf_out.parent.glob(f"{scf_out.name}.attempt*"),
        attempts_file,
    ]:
        path.unlink(missing_ok=True)


@dataclass
class _Run:
    scf_in: Path
    scf_out: Path
    attempts_file: Path
    attempts: list[ScfAttempt] = field(default_factory=list)

    def name(self, kind: str, attempt: int) -> Path:
        base = self.scf_in if kind == "in" else self.scf_out
        return base.with_name(f"{base.name}.attempt{attempt}")

    def record(self, final: int, converged: int | None) -> ScfAttempts:
        record = ScfAttempts(
            self.scf_in.name, self.scf_out.name, tuple(self.attempts), converged, final
        )
        write_text(self.attempts_file, record.to_json())
        return record


def run_pw_with_recovery(
    command: str,
    input_file: str | Path,
    output_file: str | Path,
    attempts_file: str | Path,
    workdir: str | Path,
    policy: RecoveryPolicy = RecoveryPolicy(),
    log: str | Path | TextIO | None = None,
    scratch_dir: str | Path | None = None,
) -> ScfAttempts:
    """Run pw.x on ``input_file`` with the recovery of ``policy``; the record it wrote.

    ``output_file`` (``<NC>.scf.out``) always exists afterwards unless an unrecoverable
    failure raised :class:`PwRunError`; ``attempts_file`` receives the record in every
    case. See the module docstring for the files.
    """
    run = _Run(Path(input_file), Path(output_file), Path(attempts_file))
    workdir = Path(workdir)
    remove_attempt_files(run.scf_in, run.scf_out, run.attempts_file)
    base = run.scf_in.read_text()
    started = time.time()
    last_failure = ""
    for attempt in range(1, policy.attempts + 1):
        settings = policy.settings(attempt)
        restart = attempt > 1 and policy.restart_from_charge_density
        if restart and _charge_density(base, workdir, started) is not None:
            settings["startingpot"] = "file"
        if attempt == 1:
            pw_in = run.scf_in
        else:
            pw_in = run.name("in", attempt)
            write_text(pw_in, edit_namelist(base, "ELECTRONS", settings))
        pw_out = run.name("out", attempt)
        _write_log(log, f"scf attempt {attempt}/{policy.attempts}: changes {settings}\n")
        try:
            outcome = run_pw(command, pw_in, pw_out, workdir, log, scratch_dir)
            result = "converged" if outcome.converged else "not_converged"
            error = None if outcome.converged else "convergence NOT achieved"
            iterations, status = outcome.iterations, 0 if outcome.converged else 2
        except PwRunError as failure:
            if failure.returncode is None:  # pw.x could not start: a configuration error
                raise
            write_text(pw_out, failure.output)
            error = _matched_error(policy, failure.output, failure.stderr)
            result = "error" if error is None else "recoverable_error"
            if error is None:
                error = _qe_error(failure.output) or str(failure).splitlines()[0]
                last_failure = str(failure)
            iterations = read_scf_outcome(pw_out).iterations
            status = failure.returncode
        run.attempts.append(
            ScfAttempt(
                attempt,
                pw_in.name if attempt > 1 else f"{run.scf_in.name}.attempt1",
                pw_out.name,
                settings,
                result,
                error,
                iterations,
                status,
            )
        )
        if result == "converged" and attempt == 1:
            # No recovery was needed: the only attempt is the final output itself.
            run.attempts[0] = ScfAttempt(
                1, run.scf_in.name, run.scf_out.name, {}, result, None, iterations, status
            )
            record = run.record(1, 1)
            pw_out.replace(run.scf_out)
            return record
        if attempt == 1:
            shutil.copyfile(run.scf_in, run.name("in", 1))
        if result in ("converged", "error") or attempt == policy.attempts:
            break
    final = run.attempts[-1]
    converged = final.attempt if final.result == "converged" else None
    record = run.record(final.attempt, converged)
    if final.result == "error":
        raise PwRunError(
            f"{run.scf_in}: pw.x failed at attempt {final.attempt} with an error the "
            f"recovery does not handle ({final.error}); outputs kept in {final.output} and "
            f"{run.attempts_file}.\n{last_failure}"
        )
    with atomic_path(run.scf_out) as tmp:
        shutil.copyfile(run.name("out", final.attempt), tmp)
    _write_log(
        log,
        f"scf: {run.scf_out.name} is attempt {final.attempt} "
        f"({'converged' if converged else 'not converged: recovery exhausted'})\n",
    )
    return record
