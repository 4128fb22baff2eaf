"""Figures of the per-cluster branch and of active learning (bare Agg figures, eV units)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from glassbonds.report.html import bond_colour, message_figure, new_figure

STRATEGY_STYLES = {"acquisition": "-", "random": "--"}


def selection_curves_figure(curves: pd.DataFrame, goals: Mapping[str, float]):
    """RMSE (eV) on held-out sub-runs against the number of DFT sub-runs, one panel per bond
    type: mean over seeds and splits with its range, by acquisition (solid) and at random
    (dashed); the goal (published RMSE) as a dotted line."""
    if curves.empty:
        return message_figure("no selection curves: too few sub-runs")
    types = list(dict.fromkeys(curves["bond_type"]))
    figure = new_figure(3.2 * len(types), 3.0)
    axes_row = figure.subplots(1, len(types), squeeze=False)[0]
    for axes, bond_type in zip(axes_row, types, strict=True):
        for strategy, style in STRATEGY_STYLES.items():
            part = curves[(curves.bond_type == bond_type) & (curves.strategy == strategy)]
            if part.empty:
                continue
            stats = part.groupby("subruns")["rmse_eV"].agg(["mean", "min", "max"])
            axes.plot(stats.index, stats["mean"], style, color=bond_colour(bond_type),
                      label=strategy)  # fmt: skip
            axes.fill_between(stats.index, stats["min"], stats["max"], alpha=0.15,
                              color=bond_colour(bond_type))  # fmt: skip
        if bond_type in goals:
            axes.axhline(goals[bond_type], color="0.3", ls=":", lw=1, label="published")
        axes.set_title(bond_type)
        axes.set_yscale("log")
        axes.set_xlabel("DFT sub-runs in training")
    axes_row[0].set_ylabel("held-out RMSE (eV)")
    axes_row[0].legend(fontsize=8)
    return figure


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
    bottom = np.zeros(len(ranked))
    for bond_type in bond_types:
        if bond_type not in ranked:
            continue
        values = ranked[bond_type].fillna(0.0).to_numpy()
        axes.bar(labels, values, bottom=bottom, color=bond_colour(bond_type), label=bond_type)
        bottom += values
    axes.axvline(min(chosen, len(ranked)) - 0.5, color="k", ls="--", lw=1)
    axes.set_ylabel("relative predictive variance")
    axes.tick_params(axis="x", labelrotation=90, labelsize=7)
    axes.legend(fontsize=7)
    return figure
