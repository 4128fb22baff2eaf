"""Report on fits: test RMSE (eV) per bond type next to the published values of the study
(config ``published_fits``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from glassbonds.errors import InputError
from glassbonds.files import write_text
from glassbonds.report.page import Section, html_page, synthetic_banner, table_html
from glassbonds.report.plots import rmse_figure, save_figure


@dataclass(frozen=True)
class PublishedFit:
    """A published fit of the study (TT/fit-results-Zr49Cu49Al2): test RMSE in eV, settings."""

    rmse_eV: float
    sigma: float
    gamma: float
    zeta: float
    n_train: int
    n_test: int


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


def rmse_table(fits: Sequence[FitRecord], published: Mapping[str, PublishedFit]) -> pd.DataFrame:
    """Test RMSE (eV) per bond type with the published value and its settings beside it.

    Columns: bond type, database, train/test (bonds), ζ, σ (Å), γ, RMSE (eV), target std
    (eV; std of the test -ICOHP), RMSE / std, published RMSE (eV), published σ (Å) and γ,
    RMSE / published. All published fits used ζ 1 and 2000/1000 bonds of Zr49Cu49Al2.
    """
    from glassbonds.model.fitting import read_info

    rows = []
    for fit in fits:
        _, summary = read_info(fit.info)
        if "RMSE" not in summary:
            raise InputError(fit.info, "no 'RMSE =' line", "rerun the fit rule")
        rmse = summary["RMSE"]
        test_std = summary.get("TESTING_STD", float("nan"))
        reference = published.get(fit.bond_type)
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
                "published RMSE (eV)": reference.rmse_eV if reference else nan,
                "published σ (Å), γ": (
                    f"{reference.sigma:g}, {reference.gamma:g}" if reference else "–"
                ),
                "RMSE / published": rmse / reference.rmse_eV if reference else nan,
            }
        )
    return pd.DataFrame(rows)


def write_rmse_report(
    fits: Sequence[FitRecord],
    published: Mapping[str, PublishedFit],
    html_path: str | Path,
    png_path: str | Path,
    training_metadata: Sequence[str | Path] = (),
) -> pd.DataFrame:
    """Write the RMSE page and plot; returns the table. ``training_metadata``: the training
    databases' ``metadata.json`` (a synthetic -ICOHP there shows the test-double banner)."""
    table = rmse_table(fits, published)
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
