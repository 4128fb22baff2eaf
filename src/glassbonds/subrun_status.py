"""Status of one sub-run (DESIGN.md section 6): can its ICOHPs enter the bond database?

Evidence, each file optional (a missing file counts as absent):

- ``<NC>.scf.out``: converged ("convergence has been achieved in") and finished
  ("JOB DONE." / "This run was terminated on"); pw.x's version and pseudopotentials;
- ``<NC>.lb.out`` (or ``lobsterout``): N from "setting up CO interactions... found N
  interactions.", whether it reached "finished in", the program and version of its first
  line (``LOBSTER v3.0.0`` or the test double ``glassbonds-synthetic-lobster``), the charge
  spillings and warnings;
- ``scf.attempts`` (beside ``<NC>.scf.out``, :mod:`glassbonds.io.scf_attempts`): the scf
  recovery's attempts, which one converged and with which settings (recorded, and named in
  the reason when the scf needed more than one attempt; the decision reads only scf.out);
- ``ICOHPLIST.lobster``: K = bonds as :func:`~glassbonds.io.lobster.read_icohplist` reads
  them (LOBSTER 3, 4 and 5 layouts). A cut file (last line without newline, a value in
  another fixed format, a malformed line) counts as no ICOHP, with the reason recorded.

As in the study's create_SSDB.py, LOBSTER evidence counts only when pw.x finished (LOBSTER
reads its wavefunctions) and the ``.lb.out`` exists (without it N is unknown). "ICOHP
present" means K >= 0 under those conditions; "ICOHP complete" means also K == N.

Decision table in the order of create_SSDB.py, first matching row wins (S = scf.out exists,
C = scf converged, L = LOBSTER finished):

====  ==========================================  =========================================
code  name                                        condition
====  ==========================================  =========================================
0     NOT_RUN_YET                                 no .scf.out, no .lb.out, no ICOHPLIST
2     SCF_NOT_CONVERGED                           S and not C, whatever LOBSTER did
1     DONE                                        C, L, ICOHP complete
7     DONE_BUT_UNMATCHED_BONDS                    C, L, ICOHP present, K != N
4     SCF_CONVERGED_LOB_NOT_FINISHED_BUT_ICOHP_OK C, not L, ICOHP complete
3     LOB_NOT_FINISHED_BUT_ICOHP_OK               not L, ICOHP present (C, or no .scf.out)
5     SCF_CONVERGED_BUT_NO_ICOHP                  C, otherwise (no, cut or untrusted ICOHP)
6     SCF_NOT_CONVERGED_AND_NO_ICOHP              no .scf.out and no ICOHP
2     SCF_NOT_CONVERGED                           no .scf.out, LOBSTER finished with ICOHP
8     LOBSTER_QUALITY_FAILED                      would be 1 or 4, but a quality threshold
                                                  (charge spilling, warning) is exceeded
9     SUBRUN_FILES_DEFECTIVE                      set when the database is built: the
                                                  sub-run's .xyz or lobsterin-quippy is
                                                  unusable (reason recorded)
====  ==========================================  =========================================

Only 1 and 4 are usable for the database (as in the study). Codes 8 and 9 are this
project's; ND.info (the study's three columns ``RUN SUB CODE``) shows them as they are,
and the reasons of every ND.info row are in ``ND-reasons.tsv`` beside it.

Differences from the original, on purpose (its cascade is ``if scf.out and not C: 2; elif
not L and K > -1: 3; elif C and not L and K > -1: 4; elif C and K == -1: 5; elif not C and
K == -1: 6; else 1``):

- the original's row 4 can never match (row 3 catches it first), so a converged sub-run with
  a complete ICOHPLIST but a LOBSTER log cut before "finished in" got 3 and was dropped;
  here it gets 4 and is used, which is what the code's name, the study's README and the
  database filter intend (a converged sub-run with an *incomplete* ICOHPLIST and an
  unfinished LOBSTER keeps the study's 3);
- the original never compared K with N (it computed ``icohp_ok`` but did not use it) and
  never assigned 7; here K != N after a finished LOBSTER is 7, not DONE;
- the original counted ICOHPLIST lines; here K is what the reader finds, so LOBSTER 4 and 5
  files (spin blocks, orbital-resolved lines) are not 7, and a cut file is not data;
- with no ``.scf.out`` but a finished LOBSTER and an ICOHPLIST the original falls through
  to 1; here it is 2 (no converged scf: the -ICOHP cannot be trusted);
- 0 (nothing at all) is shown as the study's 6 in ND.info (:attr:`StatusCode.study_code`).

On the study's run 21 this reproduces the published ND.info (``21 13 2``: sub-run 13's
pw.x was cut off at iteration 80 and LOBSTER never ran).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

from glassbonds.io.lobster import check_icohplist, count_icohp_bonds, read_lobster_log
from glassbonds.io.qe import read_scf_outcome
from glassbonds.io.scf_attempts import attempts_note, attempts_summary
from glassbonds.provenance import read_pw_provenance

__all__ = [
    "LobsterQuality",
    "StatusCode",
    "SubRunStatus",
    "count_icohp_bonds",
    "determine_status",
    "read_lobster_log",
]


class StatusCode(IntEnum):
    """Sub-run status codes of the study's ND.info, plus 0 (no output) and 8, 9 (project)."""

    NOT_RUN_YET = 0
    DONE = 1
    SCF_NOT_CONVERGED = 2
    LOB_NOT_FINISHED_BUT_ICOHP_OK = 3
    SCF_CONVERGED_LOB_NOT_FINISHED_BUT_ICOHP_OK = 4
    SCF_CONVERGED_BUT_NO_ICOHP = 5
    SCF_NOT_CONVERGED_AND_NO_ICOHP = 6
    DONE_BUT_UNMATCHED_BONDS = 7
    LOBSTER_QUALITY_FAILED = 8
    SUBRUN_FILES_DEFECTIVE = 9

    @property
    def usable(self) -> bool:
        """True for the codes whose ICOHPs enter the database (1 and 4)."""
        return self in (StatusCode.DONE, StatusCode.SCF_CONVERGED_LOB_NOT_FINISHED_BUT_ICOHP_OK)

    @property
    def study_code(self) -> int:
        """The code the study's ND.info would show (it wrote 6 for a sub-run never run)."""
        return 6 if self is StatusCode.NOT_RUN_YET else int(self)


