"""The study's text files of a database, as create_SSDB.py wrote them: ``.bnd`` rows
``[SOURCE] RUN SUB ATOM_A ATOM_B DISTANCE -ICOHP`` (atoms 1-based, angstrom, eV), ``ND.info``
rows ``RUN SUB CODE`` and ``DUB.info`` rows ``RUN SUB KNF: pair``; plus ``ND-reasons.tsv``,
the reason of every ND.info row."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def bnd_text(rows: pd.DataFrame, with_source: Sequence[str] | None) -> str:
    """``.bnd`` lines of bond rows; with ``with_source`` each line starts with the index of
    its source composition in that list (mixed databases)."""
    columns = [rows["run"], rows["subrun"], rows["atom_a"] + 1, rows["atom_b"] + 1]
    lines = []
    if with_source is not None:
        source_index = {name: index for index, name in enumerate(with_source)}
        prefix = [source_index[s] for s in rows["source"]]
    for position, (run, sub, a, b, d, v) in enumerate(
        zip(*columns, rows["distance"], rows["minus_icohp"], strict=True)
    ):
        head = f"{prefix[position]} " if with_source is not None else ""
        lines.append(f"{head}{run} {sub} {a} {b} {d:f} {v:f}\n")
    return "".join(lines)


def nd_info_text(not_done: Sequence[tuple[int, int, int, str]]) -> str:
    """``ND.info``: one ``RUN SUB CODE`` line per sub-run left out."""
    return "".join(f"{run} {sub} {code}\n" for run, sub, code, _ in not_done)


def nd_reasons_text(not_done: Sequence[tuple[int, int, int, str]]) -> str:
    """``ND-reasons.tsv``: the ND.info rows with the reason of each (one line each)."""
    return "run\tsubrun\tcode\treason\n" + "".join(
        f"{run}\t{sub}\t{code}\t{' '.join(reason.split())}\n" for run, sub, code, reason in not_done
    )


def dub_info_text(dropped: Sequence[tuple[int, int, str, str]]) -> str:
    """``DUB.info``: one ``RUN SUB KNF: pair`` line per pair missing from an ICOHPLIST."""
    return "".join(f"{run} {sub} KNF: {pair}\n" for run, sub, _, pair in dropped)
