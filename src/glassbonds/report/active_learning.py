"""Report on the active-learning replay: grouped-CV RMSE (eV) per bond type against the number
of DFT sub-runs in training, choosing them by the acquisition score or at random
(:mod:`glassbonds.model.active_learning_replay`), next to the published RMSE."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from glassbonds.files import write_text
from glassbonds.model.active_learning_replay import ReplaySettings, subruns_to_reach
from glassbonds.report.page import Section, html_page, synthetic_banner, table_html
from glassbonds.report.plots import bond_colours, message_figure, new_figure, save_figure

STRATEGY_STYLES = {"acquisition": "-", "random": "--"}


def replay_figure(summary: pd.DataFrame, goals: Mapping[str, float]):
    """One panel per bond type: the mean over seeds of the grouped-CV RMSE (eV) against the
    number of DFT sub-runs, by acquisition (solid) and at random (dashed), with the range
    over seeds shaded; the goal (published RMSE) as a dotted line."""
    mean = summary[summary["seed"] == "mean"]
    if mean.empty:
        return message_figure("no replay curves: too few sub-runs")
    types = list(dict.fromkeys(mean["bond_type"]))
    colours = bond_colours(types)
    figure = new_figure(3.2 * len(types), 3.0)
    axes_row = figure.subplots(1, len(types), squeeze=False)[0]
    for axes, bond_type in zip(axes_row, types, strict=True):
        for strategy, style in STRATEGY_STYLES.items():
            part = mean[(mean.bond_type == bond_type) & (mean.strategy == strategy)]
            if part.empty:
                continue
            part = part.sort_values("subruns")
            axes.plot(part["subruns"], part["rmse_eV"], style, color=colours[bond_type],
                      label=strategy)  # fmt: skip
            axes.fill_between(part["subruns"], part["rmse_min_eV"], part["rmse_max_eV"],
                              alpha=0.15, color=colours[bond_type])  # fmt: skip
        if bond_type in goals:
            axes.axhline(goals[bond_type], color="0.3", ls=":", lw=1, label="published")
        axes.set_title(bond_type)
        axes.set_yscale("log")
        axes.set_xlabel("DFT sub-runs in training")
    axes_row[0].set_ylabel("grouped-CV RMSE (eV)")
    axes_row[0].legend(fontsize=8)
    return figure


def reach_table(summary: pd.DataFrame, goals: Mapping[str, float]) -> pd.DataFrame:
    """Per bond type: the published RMSE, the RMSE at the largest size every fold reaches
    (its whole pool for the smallest fold), and the sub-runs each strategy needs to reach the
    published RMSE and to come within 5 % of that RMSE."""
    needed = subruns_to_reach(summary, goals)
    if needed.empty:
        return pd.DataFrame()
    wide = needed.pivot(index="bond_type", columns="strategy")
    order = list(dict.fromkeys(needed["bond_type"]))
    rows = []
    for bond_type in order:
        row = wide.loc[bond_type]
        rows.append(
            {
                "bond type": bond_type,
                "published RMSE (eV)": goals.get(bond_type, np.nan),
                "largest size (sub-runs)": int(row[("final_subruns", "acquisition")]),
                "RMSE at largest size (eV)": float(row[("final_rmse_eV", "acquisition")]),
                **{
                    f"to published: {s}": row.get(("subruns_needed", s), np.nan)
                    for s in STRATEGY_STYLES
                },
                **{
                    f"to within 5 % of largest: {s}": row.get(
                        ("subruns_within_5pc_of_final", s), np.nan
                    )
                    for s in STRATEGY_STYLES
                },
            }
        )
    return pd.DataFrame(rows)


def curve_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Seed-mean RMSE ± std over seeds (eV) per bond type and number of sub-runs, one column
    per strategy."""
    mean = summary[summary["seed"] == "mean"]
    if mean.empty:
        return pd.DataFrame()
    cells = mean.assign(
        value=[f"{m:.4f} ± {s:.4f}" for m, s in zip(mean.rmse_eV, mean.rmse_std_eV, strict=True)]
    )
    wide = cells.pivot(index=["bond_type", "subruns"], columns="strategy", values="value")
    wide = wide.reset_index().rename(columns={"bond_type": "bond type", "subruns": "sub-runs"})
    return wide.rename(columns={s: f"{s} RMSE (eV)" for s in STRATEGY_STYLES})


def protocol_text(settings: ReplaySettings, database: str) -> str:
    """One paragraph describing the replay of ``settings`` on ``database``."""
    folds = (
        "each sub-run held out in turn"
        if settings.folds is None
        else f"its sub-runs dealt into {settings.folds} grouped folds, each held out in turn"
    )
    cap = "all" if settings.max_bonds is None else f"at most {settings.max_bonds}"
    return (
        f"Training database {database}, {folds}. From the same {settings.start} random "
        f"sub-runs of the other folds, {settings.step} sub-run(s) added per step by the "
        "acquisition score (the relative predictive variance of the current models, averaged "
        "per bond type) or at random, until the pool is used up; the config's kernel "
        f"hyperparameters refitted per bond type each step ({cap} training bonds); "
        f"{len(settings.seeds)} seed(s), each with its own start and random order."
    )


def write_replay_report(
    summary: pd.DataFrame,
    goals: Mapping[str, float],
    html_path: str | Path,
    png_path: str | Path,
    training_metadata: Sequence[str | Path] = (),
    protocol: str = "",
) -> pd.DataFrame:
    """Write the replay page and plot; returns the per-type table. ``protocol`` describes
    the replay (start, step, seeds, folds) above the tables."""
    table = reach_table(summary, goals)
    note = (
        "Sub-runs in training needed by each strategy (mean over seeds of the grouped-CV "
        "RMSE); – where the published RMSE is never reached or none is given. Both "
        "strategies start from the same random sub-runs and end with the whole pool; the "
        "largest size is the largest every fold reaches."
    )
    counts = {c: 0 for c in table.columns if c.startswith("to ")}
    sections = [
        Section(
            "Sub-runs needed: acquisition vs random",
            table_html(table, ["bond type"], column_digits=counts),
            note,
        ),
        Section(
            "Grouped-CV RMSE against the number of sub-runs",
            table_html(curve_table(summary), ["bond type"]),
            "Mean ± std over seeds of the RMSE on held-out sub-runs (eV), folds pooled.",
        ),
    ]
    banner = synthetic_banner(training_metadata)
    page = html_page("Active learning replayed", sections, intro=protocol, banner=banner)
    write_text(html_path, page)
    save_figure(replay_figure(summary, goals), png_path)
    return table
