"""Report on bond databases: bonds per type in each PBSSDB (``summary.tsv``,
``metadata.json``) and each mixed database (``metadata.json``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from glassbonds.errors import InputError
from glassbonds.files import write_text
from glassbonds.report.page import Section, html_page, synthetic_banner, table_html
from glassbonds.report.plots import database_figure, embedded_png, save_figure, spilling_figure


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


def spilling_section(metadata_paths: Mapping[str, str | Path]) -> Section | None:
    """LOBSTER's absolute charge spilling (percent, every spin channel) of the sub-runs in
    each PBSSDB: a histogram and a table; None when no spilling was recorded (e.g. the
    test double, which projects nothing)."""
    import numpy as np

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
    return Section(
        "LOBSTER charge spilling",
        table_html(table, ["database"], digits=2) + embedded_png(spilling_figure(values)),
        "Absolute charge spilling of the projection, per sub-run and spin channel, of the "
        "sub-runs in the database (the threshold is lobster.quality).",
    )


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
