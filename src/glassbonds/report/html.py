"""Report artifacts of a workflow run: HTML tables and PNG plots for ``snakemake --report``.

Four topics, each a table builder, a figure builder and a writer used by the thin rule
scripts ``scripts/report_*.py``:

- sub-run status: counts per status code per composition, and every sub-run that is not
  DONE with the reason from its ``subrun.status`` file;
- bond databases: bonds per type in each PBSSDB (``summary.tsv``, ``metadata.json``) and
  each mixed database (``metadata.json``);
- test RMSE per bond type (the fits' ``.info`` files) next to the study's published values;
- ETL inference: bonds per type per frame, distribution of the predicted -ICOHP per type and
  of the predictive standard deviation.

Units: -ICOHP, RMSEs and standard deviations in eV (positive -ICOHP = bonding), distances in
angstrom. Figures are bare :class:`matplotlib.figure.Figure` objects (Agg canvas, no pyplot
state); HTML pages are self-contained (inline CSS, no scripts, no external resources).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from glassbonds.composition import bond_type_of
from glassbonds.errors import InputError
from glassbonds.files import atomic_path, write_text
from glassbonds.subrun_status import StatusCode, SubRunStatus

# One colour per bond type in every figure (matplotlib's tab10, fixed order).
BOND_COLOURS = {
    "Zr-Zr": "#1f77b4",
    "Zr-Cu": "#ff7f0e",
    "Cu-Cu": "#2ca02c",
    "Zr-Al": "#d62728",
    "Cu-Al": "#9467bd",
    "Al-Al": "#8c564b",
}
STATUS_COLOURS = {
    StatusCode.NOT_RUN_YET: "#bbbbbb",
    StatusCode.DONE: "#2ca02c",
    StatusCode.SCF_NOT_CONVERGED: "#d62728",
    StatusCode.LOB_NOT_FINISHED_BUT_ICOHP_OK: "#ff9896",
    StatusCode.SCF_CONVERGED_LOB_NOT_FINISHED_BUT_ICOHP_OK: "#98df8a",
    StatusCode.SCF_CONVERGED_BUT_NO_ICOHP: "#ff7f0e",
    StatusCode.SCF_NOT_CONVERGED_AND_NO_ICOHP: "#8c564b",
    StatusCode.DONE_BUT_UNMATCHED_BONDS: "#9467bd",
    StatusCode.LOBSTER_QUALITY_FAILED: "#e377c2",
    StatusCode.SUBRUN_FILES_DEFECTIVE: "#7f7f7f",
}


@dataclass(frozen=True)
class PublishedFit:
    """A published fit of the study (TT/fit-results-Zr49Cu49Al2): test RMSE in eV, settings."""

    rmse_eV: float
    sigma: float
    gamma: float
    zeta: float = 1.0
    n_train: int = 2000
    n_test: int = 1000


# PRM 4, 113603, Zr49Cu49Al2 PBSSDB; Al-Al was not published.
PUBLISHED_FITS = {
    "Cu-Al": PublishedFit(0.0535, 0.5, 0.005),
    "Cu-Cu": PublishedFit(0.0476, 0.5, 0.01),
    "Zr-Al": PublishedFit(0.0682, 0.5, 0.01),
    "Zr-Cu": PublishedFit(0.0826, 1.0, 0.04),
    "Zr-Zr": PublishedFit(0.0906, 0.5, 0.01),
}


def bond_colour(bond_type: str) -> str:
    """Colour of a bond type in the report's figures (grey for an unknown type)."""
    return BOND_COLOURS.get(bond_type, "#7f7f7f")


# ----------------------------------------------------------------------------- HTML, figures

