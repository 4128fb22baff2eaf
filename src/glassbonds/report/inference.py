"""Report on ETL inference: bonds per type per frame, distribution of the predicted -ICOHP
(eV, positive = bonding) per type and of the predictive standard deviation (eV)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from glassbonds.composition import bond_type_of
from glassbonds.errors import InputError
from glassbonds.files import write_text
from glassbonds.inference.writers import OutputNames
from glassbonds.report.page import Section, html_page, table_html
from glassbonds.report.plots import prediction_figure, save_figure


def inference_frames(summary_path: str | Path) -> pd.DataFrame:
    """The inference summary TSV (frame, step, natoms, one count per bond type,
    skipped_no_model, status)."""
    return pd.read_csv(summary_path, sep="\t", dtype={"step": str, "status": str})


def read_inference_bonds(
    directory: str | Path, names: OutputNames, species: Sequence[str], progress=None
) -> pd.DataFrame:
    """Every predicted bond of an inference item: columns step, bond_type, distance (Å),
    minus_icohp (eV; the ICOHPLIST holds +ICOHP, negated here) and std (eV, NaN without a
    ``.std`` file). ``directory`` is the ``infer`` rule's output, ``names`` the file names it
    declares. Only frames with status ``ok`` have files.

    ``progress`` optionally wraps the iterable of frame steps (e.g. ``tqdm``).
    """
    from glassbonds.io.lobster import read_icohplist

    directory = Path(directory)
    frames = inference_frames(directory / names.summary)
    steps = list(frames.loc[frames["status"] == "ok", "step"])
    tables = []
    for step in progress(steps) if progress else steps:
        files = names.frame(step)
        bonds = read_icohplist(directory / files.icohplist)
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
        std_path = directory / files.std
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


def write_inference_report(
    directory: str | Path,
    names: OutputNames,
    species: Sequence[str],
    bond_types: Sequence[str],
    html_path: str | Path,
    icohp_png: str | Path,
    std_png: str | Path | None = None,
    progress=None,
) -> pd.DataFrame:
    """Write the inference page and plots of one item; returns the per-type statistics.

    ``std_png`` None: no uncertainty plot (inference run without predictive std)."""
    item, directory = names.item, Path(directory)
    frames = inference_frames(directory / names.summary)
    bonds = read_inference_bonds(directory, names, species, progress)
    n_ok = int((frames["status"] == "ok").sum())
    statistics = inference_statistics(bonds, bond_types, n_ok)
    frame_table = frames.rename(columns={"skipped_no_model": "bonds without model"})
    steps = list(frames.loc[frames["status"] == "ok", "step"])
    info = [directory / names.frame(steps[0]).info] if steps else []
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
    save_figure(prediction_figure(bonds, "minus_icohp", bond_types, item), icohp_png)
    if std_png is not None:
        save_figure(prediction_figure(bonds, "std", bond_types, item), std_png)
    return statistics
