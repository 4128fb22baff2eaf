"""Every figure of the report, as bare Agg figures (no pyplot state: safe in rule jobs without
a display). -ICOHP, RMSE and standard deviations in eV, distances in angstrom. Bond types are
coloured by their position in the list a figure is given (matplotlib's tab10)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from glassbonds.files import atomic_path
from glassbonds.subrun_status import StatusCode

if TYPE_CHECKING:
    from glassbonds.report.status import SubRunRecord

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


def bond_colours(bond_types: Sequence[str]) -> dict[str, str]:
    """One colour per bond type, in the order given (tab10, cycling after ten)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    palette = colormaps["tab10"].colors
    return {bond: to_hex(palette[k % len(palette)]) for k, bond in enumerate(bond_types)}


def new_figure(width: float, height: float):
    """A bare Agg figure (inches); no pyplot state, safe in rule jobs without a display."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def save_figure(figure, path: str | Path) -> None:
    """Write a figure as PNG at 100 dpi, atomically."""
    with atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=100, format="png")


def embedded_png(figure) -> str:
    """An ``<img>`` holding the figure as a base64 PNG (the page stays one file)."""
    import base64
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, dpi=80, format="png")
    data = base64.b64encode(buffer.getvalue()).decode()
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def spilling_figure(values: Mapping[str, Sequence[float]]):
    """Histogram of LOBSTER's absolute charge spilling (percent), stacked per database."""
    figure = new_figure(5.0, 2.6)
    axes = figure.add_subplot()
    axes.hist(list(values.values()), bins=20, label=list(values), stacked=True)
    axes.set_xlabel("LOBSTER abs. charge spilling (%)")
    axes.set_ylabel("sub-run spin channels")
    axes.legend(fontsize=8, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return figure


def message_figure(text: str, width: float = 6.0, height: float = 2.0):
    """A figure holding only a message (e.g. nothing to plot), never an empty frame."""
    figure = new_figure(width, height)
    figure.text(0.5, 0.5, text, ha="center", va="center", fontsize=11, wrap=True)
    return figure


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
            color=STATUS_COLOURS.get(code, "#7f7f7f"),
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
            color=bond_colours(bond_types)[bond],
            label=bond,
        )
        axes.bar_label(bars, padding=1, fontsize=8)
    axes.set_xticks(x, table["database"])
    axes.set_ylabel("bonds")
    axes.set_title("Bonds per type in each database")
    axes.legend(title="bond type", fontsize=9, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return figure


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
        axes.hist(part, bins=edges, color=bond_colours(bond_types)[bond])
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


# Column of the inference bond table -> (axis label, title) of its histograms.
PREDICTION_HISTOGRAMS = {
    "minus_icohp": ("predicted -ICOHP (eV)", "predicted -ICOHP"),
    "std": ("predictive std of -ICOHP (eV)", "predictive uncertainty"),
}


def prediction_figure(bonds: pd.DataFrame, column: str, bond_types: Sequence[str], item: str):
    """Histograms of one column of :data:`PREDICTION_HISTOGRAMS` (predicted -ICOHP or its
    predictive std, eV), one panel per bond type, shared bins."""
    label, title = PREDICTION_HISTOGRAMS[column]
    return _histograms(bonds, column, bond_types, label, f"{item}: {title} ({_frames_text(bonds)})")


def per_atom_parity_figure(held_out: Mapping[str, pd.DataFrame]):
    """Predicted against DFT summed -ICOHP per centre atom (eV), one panel per element,
    with the held-out RMSE in the title."""
    shown = {element: table for element, table in held_out.items() if len(table)}
    if not shown:
        return message_figure("no per-atom evaluation: too few clusters")
    figure = new_figure(3.3 * len(shown), 3.3)
    axes_row = figure.subplots(1, len(shown), squeeze=False)[0]
    for axes, (element, table) in zip(axes_row, shown.items(), strict=True):
        low = float(min(table["target"].min(), table["predicted"].min()))
        high = float(max(table["target"].max(), table["predicted"].max()))
        axes.plot([low, high], [low, high], color="0.6", lw=1)
        axes.errorbar(table["predicted"], table["target"], xerr=table["std"], fmt="o", ms=2,
                      lw=0.5, color="k", ecolor="0.7")  # fmt: skip
        rmse = float(np.sqrt(np.mean((table["predicted"] - table["target"]) ** 2)))
        axes.set_title(f"{element} centres: RMSE {rmse:.3f} eV")
        axes.set_xlabel("predicted sum of -ICOHP (eV)")
    axes_row[0].set_ylabel("DFT sum of -ICOHP (eV)")
    return figure


def acquisition_figure(ranked: pd.DataFrame, bond_types: list[str], chosen: int):
    """Acquisition score of every candidate sub-run, stacked by bond type, best first; the
    ``chosen`` best are marked."""
    if ranked.empty:
        return message_figure("no candidate sub-runs")
    figure = new_figure(max(4.0, 0.35 * len(ranked) + 1.5), 3.2)
    axes = figure.add_subplot(1, 1, 1)
    labels = [f"{r.nc} {r.run}/{r.subrun}" for r in ranked.itertuples()]
    colours = bond_colours(bond_types)
    bottom = np.zeros(len(ranked))
    for bond_type in bond_types:
        if bond_type not in ranked:
            continue
        values = ranked[bond_type].fillna(0.0).to_numpy()
        axes.bar(labels, values, bottom=bottom, color=colours[bond_type], label=bond_type)
        bottom += values
    axes.axvline(min(chosen, len(ranked)) - 0.5, color="k", ls="--", lw=1)
    axes.set_ylabel("relative predictive variance")
    axes.tick_params(axis="x", labelrotation=90, labelsize=7)
    axes.legend(fontsize=7)
    return figure


def atom_map_figure(atoms, item: str, slab: float = 4.0):
    """Per-atom sums of predicted -ICOHP (eV) of one frame: their distribution per element
    (left) and a slab of thickness ``slab`` angstrom through the middle of the cell along z,
    each atom coloured by its sum (right)."""
    if "sum_minus_icohp" not in atoms.arrays or len(atoms) == 0:
        return message_figure(f"{item}: no per-atom map")
    values = atoms.arrays["sum_minus_icohp"]
    symbols = np.array(atoms.get_chemical_symbols())
    figure = new_figure(11.0, 4.6)
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.25]})
    edges = np.histogram_bin_edges(values, bins=40)
    for element in dict.fromkeys(symbols):
        left.hist(values[symbols == element], bins=edges, alpha=0.6,
                  label=f"{element} ({int((symbols == element).sum())})")  # fmt: skip
    left.set_xlabel("sum of predicted -ICOHP per atom (eV)")
    left.set_ylabel("atoms")
    left.legend(fontsize=8, frameon=False)
    positions = atoms.get_positions(wrap=True)
    middle = 0.5 * atoms.cell.array[2, 2]
    chosen = np.abs(positions[:, 2] - middle) <= slab / 2
    points = right.scatter(positions[chosen, 0], positions[chosen, 1], c=values[chosen],
                           s=max(2.0, 6000.0 / max(1, chosen.sum())), cmap="viridis")  # fmt: skip
    right.set_aspect("equal")
    right.set_xlabel("x (Å)")
    right.set_ylabel("y (Å)")
    right.set_title(f"{chosen.sum()} atoms within {slab / 2:g} Å of z = {middle:.1f} Å")
    figure.colorbar(points, ax=right, label="sum of -ICOHP (eV)")
    figure.suptitle(f"{item}: per-atom bond strength")
    return figure
