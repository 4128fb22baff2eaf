"""Status report: counts per code and composition, and the sub-runs that are not DONE."""

from __future__ import annotations

from glassbonds.report.status import SubRunRecord, problem_subruns, status_counts
from glassbonds.subrun_status import StatusCode, SubRunStatus


def record(nc: str, sub: int, code: StatusCode, reason: str = "") -> SubRunRecord:
    return SubRunRecord(nc, 100, 21, sub, SubRunStatus(code, reason))


def test_counts_per_code_and_composition_add_up():
    records = [
        record("A", 0, StatusCode.DONE),
        record("A", 1, StatusCode.SCF_NOT_CONVERGED, "cut off at iteration 80"),
        record("B", 0, StatusCode.DONE),
    ]
    counts = status_counts(records, ["A", "B"]).set_index("status")
    assert counts.loc["DONE", "A"] == 1 and counts.loc["DONE", "B"] == 1
    assert counts.loc["SCF_NOT_CONVERGED", "total"] == 1
    assert counts.loc["all", "total"] == 3


def test_only_subruns_not_done_are_listed_with_their_reason():
    records = [record("A", 0, StatusCode.DONE), record("A", 13, StatusCode.SCF_NOT_CONVERGED, "x")]
    problems = problem_subruns(records)
    assert list(problems["sub-run"]) == [13] and list(problems["reason"]) == ["x"]
