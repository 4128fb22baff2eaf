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


def test_recovered_scf_runs_have_their_own_table(tmp_path):
    from dataclasses import replace

    from glassbonds.io.scf_attempts import ScfAttempt, ScfAttempts
    from glassbonds.report.status import recovered_subruns, write_status_report

    def attempts(*results: str) -> dict:
        runs = tuple(
            ScfAttempt(n, "X.scf.in", "X.scf.out", {"mixing_beta": 0.2} if n > 1 else {}, result)
            for n, result in enumerate(results, start=1)
        )
        converged = next((a.attempt for a in runs if a.result == "converged"), None)
        return ScfAttempts("X.scf.in", "X.scf.out", runs, converged, len(runs)).summary()

    done = record("A", 0, StatusCode.DONE)
    records = [
        replace(done, status=replace(done.status, scf_attempts=attempts("converged"))),
        replace(
            record("A", 3, StatusCode.DONE),
            status=SubRunStatus(
                StatusCode.DONE, "", scf_attempts=attempts("not_converged", "converged")
            ),
        ),
        replace(
            record("A", 13, StatusCode.SCF_NOT_CONVERGED),
            status=SubRunStatus(
                StatusCode.SCF_NOT_CONVERGED,
                "",
                scf_attempts=attempts("not_converged", "not_converged"),
            ),
        ),
        record("A", 14, StatusCode.DONE),  # no record (computed before the recovery existed)
    ]
    table = recovered_subruns(records)
    assert list(table["sub-run"]) == [3, 13]
    assert list(table["converged attempt"]) == ["2", "none"]
    assert list(table["settings"]) == ["mixing_beta=0.2", ""]
    write_status_report(records, ["A"], tmp_path / "status.html", tmp_path / "status.png")
    assert "scf recovery" in (tmp_path / "status.html").read_text()