_CSS = """
.banner { background: #fde8e8; border: 2px solid #c81e1e; color: #771d1d; padding: 0.6em 1em;
          font-weight: 600; margin: 0.5em 0 1em 0; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 14px;
       color: #1f2933; margin: 1.2em 1.5em; }
h1 { font-size: 1.35em; margin: 0 0 0.3em 0; }
h2 { font-size: 1.1em; margin: 1.4em 0 0.4em 0; }
p.note { color: #52606d; max-width: 60em; margin: 0.3em 0 0.6em 0; }
table { border-collapse: collapse; margin: 0.3em 0 1em 0; }
th, td { border-bottom: 1px solid #d9e2ec; padding: 0.25em 0.7em; text-align: right; }
td { white-space: nowrap; }
td.text { white-space: normal; }
th { background: #f0f4f8; font-weight: 600; }
td.text, th.text { text-align: left; }
tr:hover td { background: #f7fafc; }
pre { background: #f7fafc; padding: 0.6em; font-size: 12px; }
"""


@dataclass(frozen=True)
class Section:
    """One part of an HTML page: a heading, an optional note and an HTML fragment."""

    heading: str
    body: str
    note: str = ""


def table_html(
    table: pd.DataFrame,
    text_columns: Iterable[str] = (),
    digits: int = 4,
    column_digits: Mapping[str, int] | None = None,
) -> str:
    """An HTML ``<table>`` of ``table``: floats with ``digits`` decimals (``column_digits``
    overrides per column), NaN as an en dash; ``text_columns`` are left-aligned (names,
    reasons), the others right-aligned."""
    text_columns = set(text_columns)
    column_digits = dict(column_digits or {})

    def cell(column: str, value: object) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return "–"
        if isinstance(value, float | np.floating):
            return f"{value:.{column_digits.get(column, digits)}f}"
        return html.escape(str(value))

    def attribute(column: str) -> str:
        return ' class="text"' if column in text_columns else ""

    head = "".join(f"<th{attribute(c)}>{html.escape(str(c))}</th>" for c in table.columns)
    rows = [
        "<tr>"
        + "".join(
            f"<td{attribute(c)}>{cell(c, v)}</td>" for c, v in zip(table.columns, row, strict=True)
        )
        + "</tr>"
        for row in table.itertuples(index=False)
    ]
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def html_page(title: str, sections: Sequence[Section], intro: str = "", banner: str = "") -> str:
    """A self-contained HTML page (inline CSS only) with a title and sections; ``banner``
    (e.g. :func:`synthetic_banner`) is shown in red above everything else."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
    ]
    if banner:
        parts.append(f'<div class="banner" id="synthetic-banner">{html.escape(banner)}</div>')
    parts.append(f"<h1>{html.escape(title)}</h1>")
    if intro:
        parts.append(f'<p class="note">{html.escape(intro)}</p>')
    for section in sections:
        parts.append(f"<h2>{html.escape(section.heading)}</h2>")
        if section.note:
            parts.append(f'<p class="note">{html.escape(section.note)}</p>')
        parts.append(section.body)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def new_figure(width: float, height: float):
    """A bare Agg figure (inches); no pyplot state, safe in rule jobs without a display."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def save_figure(figure, path: str | Path) -> None:
    """Write a figure as PNG at 100 dpi, atomically."""
    with atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=100, format="png")


def synthetic_banner(metadata_paths: Iterable[str | Path]) -> str:
    """The banner text when any sub-run behind these database stores (``metadata.json``)
    has -ICOHP from the synthetic LOBSTER test double; empty otherwise."""
    from glassbonds.provenance import SYNTHETIC_PROGRAM, synthetic_subruns

    counts = {}
    for path in metadata_paths:
        metadata = read_metadata(path)
        synthetic = synthetic_subruns(metadata.get("provenance", []))
        if synthetic:
            counts[metadata.get("name", str(path))] = synthetic
    if not counts:
        return ""
    where = ", ".join(f"{name}: {count} sub-run(s)" for name, count in counts.items())
    return (
        f"TEST DOUBLE: -ICOHP values here come from {SYNTHETIC_PROGRAM}, a synthetic model,"
        f" NOT LOBSTER ({where}). They test the workflow; they are not bond strengths."
    )


