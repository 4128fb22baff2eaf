"""Status of one sub-run (DESIGN.md section 6): can its ICOHPs enter the bond database?

Evidence, each file optional (a missing file counts as absent):

- ``<NC>.scf.out``: converged ("convergence has been achieved in") and finished
  ("JOB DONE." / "This run was terminated on");
- ``<NC>.lb.out``: N from "setting up CO interactions... found N interactions." and
  whether it reached "finished in";
- ``ICOHPLIST.lobster``: K = number of lines - 1 (one header line); a missing or empty file
  means no ICOHP.

As in the study's create_SSDB.py, LOBSTER evidence counts only when pw.x finished (LOBSTER
reads its wavefunctions) and the ``.lb.out`` exists (without it N is unknown). "ICOHP
present" means K >= 0 under those conditions; "ICOHP complete" means also K == N.

Decision table, first matching row wins (C = scf converged, L = LOBSTER finished):

====  ==========================================  ===================================
code  name                                        condition
====  ==========================================  ===================================
0     NOT_RUN_YET                                 no .scf.out, no .lb.out, no ICOHPLIST
1     DONE                                        C, L, ICOHP complete
7     DONE_BUT_UNMATCHED_BONDS                    C, L, ICOHP present, K != N
4     SCF_CONVERGED_LOB_NOT_FINISHED_BUT_ICOHP_OK C, not L, ICOHP complete
5     SCF_CONVERGED_BUT_NO_ICOHP                  C, otherwise (no or incomplete ICOHP)
3     LOB_NOT_FINISHED_BUT_ICOHP_OK               not C, not L, ICOHP complete
2     SCF_NOT_CONVERGED                           not C, ICOHP present
6     SCF_NOT_CONVERGED_AND_NO_ICOHP              not C, no ICOHP
====  ==========================================  ===================================

Only 1 and 4 are usable for the database (as in the study).

Differences from the original, on purpose (its cascade is ``if scf.out and not C: 2; elif
not L and K > -1: 3; elif C and not L and K > -1: 4; elif C and K == -1: 5; elif not C and
K == -1: 6; else 1``):

- the original's row 4 can never match (row 3 catches it first), so a converged sub-run with
  a complete ICOHPLIST but a LOBSTER log cut before "finished in" got 3 and was dropped;
  here it gets 4 and is used, which is what the code's name and the database filter intend;
- the original never compared K with N (it computed ``icohp_ok`` but did not use it) and
  never assigned 7; here K != N after a finished LOBSTER is 7, not DONE;
- the original gave 2 to every present-but-unconverged ``.scf.out``, ICOHP or not; here
  "no ICOHP" gives 6 as the name says; the original's 6 arose only for a missing
  ``.scf.out``, which here is 0 (NOT_RUN_YET) when nothing else exists either.
  :attr:`StatusCode.study_code` maps 0 back to the study's 6 for ND.info.

The real ND.info of Zr49Cu49Al2 holds only codes 2, 3 and 6, consistent with the original.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum
from pathlib import Path

from glassbonds.errors import InputError
from glassbonds.files import write_text
from glassbonds.io.lobster import count_icohp_bonds, read_lobster_log
from glassbonds.io.qe import read_scf_outcome


class StatusCode(IntEnum):
    """Sub-run status codes of the study's ND.info, plus 0 for a sub-run with no output."""

    NOT_RUN_YET = 0
    DONE = 1
    SCF_NOT_CONVERGED = 2
    LOB_NOT_FINISHED_BUT_ICOHP_OK = 3
    SCF_CONVERGED_LOB_NOT_FINISHED_BUT_ICOHP_OK = 4
    SCF_CONVERGED_BUT_NO_ICOHP = 5
    SCF_NOT_CONVERGED_AND_NO_ICOHP = 6
    DONE_BUT_UNMATCHED_BONDS = 7

    @property
    def usable(self) -> bool:
        """True for the codes whose ICOHPs enter the database (1 and 4)."""
        return self in (StatusCode.DONE, StatusCode.SCF_CONVERGED_LOB_NOT_FINISHED_BUT_ICOHP_OK)

    @property
    def study_code(self) -> int:
        """The code the study's ND.info would show (it wrote 6 for a sub-run never run)."""
        return 6 if self is StatusCode.NOT_RUN_YET else int(self)


@dataclass(frozen=True)
class SubRunStatus:
    """The status of one sub-run and the evidence it rests on.

    ``lobster_interactions`` is N of the LOBSTER log, ``icohp_bonds`` is K of the
    ICOHPLIST (None when the file or the line is absent).
    """

    code: StatusCode
    reason: str
    scf_converged: bool = False
    scf_finished: bool = False
    lobster_interactions: int | None = None
    lobster_finished: bool = False
    icohp_bonds: int | None = None

    @property
    def usable(self) -> bool:
        return self.code.usable