@dataclass(frozen=True)
class LobsterQuality:
    """Thresholds on LOBSTER's projection quality (config ``lobster.quality``).

    Spillings in percent, compared per spin channel; None disables a check. A warning
    containing one of ``forbidden_warnings`` (substrings, case-insensitive) fails too.
    """

    max_charge_spilling_percent: float | None
    max_total_spilling_percent: float | None
    forbidden_warnings: tuple[str, ...]

    @classmethod
    def from_config(cls, quality: dict | None) -> LobsterQuality:
        """Thresholds of the ``lobster.quality`` config section; keys it lacks (or all, for
        None) take the schema's defaults, the study's (charge spilling at most 5 %)."""
        from glassbonds.config_defaults import study_config

        values = {**study_config()["lobster"]["quality"], **(quality or {})}
        return cls(
            max_charge_spilling_percent=values["max_charge_spilling_percent"],
            max_total_spilling_percent=values["max_total_spilling_percent"],
            forbidden_warnings=tuple(values["forbidden_warnings"]),
        )

    def problems(self, charge: tuple[float, ...], total: tuple[float, ...], warnings) -> list:
        """What exceeds a threshold (empty: the projection is acceptable)."""
        found = []
        for name, values, limit in (
            ("abs. charge spilling", charge, self.max_charge_spilling_percent),
            ("abs. total spilling", total, self.max_total_spilling_percent),
        ):
            if limit is not None and any(value > limit for value in values):
                found.append(f"{name} {max(values):.2f}% > {limit:g}%")
        for warning in warnings:
            if any(text.lower() in warning.lower() for text in self.forbidden_warnings):
                found.append(f"LOBSTER warning {warning[:80]!r}")
        return found


@dataclass(frozen=True)
class SubRunStatus:
    """The status of one sub-run and the evidence it rests on.

    ``lobster_interactions`` is N of the LOBSTER log, ``icohp_bonds`` is K of the
    ICOHPLIST (None when the file or the line is absent). ``icohp_program`` is the
    provenance contract's ``{"name", "version", "synthetic"}``; ``pw_program`` is
    :func:`glassbonds.provenance.read_pw_provenance`; spillings are percent per spin.
    ``scf_attempts`` is :meth:`glassbonds.io.scf_attempts.ScfAttempts.summary` (None: no
    record, e.g. a sub-run computed before the recovery existed or adopted from the study).
    """

    code: StatusCode
    reason: str
    scf_converged: bool = False
    scf_finished: bool = False
    lobster_interactions: int | None = None
    lobster_finished: bool = False
    icohp_bonds: int | None = None
    icohp_program: dict | None = None
    pw_program: dict | None = None
    charge_spilling: tuple[float, ...] = ()
    total_spilling: tuple[float, ...] = ()
    lobster_warnings: tuple[str, ...] = field(default=())
    scf_attempts: dict | None = None

    @property
    def usable(self) -> bool:
        return self.code.usable

    def provenance(self) -> dict:
        """The sub-run's part of a database provenance record (programs, spillings)."""
        return {
            "icohp_program": self.icohp_program,
            "pw_program": self.pw_program,
            "charge_spilling_percent": list(self.charge_spilling),
            "total_spilling_percent": list(self.total_spilling),
            "lobster_warnings": list(self.lobster_warnings),
            "scf_attempts": self.scf_attempts,
        }


