"""Outputs of rule ``grouped_cv``: the model-comparison table next to the published RMSEs,
the learning curve against the number of DFT sub-runs, their plots and one HTML page.

Units: RMSE, MAE and bias in eV; coverages are shares (0.68 and 0.95 expected).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from glassbonds.files import write_text
from glassbonds.model.figures import pyplot_free_figure, save_figure

COLUMNS = [
    "model",
    "bond_type",
    "n_bonds",
    "n_groups",
    "rmse_eV",
    "published_rmse_eV",
    "mae_eV",
    "bias_eV",
    "coverage_1std",
    "coverage_2std",
]


# The study's published test RMSE (eV) of Zr49Cu49Al2 (config key published_fits by default).
def with_published(table: pd.DataFrame, published: Mapping[str, float]) -> pd.DataFrame:
    """Add the published test RMSE (eV) of each bond type (NaN where none)."""
    table = table.copy()
    table["published_rmse_eV"] = [published.get(t, np.nan) for t in table["bond_type"]]
    return table[COLUMNS]


def comparison_figure(table: pd.DataFrame):
    """Grouped-CV RMSE per bond type and model, published RMSE as black bars' outline."""
    figure = pyplot_free_figure(7, 4)
    axes = figure.add_subplot(1, 1, 1)
    types = list(dict.fromkeys(table["bond_type"]))
    models = list(dict.fromkeys(table["model"]))
    width = 0.8 / (len(models) + 1)
    x = np.arange(len(types))
    for k, model in enumerate(models):
        part = table[table["model"] == model].set_index("bond_type").reindex(types)
        axes.bar(x + k * width, part["rmse_eV"], width, label=model)
    published = table.drop_duplicates("bond_type").set_index("bond_type").reindex(types)
    axes.bar(
        x + len(models) * width,
        published["published_rmse_eV"],
        width,
        color="white",
        edgecolor="k",
        label="published (random split)",
    )
    axes.set_xticks(x + 0.4 - width / 2, types)
    axes.set_ylabel("grouped-CV RMSE of -ICOHP (eV)")
    axes.legend(fontsize=7)
    figure.tight_layout()
    return figure


def learning_curve_figure(curve: pd.DataFrame):
    figure = pyplot_free_figure(6, 4)
    axes = figure.add_subplot(1, 1, 1)
    for bond_type, part in curve.groupby("bond_type"):
        axes.plot(part["n_subruns"], part["rmse_eV"], marker="o", label=bond_type)
    axes.set_xlabel("DFT sub-runs used for training")
    axes.set_ylabel("grouped-CV RMSE of -ICOHP (eV)")
    axes.set_xscale("log")
    axes.legend(fontsize=8)
    figure.tight_layout()
    return figure


def write_grouped_cv(
    table: pd.DataFrame,
    curve: pd.DataFrame,
    outputs: dict[str, str | Path],
    published: Mapping[str, float],
    metadata_paths: Sequence[str | Path] = (),
) -> pd.DataFrame:
    """Write ``metrics`` (TSV), ``curve`` (TSV), ``png`` (comparison), ``curve_png`` and
    ``html`` (both tables; the test-double banner when a training store in
    ``metadata_paths`` has synthetic -ICOHP). Returns the table with the published RMSEs."""
    from glassbonds.report.page import Section, html_page, synthetic_banner, table_html

    table = with_published(table, published)
    write_text(outputs["metrics"], table.to_csv(sep="\t", index=False, float_format="%.6f"))
    write_text(outputs["curve"], curve.to_csv(sep="\t", index=False, float_format="%.6f"))
    save_figure(comparison_figure(table), outputs["png"])
    save_figure(learning_curve_figure(curve), outputs["curve_png"])
    sections = [
        Section(
            "Models compared on the same grouped folds",
            table_html(table, text_columns=("model", "bond_type")),
            "Held-out sub-runs (whole DFT cells), never random bonds of a training cell. "
            "Coverage: share of held-out errors within 1 and 2 calibrated std (0.68, 0.95 "
            "expected), each fold judged with a calibration fitted on the other folds. "
            "Published RMSEs are the study's, from a random split of 2,000 + 1,000 bonds.",
        ),
        Section(
            "Learning curve against DFT sub-runs",
            table_html(curve, text_columns=("bond_type",)),
        ),
    ]
    banner = synthetic_banner(metadata_paths)
    write_text(outputs["html"], html_page("Grouped cross-validation", sections, banner=banner))
    return table