def determine_status(
    scf_out: str | Path | None, lobster_log: str | Path | None, icohplist: str | Path | None
) -> SubRunStatus:
    """Apply the decision table of the module docstring to a sub-run's three files."""
    scf_exists = scf_out is not None and Path(scf_out).is_file()
    lob_exists = lobster_log is not None and Path(lobster_log).is_file()
    icohp_exists = icohplist is not None and Path(icohplist).is_file()
    outcome = read_scf_outcome(scf_out) if scf_exists else None
    converged = bool(outcome and outcome.converged)
    finished = bool(outcome and outcome.finished)
    log = read_lobster_log(lobster_log) if lob_exists else None
    interactions, lob_finished = (log.interactions, log.finished) if log else (None, False)
    bonds = count_icohp_bonds(icohplist) if icohp_exists else None
    evidence = {
        "scf_converged": converged,
        "scf_finished": finished,
        "lobster_interactions": interactions,
        "lobster_finished": lob_finished,
        "icohp_bonds": bonds,
    }

    def status(code: StatusCode, reason: str) -> SubRunStatus:
        return SubRunStatus(code, reason, **evidence)

    if not (scf_exists or lob_exists or icohp_exists):
        return status(StatusCode.NOT_RUN_YET, "no scf output, LOBSTER log or ICOHPLIST")
    # LOBSTER results count only after a finished pw.x and with a log giving N (study rule).
    present = finished and lob_exists and bonds is not None
    complete = present and interactions is not None and bonds == interactions
    counts = f"ICOHPLIST has {bonds} bonds, LOBSTER log {interactions} interactions"
    if converged:
        if lob_finished and complete:
            return status(StatusCode.DONE, counts)
        if lob_finished and present:
            return status(StatusCode.DONE_BUT_UNMATCHED_BONDS, counts)
        if complete:
            return status(
                StatusCode.SCF_CONVERGED_LOB_NOT_FINISHED_BUT_ICOHP_OK,
                f"LOBSTER log has no 'finished in' but {counts}",
            )
        if not finished:
            why = "pw.x output has no 'JOB DONE.', so LOBSTER output is not trusted"
        elif not lob_exists:
            why = "no LOBSTER log"
        elif bonds is None:
            why = "no or empty ICOHPLIST"
        else:
            why = f"LOBSTER did not finish and {counts}"
        return status(StatusCode.SCF_CONVERGED_BUT_NO_ICOHP, why)
    scf_why = (
        "no pw.x output"
        if not scf_exists
        else "pw.x says 'convergence NOT achieved'"
        if outcome and outcome.not_converged
        else "pw.x output has no 'convergence has been achieved'"
    )
    if complete and not lob_finished:
        return status(
            StatusCode.LOB_NOT_FINISHED_BUT_ICOHP_OK,
            f"{scf_why}; LOBSTER log has no 'finished in' but {counts}",
        )
    if present:
        return status(StatusCode.SCF_NOT_CONVERGED, f"{scf_why}; {counts}")
    return status(StatusCode.SCF_NOT_CONVERGED_AND_NO_ICOHP, f"{scf_why}; no usable ICOHPLIST")


def write_status_file(path: str | Path, status: SubRunStatus) -> None:
    """Write ``key: value`` lines (code, name, usable, reason, evidence), atomically."""
    lines = [
        f"code: {int(status.code)}",
        f"name: {status.code.name}",
        f"usable: {str(status.usable).lower()}",
        f"reason: {status.reason}",
    ]
    for field in fields(SubRunStatus)[2:]:
        value = getattr(status, field.name)
        text = "none" if value is None else str(value).lower() if isinstance(value, bool) else value
        lines.append(f"{field.name}: {text}")
    write_text(path, "\n".join(lines) + "\n")


def read_status_file(path: str | Path) -> SubRunStatus:
    """Read a file written by :func:`write_status_file`; malformed files raise InputError."""
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise InputError(
            path,
            f"cannot read status file ({error.strerror})",
            "rerun the status rule for this sub-run",
        ) from None
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, separator, value = line.partition(":")
        if separator:
            values[key.strip()] = value.strip()

    def flag(key: str) -> bool:
        if values.get(key) not in ("true", "false"):
            raise InputError(
                path, f"key {key!r} must be true or false", "rerun the status rule for this sub-run"
            )
        return values[key] == "true"

    def count(key: str) -> int | None:
        value = values.get(key, "none")
        if value == "none":
            return None
        if not value.isdigit():
            raise InputError(
                path,
                f"key {key!r} must be a count or none, not {value!r}",
                "rerun the status rule for this sub-run",
            )
        return int(value)

    try:
        code = StatusCode(int(values["code"]))
    except (KeyError, ValueError):
        raise InputError(
            path, "no valid 'code: N' line (N = 0..7)", "rerun the status rule for this sub-run"
        ) from None
    return SubRunStatus(
        code=code,
        reason=values.get("reason", ""),
        scf_converged=flag("scf_converged"),
        scf_finished=flag("scf_finished"),
        lobster_interactions=count("lobster_interactions"),
        lobster_finished=flag("lobster_finished"),
        icohp_bonds=count("icohp_bonds"),
    )
