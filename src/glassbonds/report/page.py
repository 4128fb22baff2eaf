"""HTML pages of the report: self-contained (inline CSS, no scripts, no external resources),
tables rendered by pandas' Styler."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

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
    """An HTML ``<table>`` of ``table`` (pandas Styler): floats with ``digits`` decimals
    (``column_digits`` overrides per column), NaN as an en dash; ``text_columns`` are
    left-aligned (names, reasons), the others right-aligned."""
    text_columns = set(text_columns)
    column_digits = dict(column_digits or {})

    def formatter(places: int):
        def cell(value: object) -> str:
            if value is None or (isinstance(value, float) and np.isnan(value)):
                return "–"
            if isinstance(value, float | np.floating):
                return f"{value:.{places}f}"
            return str(value)

        return cell

    classes = pd.DataFrame(
        [["text" if c in text_columns else "" for c in table.columns]] * len(table),
        index=table.index,
        columns=table.columns,
    )
    styler = (
        table.style.format(
            {c: formatter(column_digits.get(c, digits)) for c in table.columns}, escape="html"
        )
        .hide(axis="index")
        .set_td_classes(classes)
        # ids from the content, not random: the same table gives the same page
        .set_uuid(hashlib.sha1(table.to_csv().encode()).hexdigest()[:10])
    )
    return styler.to_html()


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


def synthetic_banner(metadata_paths: Iterable) -> str:
    """The banner text when any sub-run behind these database stores (``metadata.json``)
    has -ICOHP from the synthetic LOBSTER test double; empty otherwise."""
    import json
    from pathlib import Path

    from glassbonds.errors import InputError
    from glassbonds.provenance import SYNTHETIC_PROGRAM, synthetic_subruns

    counts = {}
    for path in metadata_paths:
        try:
            metadata = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise InputError(path, f"cannot read database metadata ({error})") from None
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