def embedded_png(figure) -> str:
    """An ``<img>`` holding the figure as a base64 PNG (the page stays one file)."""
    import base64
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, dpi=80, format="png")
    data = base64.b64encode(buffer.getvalue()).decode()
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def spilling_section(metadata_paths: Mapping[str, str | Path]) -> Section | None:
    """LOBSTER's absolute charge spilling (percent, every spin channel) of the sub-runs in
    each PBSSDB: a histogram and a table; None when no spilling was recorded (e.g. the
    test double, which projects nothing)."""
    values = {
        nc: [
            value
            for record in read_metadata(path).get("provenance", [])
            for value in record.get("charge_spilling_percent") or []
        ]
        for nc, path in metadata_paths.items()
    }
    values = {nc: v for nc, v in values.items() if v}
    if not values:
        return None
    table = pd.DataFrame(
        [
            (nc, len(v), float(np.min(v)), float(np.median(v)), float(np.max(v)))
            for nc, v in values.items()
        ],
        columns=["database", "values", "min %", "median %", "max %"],
    )
    figure = new_figure(5.0, 2.6)
    axes = figure.add_subplot()
    axes.hist(list(values.values()), bins=20, label=list(values), stacked=True)
    axes.set_xlabel("LOBSTER abs. charge spilling (%)")
    axes.set_ylabel("sub-run spin channels")
    axes.legend(fontsize=8, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return Section(
        "LOBSTER charge spilling",
        table_html(table, ["database"], digits=2) + embedded_png(figure),
        "Absolute charge spilling of the projection, per sub-run and spin channel, of the "
        "sub-runs in the database (the threshold is lobster.quality).",
    )


def message_figure(text: str, width: float = 6.0, height: float = 2.0):
    """A figure holding only a message (e.g. nothing to plot), never an empty frame."""
    figure = new_figure(width, height)
    figure.text(0.5, 0.5, text, ha="center", va="center", fontsize=11, wrap=True)
    return figure


# ----------------------------------------------------------------------------- sub-run status


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


def status_figure(records: Sequence[SubRunRecord], compositions: Sequence[str]):
    """Horizontal stacked bars: sub-runs per status code for each composition."""
    if not records:
        return message_figure("no sub-runs")
    codes = sorted({r.status.code for r in records})
    figure = new_figure(7.5, 1.6 + 0.45 * len(compositions))
    axes = figure.add_subplot(1, 1, 1)
    left = np.zeros(len(compositions))
    for code in codes:
        counts = np.array(
            [sum(r.nc == nc and r.status.code == code for r in records) for nc in compositions]
        )
        axes.barh(
            compositions,
            counts,
            left=left,
            color=STATUS_COLOURS[code],
            label=f"{int(code)} {code.name}",
            edgecolor="white",
        )
        left += counts
    axes.invert_yaxis()
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlabel("sub-runs")
    axes.set_title("Sub-run status per composition")
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return figure


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
    write_text(html_path, html_page("Sub-run status", sections, intro))
    save_figure(status_figure(records, compositions), png_path)
    return counts


# ----------------------------------------------------------------------------- bond databases


def read_metadata(path: str | Path) -> dict:
    """A database store's ``metadata.json`` (bond_counts, sources, provenance...)."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(
            path,
            f"cannot read database metadata ({error})",
            "rerun the rule that wrote this database",
        ) from None


def read_pbssdb_summary(path: str | Path) -> dict[tuple[str, str], int]:
    """A PBSSDB's ``summary.tsv`` as {(what, item): count}."""
    table = pd.read_csv(path, sep="\t", dtype={"what": str, "item": str})
    return {
        (w, i): int(c) for w, i, c in zip(table["what"], table["item"], table["count"], strict=True)
    }


def database_table(
    pbssdbs: Mapping[str, tuple[str | Path, str | Path]],
    mixed: Mapping[str, str | Path],
    bond_types: Sequence[str],
) -> pd.DataFrame:
    """Bonds per type in each database, one row per database.

    ``pbssdbs``: {composition: (summary.tsv, metadata.json)}; ``mixed``: {name:
    metadata.json}. Columns: database, kind, sources, sub-runs used (PBSSDBs: "used/total"),
    one column per bond type, total bonds.
    """
    rows = []
    for nc, (summary_path, metadata_path) in pbssdbs.items():
        summary = read_pbssdb_summary(summary_path)
        counts = read_metadata(metadata_path).get("bond_counts", {})
        used = summary.get(("subruns", "in database"), 0)
        total = summary.get(("subruns", "total"), 0)
        rows.append(
            {
                "database": f"{nc}-PBSSDB",
                "kind": "PBSSDB",
                "sources": nc,
                "sub-runs used": f"{used}/{total}",
                **{b: int(counts.get(b, 0)) for b in bond_types},
            }
        )
    for name, metadata_path in mixed.items():
        metadata = read_metadata(metadata_path)
        counts = metadata.get("bond_counts", {})
        rows.append(
            {
                "database": name,
                "kind": "mixed",
                "sources": ", ".join(metadata.get("sources", [])),
                "sub-runs used": "–",
                **{b: int(counts.get(b, 0)) for b in bond_types},
            }
        )
    table = pd.DataFrame(
        rows, columns=["database", "kind", "sources", "sub-runs used", *bond_types]
    )
    table["total"] = table[list(bond_types)].sum(axis=1).astype(int)
    return table


def database_figure(table: pd.DataFrame, bond_types: Sequence[str]):
    """Grouped bars: bonds per type (colour) for each database (group)."""
    if table.empty:
        return message_figure("no bond databases")
    figure = new_figure(max(6.0, 1.2 + 1.1 * len(table) * max(1, len(bond_types)) / 3), 4.2)
    axes = figure.add_subplot(1, 1, 1)
    x = np.arange(len(table))
    width = 0.8 / max(1, len(bond_types))
    for k, bond in enumerate(bond_types):
        bars = axes.bar(
            x + (k - (len(bond_types) - 1) / 2) * width,
            table[bond],
            width,
            color=bond_colour(bond),
            label=bond,
        )
        axes.bar_label(bars, padding=1, fontsize=8)
    axes.set_xticks(x, table["database"])
    axes.set_ylabel("bonds")
    axes.set_title("Bonds per type in each database")
    axes.legend(title="bond type", fontsize=9, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return figure


def write_database_report(
    pbssdbs: Mapping[str, tuple[str | Path, str | Path]],
    mixed: Mapping[str, str | Path],
    bond_types: Sequence[str],
    html_path: str | Path,
    png_path: str | Path,
) -> pd.DataFrame:
    """Write the bond-database page and plot; returns the table."""
    table = database_table(pbssdbs, mixed, bond_types)
    sections = [
        Section(
            "Bonds per type",
            table_html(table, text_columns=["database", "kind", "sources"]),
            "PBSSDB: every bond of the composition's usable sub-runs (codes 1 and 4); "
            "mixed database: the configured sample of bonds per composition and type.",
        ),
    ]
    spilling = spilling_section({nc: paths[1] for nc, paths in pbssdbs.items()})
    if spilling:
        sections.append(spilling)
    banner = synthetic_banner([paths[1] for paths in pbssdbs.values()] + list(mixed.values()))
    write_text(html_path, html_page("Bond databases", sections, banner=banner))
    save_figure(database_figure(table, bond_types), png_path)
    return table


# ----------------------------------------------------------------------------- test RMSE


@dataclass(frozen=True)
class FitRecord:
    """One fit: bond type, its ``.info`` file and the settings it was made with."""

    bond_type: str
    info: str | Path
    database: str
    n_train: int
    n_test: int
    zeta: float
    sigma: float
    gamma: float


def rmse_table(fits: Sequence[FitRecord]) -> pd.DataFrame:
    """Test RMSE (eV) per bond type with the published value and its settings beside it.

    Columns: bond type, database, train/test (bonds), ζ, σ (Å), γ, RMSE (eV), target std
    (eV; std of the test -ICOHP), RMSE / std, published RMSE (eV), published σ (Å) and γ,
    RMSE / published. All published fits used ζ 1 and 2000/1000 bonds of Zr49Cu49Al2.
    """
    from glassbonds.model.training import read_info

    rows = []
    for fit in fits:
        _, summary = read_info(fit.info)
        if "RMSE" not in summary:
            raise InputError(fit.info, "no 'RMSE =' line", "rerun the fit rule")
        rmse = summary["RMSE"]
        test_std = summary.get("TESTING_STD", float("nan"))
        published = PUBLISHED_FITS.get(fit.bond_type)
        nan = float("nan")
        rows.append(
            {
                "bond type": fit.bond_type,
                "database": fit.database,
                "train / test": f"{fit.n_train} / {fit.n_test}",
                "ζ": f"{fit.zeta:g}",
                "σ (Å)": f"{fit.sigma:g}",
                "γ": f"{fit.gamma:g}",
                "RMSE (eV)": rmse,
                "target std (eV)": test_std,
                "RMSE / std": rmse / test_std if test_std else nan,
                "published RMSE (eV)": published.rmse_eV if published else nan,
                "published σ (Å), γ": (
                    f"{published.sigma:g}, {published.gamma:g}" if published else "–"
                ),
                "RMSE / published": rmse / published.rmse_eV if published else nan,
            }
        )
    return pd.DataFrame(rows)


def rmse_figure(table: pd.DataFrame):
    """Bars of this run's test RMSE per bond type (value on top), the published RMSE as
    black ticks across the bars."""
    if table.empty:
        return message_figure("no fits")
    figure = new_figure(max(5.5, 2.5 + 1.0 * len(table)), 4.0)
    axes = figure.add_subplot(1, 1, 1)
    x = np.arange(len(table))
    rmse = table["RMSE (eV)"].to_numpy(dtype=float)
    bars = axes.bar(x, rmse, 0.6, color="#4c78a8", label="this run")
    axes.bar_label(bars, labels=[f"{v:.3f}" for v in rmse], padding=2, fontsize=9)
    published = table["published RMSE (eV)"].to_numpy(dtype=float)
    shown = ~np.isnan(published)
    if shown.any():
        axes.hlines(
            published[shown],
            x[shown] - 0.4,
            x[shown] + 0.4,
            colors="k",
            lw=2.5,
            label="published (PRM 4, 113603)",
        )
    top = np.nanmax(np.concatenate([rmse, published]))
    axes.set_ylim(0, 1.15 * top)
    axes.set_xticks(x, list(table["bond type"]))
    axes.set_ylabel("test RMSE of -ICOHP (eV)")
    axes.set_title("Test RMSE per bond type")
    axes.legend(fontsize=9, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)
    axes.spines[["top", "right"]].set_visible(False)
    return figure


def write_rmse_report(
    fits: Sequence[FitRecord],
    html_path: str | Path,
    png_path: str | Path,
    training_metadata: Sequence[str | Path] = (),
) -> pd.DataFrame:
    """Write the RMSE page and plot; returns the table. ``training_metadata``: the training
    databases' ``metadata.json`` (a synthetic -ICOHP there shows the test-double banner)."""
    table = rmse_table(fits)
    note = (
        "Test RMSE and the spread of the test targets in eV. Published: ζ 1, 2000 training "
        "and 1000 test bonds of the Zr49Cu49Al2 PBSSDB (LOBSTER -ICOHP). Values far from "
        "these are expected when the training set is small or the targets are not LOBSTER's "
        "(e.g. the fixture's synthetic test double)."
    )
    ratios = {"RMSE / std": 2, "RMSE / published": 2}
    sections = [
        Section(
            "This run next to PRM 4, 113603",
            table_html(table, ["bond type", "database"], column_digits=ratios),
            note,
        )
    ]
    banner = synthetic_banner(training_metadata)
    write_text(html_path, html_page("Test RMSE per bond type", sections, banner=banner))
    save_figure(rmse_figure(table), png_path)
    return table


# ----------------------------------------------------------------------------- inference


def inference_frames(summary_path: str | Path) -> pd.DataFrame:
    """The inference summary TSV (frame, step, natoms, one count per bond type,
    skipped_no_model, status)."""
    return pd.read_csv(summary_path, sep="\t", dtype={"step": str, "status": str})


def read_inference_bonds(
    summary_path: str | Path, item: str, species: Sequence[str], progress=None
) -> pd.DataFrame:
    """Every predicted bond of an inference item: columns step, bond_type, distance (Å),
    minus_icohp (eV; the ICOHPLIST holds +ICOHP, negated here) and std (eV, NaN without a
    ``.std`` file). Only frames with status ``ok`` have files.

    ``progress`` optionally wraps the iterable of frame steps (e.g. ``tqdm``).
    """
    from glassbonds.io.lobster import read_icohplist

    directory = Path(summary_path).parent
    frames = inference_frames(summary_path)
    steps = list(frames.loc[frames["status"] == "ok", "step"])
    tables = []
    for step in progress(steps) if progress else steps:
        stem = directory / f"{item}_{step}_ICOHPLIST"
        bonds = read_icohplist(stem.with_suffix(".lobster"))
        table = pd.DataFrame(
            {
                "step": step,
                "bond_type": [
                    bond_type_of(a, b, list(species))
                    for a, b in zip(bonds["symbol_a"], bonds["symbol_b"], strict=True)
                ],
                "distance": bonds["distance"].to_numpy(dtype=float),
                "minus_icohp": -bonds["icohp"].to_numpy(dtype=float),
                "std": np.nan,
            }
        )
        std_path = stem.with_suffix(".std")
        if std_path.is_file():
            std = np.loadtxt(std_path, skiprows=1, ndmin=2)
            if std.shape[0] != len(table):
                raise InputError(
                    std_path,
                    f"{std.shape[0]} values for {len(table)} bonds",
                    "rerun the infer rule",
                )
            table["std"] = std[:, 1] if std.size else []
        tables.append(table)
    columns = ["step", "bond_type", "distance", "minus_icohp", "std"]
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=columns)


def inference_statistics(
    bonds: pd.DataFrame, bond_types: Sequence[str], n_frames: int
) -> pd.DataFrame:
    """Per bond type: bonds in all frames, bonds per frame, -ICOHP mean/std/min/median/max
    (eV) and mean/max predictive std (eV)."""
    rows = []
    for bond in bond_types:
        part = bonds[bonds["bond_type"] == bond]
        values, std = part["minus_icohp"], part["std"]
        empty = part.empty
        rows.append(
            {
                "bond type": bond,
                "bonds": len(part),
                "per frame": len(part) / n_frames if n_frames else float("nan"),
                "mean (eV)": float("nan") if empty else values.mean(),
                "spread (std, eV)": float("nan") if empty else values.std(ddof=0),
                "min (eV)": float("nan") if empty else values.min(),
                "median (eV)": float("nan") if empty else values.median(),
                "max (eV)": float("nan") if empty else values.max(),
                "mean pred. std (eV)": std.mean() if std.notna().any() else float("nan"),
                "max pred. std (eV)": std.max() if std.notna().any() else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def _histograms(
    bonds: pd.DataFrame, column: str, bond_types: Sequence[str], xlabel: str, title: str
):
    present = [b for b in bond_types if (bonds["bond_type"] == b).any()]
    values = bonds[column].dropna()
    if not present or values.empty:
        return message_figure(f"{title}: no bonds to plot")
    figure = new_figure(6.5, 1.0 + 1.5 * len(present))
    bins = int(np.clip(len(values) // 5, 20, 80))  # ~5 bonds a bin, 20 to 80 bins
    edges = np.histogram_bin_edges(values.to_numpy(), bins=bins)
    first = None
    for k, bond in enumerate(present, start=1):
        axes = figure.add_subplot(len(present), 1, k, sharex=first)
        first = first or axes
        part = bonds.loc[bonds["bond_type"] == bond, column].dropna()
        axes.hist(part, bins=edges, color=bond_colour(bond))
        axes.text(
            0.99,
            0.9,
            f"{bond} ({len(part)} bonds)",
            transform=axes.transAxes,
            ha="right",
            va="top",
            fontsize=10,
        )
        axes.set_ylabel("bonds")
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.spines[["top", "right"]].set_visible(False)
        if k < len(present):
            axes.tick_params(labelbottom=False)
    axes.set_xlabel(xlabel)
    figure.suptitle(title)
    return figure


def _frames_text(bonds: pd.DataFrame) -> str:
    frames = bonds["step"].nunique()
    return f"{frames} frame" + ("" if frames == 1 else "s")


def icohp_figure(bonds: pd.DataFrame, bond_types: Sequence[str], item: str):
    """Histograms of predicted -ICOHP (eV), one panel per bond type, shared bins."""
    return _histograms(
        bonds,
        "minus_icohp",
        bond_types,
        "predicted -ICOHP (eV)",
        f"{item}: predicted -ICOHP ({_frames_text(bonds)})",
    )


def std_figure(bonds: pd.DataFrame, bond_types: Sequence[str], item: str):
    """Histograms of the predictive std of -ICOHP (eV), one panel per bond type."""
    return _histograms(
        bonds,
        "std",
        bond_types,
        "predictive std of -ICOHP (eV)",
        f"{item}: predictive uncertainty ({_frames_text(bonds)})",
    )


def write_inference_report(
    summary_path: str | Path,
    item: str,
    species: Sequence[str],
    bond_types: Sequence[str],
    html_path: str | Path,
    icohp_png: str | Path,
    std_png: str | Path | None = None,
    progress=None,
) -> pd.DataFrame:
    """Write the inference page and plots of one item; returns the per-type statistics.

    ``std_png`` None: no uncertainty plot (inference run without predictive std)."""
    frames = inference_frames(summary_path)
    bonds = read_inference_bonds(summary_path, item, species, progress)
    n_ok = int((frames["status"] == "ok").sum())
    statistics = inference_statistics(bonds, bond_types, n_ok)
    frame_table = frames.rename(columns={"skipped_no_model": "bonds without model"})
    info = sorted(Path(summary_path).parent.glob(f"{item}_*_ICOHPLIST.info"))
    sections = [
        Section(
            "Predicted -ICOHP per bond type",
            table_html(statistics, ["bond type"], digits=3, column_digits={"per frame": 1}),
            "-ICOHP in eV (positive = bonding); pred. std: the model's predictive "
            "standard deviation of each bond's -ICOHP.",
        ),
        Section(
            "Bonds per frame",
            table_html(frame_table, ["status"]),
            "Frames that are skipped or truncated have no output files.",
        ),
    ]
    if info:
        sections.append(
            Section(
                f"Distance windows and models ({info[0].name})",
                f"<pre>{html.escape(info[0].read_text())}</pre>",
            )
        )
    intro = f"{n_ok} frame(s) predicted, {len(bonds)} bonds in total."
    write_text(html_path, html_page(f"ETL inference: {item}", sections, intro))
    save_figure(icohp_figure(bonds, bond_types, item), icohp_png)
    if std_png is not None:
        save_figure(std_figure(bonds, bond_types, item), std_png)
    return statistics