def determine_status(
    scf_out: str | Path | None,
    lobster_log: str | Path | None,
    icohplist: str | Path | None,
    lobsterout: str | Path | None = None,
    quality: LobsterQuality | None = None,
    pseudo_dirs: tuple[str | Path, ...] = (),
    scf_attempts: str | Path | None = None,
) -> SubRunStatus:
    """Apply the decision table of the module docstring to a sub-run's files.

    ``lobsterout`` (default: beside ``lobster_log``) supplies the program line when the
    ``.lb.out`` has none; ``quality`` (default: the config schema's thresholds,
    ``LobsterQuality.from_config(None)``) gives code 8; ``scf_attempts`` is the scf
    recovery's record (absent or None: no recovery recorded).
    """
    quality = quality or LobsterQuality.from_config(None)
    scf_exists = scf_out is not None and Path(scf_out).is_file()
    lob_exists = lobster_log is not None and Path(lobster_log).is_file()
    icohp_exists = icohplist is not None and Path(icohplist).is_file()
    outcome = read_scf_outcome(scf_out) if scf_exists else None
    converged = bool(outcome and outcome.converged)
    finished = bool(outcome and outcome.finished)
    log = read_lobster_log(lobster_log) if lob_exists else None
    if lobsterout is None and lobster_log is not None:
        lobsterout = Path(lobster_log).parent / "lobsterout"
    if (log is None or log.program is None) and lobsterout and Path(lobsterout).is_file():
        other = read_lobster_log(lobsterout)
        log = other if log is None else log if other.program is None else other
        lob_exists = lob_exists or other.interactions is not None
    interactions, lob_finished = (log.interactions, log.finished) if log else (None, False)
    checked = check_icohplist(icohplist) if icohp_exists else None
    bonds = checked.bonds if checked else None
    evidence = {
        "scf_converged": converged,
        "scf_finished": finished,
        "lobster_interactions": interactions,
        "lobster_finished": lob_finished,
        "icohp_bonds": bonds,
        "icohp_program": log.program_record() if log and log.program else None,
        "pw_program": read_pw_provenance(scf_out, pseudo_dirs) if scf_exists else None,
        "charge_spilling": log.charge_spilling if log else (),
        "total_spilling": log.total_spilling if log else (),
        "lobster_warnings": log.warnings if log else (),
    }

    attempts = attempts_summary(scf_attempts) if scf_exists and scf_attempts else None
    note = attempts_note(attempts)

    def status(code: StatusCode, reason: str) -> SubRunStatus:
        return SubRunStatus(
            code, reason + (f"; {note}" if note else ""), **evidence, scf_attempts=attempts
        )

    if not (scf_exists or lob_exists or icohp_exists):
        return status(StatusCode.NOT_RUN_YET, "no scf output, LOBSTER log or ICOHPLIST")
    defect = f"; {checked.problem}" if checked and checked.problem else ""
    if scf_exists and not converged:  # create_SSDB.py's first test
        scf_why = (
            "pw.x says 'convergence NOT achieved'"
            if outcome and outcome.not_converged
            else "pw.x output has no 'convergence has been achieved'"
            f" (cut off after {outcome.iterations if outcome else 0} iterations)"
        )
        return status(StatusCode.SCF_NOT_CONVERGED, scf_why + defect)
    # LOBSTER results count only after a finished pw.x and with a log giving N (study rule);
    # without any scf.out the study still read them (its codes 3 and 6).
    trusted = finished or not scf_exists
    present = trusted and lob_exists and bonds is not None
    complete = present and interactions is not None and bonds == interactions
    counts = f"ICOHPLIST has {bonds} bonds, LOBSTER log {interactions} interactions"
    if converged:
        usable = None
        if lob_finished and complete:
            usable = status(StatusCode.DONE, counts)
        elif lob_finished and present:
            return status(StatusCode.DONE_BUT_UNMATCHED_BONDS, counts)
        elif complete:
            usable = status(
                StatusCode.SCF_CONVERGED_LOB_NOT_FINISHED_BUT_ICOHP_OK,
                f"LOBSTER log has no 'finished in' but {counts}",
            )
        if usable is not None:
            problems = (
                quality.problems(log.charge_spilling, log.total_spilling, log.warnings)
                if log
                else []
            )
            if problems:
                return status(
                    StatusCode.LOBSTER_QUALITY_FAILED,
                    "LOBSTER quality: " + "; ".join(problems) + " (config lobster.quality)",
                )
            return usable
        if present and not lob_finished:
            return status(
                StatusCode.LOB_NOT_FINISHED_BUT_ICOHP_OK,
                f"LOBSTER log has no 'finished in' and {counts}",
            )
        if not finished:
            why = "pw.x output has no 'JOB DONE.', so LOBSTER output is not trusted"
        elif not lob_exists:
            why = "no LOBSTER log"
        elif bonds is None:
            why = "no usable ICOHPLIST" + defect
        else:
            why = f"LOBSTER did not finish and {counts}"
        return status(StatusCode.SCF_CONVERGED_BUT_NO_ICOHP, why)
    if present and not lob_finished:
        return status(
            StatusCode.LOB_NOT_FINISHED_BUT_ICOHP_OK,
            f"no pw.x output; LOBSTER log has no 'finished in'; {counts}",
        )
    if present:
        return status(StatusCode.SCF_NOT_CONVERGED, f"no pw.x output; {counts}")
    return status(
        StatusCode.SCF_NOT_CONVERGED_AND_NO_ICOHP, "no pw.x output; no usable ICOHPLIST" + defect
    )
