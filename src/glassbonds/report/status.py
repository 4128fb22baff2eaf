"""Report on sub-runs: counts per status code and composition, every sub-run not DONE with
the reason from its ``subrun.status`` file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from glassbonds.files import write_text
from glassbonds.report.page import Section, html_page, table_html
from glassbonds.report.plots import save_figure, status_figure
from glassbonds.subrun_status import StatusCode, SubRunStatus


@dataclass(frozen=True)
class SubRunRecord:
    """The status of one sub-run, with where it is (composition, cell size, run, sub-run)."""

    nc: str
    nat: int
    run: int
    sub: int
    status: SubRunStatus


def status_counts(records: Sequence[SubRunRecord], compositions: Sequence[str]) -> pd.DataFrame:
    """Sub-runs per status code (rows, codes that occur) and composition (columns, + total).

    Columns: ``code``, ``status``, ``usable`` ("yes"/"no": enters the database), one count
    column per composition in the given order, ``total``; a last row ``all`` sums them.
    """
    codes = sorted({r.status.code for r in records})
    rows = []
    for code in codes:
        row: dict[str, object] = {
            "code": int(code),
            "status": code.name,
            "usable": "yes" if code.usable else "no",
        }
        for nc in compositions:
            row[nc] = sum(r.nc == nc and r.status.code == code for r in records)
        row["total"] = sum(r.status.code == code for r in records)
        rows.append(row)
    total: dict[str, object] = {"code": "", "status": "all", "usable": ""}
    for nc in compositions:
        total[nc] = sum(r.nc == nc for r in records)
    total["total"] = len(records)
    rows.append(total)
    return pd.DataFrame(rows, columns=["code", "status", "usable", *compositions, "total"])


def problem_subruns(records: Sequence[SubRunRecord]) -> pd.DataFrame:
    """Every sub-run whose code is not DONE, sorted by composition, run and sub-run.

    Columns: composition, atoms, run, sub-run, code, status, usable, reason.
    """
    rows = [
        {
            "composition": r.nc,
            "atoms": r.nat,
            "run": r.run,
            "sub-run": r.sub,
            "code": int(r.status.code),
            "status": r.status.code.name,
            "usable": "yes" if r.status.usable else "no",
            "reason": r.status.reason,
        }
        for r in sorted(records, key=lambda r: (r.nc, r.nat, r.run, r.sub))
        if r.status.code is not StatusCode.DONE
    ]
    columns = ["composition", "atoms", "run", "sub-run", "code", "status", "usable", "reason"]
    return pd.DataFrame(rows, columns=columns)


def recovered_subruns(records: Sequence[SubRunRecord]) -> pd.DataFrame:
    """Every sub-run whose scf needed more than one pw.x attempt (``scf.attempts``).

    Columns: composition, atoms, run, sub-run, attempts, converged attempt ("none" when the
    recovery was exhausted), settings of that attempt, code.
    """
    rows = []
    for r in sorted(records, key=lambda r: (r.nc, r.nat, r.run, r.sub)):
        attempts = r.status.scf_attempts or {}
        if attempts.get("attempts", 1) < 2:
            continue
        converged = attempts.get("converged_attempt")
        settings = attempts.get("converged_settings") or {}
        rows.append(
            {
                "composition": r.nc,
                "atoms": r.nat,
                "run": r.run,
                "sub-run": r.sub,
                "attempts": attempts["attempts"],
                "converged attempt": "none" if converged is None else str(converged),
                "settings": ", ".join(f"{k}={v}" for k, v in settings.items()),
                "code": int(r.status.code),
            }
        )
    columns = ["composition", "atoms", "run", "sub-run", "attempts", "converged attempt"]
    return pd.DataFrame(rows, columns=[*columns, "settings", "code"])


def write_status_report(
    records: Sequence[SubRunRecord],
    compositions: Sequence[str],
    html_path: str | Path,
    png_path: str | Path,
) -> pd.DataFrame:
    """Write the status page and plot; returns the counts table."""
    counts = status_counts(records, compositions)
    problems = problem_subruns(records)
    usable = sum(r.status.usable for r in records)
    intro = (
        f"{len(records)} sub-runs, {usable} usable for the bond databases (codes 1 and 4), "
        f"{len(problems)} not DONE."
    )
    problem_body = (
        table_html(problems, text_columns=["composition", "status", "usable", "reason"])
        if len(problems)
        else "<p>Every sub-run is DONE.</p>"
    )
    sections = [
        Section(
            "Sub-runs per status code",
            table_html(counts, text_columns=["status", "usable"]),
            "Codes as in the study's ND.info; 0 = no output yet.",
        ),
        Section(
            "Sub-runs not DONE",
            problem_body,
            "Reason as recorded in each sub-run's subrun.status file.",
        ),
    ]
    recovered = recovered_subruns(records)
    if len(recovered):
        sections.append(
            Section(
                "scf recovery",
                table_html(
                    recovered, text_columns=["composition", "converged attempt", "settings"]
                ),
                "Sub-runs whose pw.x scf ran more than once (config qe.recovery): the attempt"
                " that converged and its &ELECTRONS changes, from each sub-run's scf.attempts.",
            )
        )
    write_text(html_path, html_page("Sub-run status", sections, intro))
    save_figure(status_figure(records, compositions), png_path)
    return counts
