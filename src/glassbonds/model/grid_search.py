"""Hyperparameter selection: the k-fold grid search over random bonds (advisory, the study's way).

The grouped search whose result the fits use is in ``hyperparameters.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, KFold

from glassbonds.errors import InputError
from glassbonds.files import write_text
from glassbonds.model.bonds import BondSet, Hyperparameters, _require, check_bond_set
from glassbonds.model.figures import pyplot_free_figure, save_figure
from glassbonds.model.kernel import SoapBondKernelRegressor


@dataclass
class Selection:
    """Grid-search result: per-candidate CV scores and the chosen hyperparameters."""

    bond_type: str
    scores: pd.DataFrame  # columns zeta, sigma, gamma, mean_rmse_eV, std_rmse_eV, rank, chosen
    best: Hyperparameters
    best_rmse: float


def select_hyperparameters(
    bonds: BondSet,
    grid: Mapping[str, Sequence[float]],
    n_train: int,
    folds: int,
    seed: int,
    kernel: str = "soap_distance",
    n_jobs: int = 1,
    progress: bool = True,
) -> Selection:
    """k-fold cross-validated grid search (scikit-learn ``GridSearchCV``) on ``n_train`` bonds.

    ``grid`` maps ``zeta``/``sigma``/``gamma`` to candidate values; the score is the RMSE in
    eV (lower is better), folds shuffled with ``seed``. ``n_jobs`` defaults to 1 because the
    BLAS inside each fit already uses the cores. ``progress``: scikit-learn prints one line
    per fit (fold k/n, candidate, score, time) to stdout (the rule log in a workflow job).
    """
    check_bond_set(bonds, "hyperparameter selection")
    unknown = set(grid) - {"zeta", "sigma", "gamma"}
    if unknown or not grid:
        raise InputError(
            "hyperparameter grid",
            f"keys must be zeta/sigma/gamma, got {list(grid)}",
            "list candidate values under zeta, sigma and gamma",
        )
    if folds < 2:
        raise InputError(
            "hyperparameter folds", f"needs >= 2 folds, got {folds}", "set folds to 2 or more"
        )
    _require(bonds, n_train, "hyperparameter selection")
    subset = bonds.take(np.random.default_rng(seed).permutation(len(bonds))[:n_train])
    search = GridSearchCV(
        SoapBondKernelRegressor(kernel=kernel),
        {key: [float(v) for v in values] for key, values in grid.items()},
        scoring="neg_root_mean_squared_error",
        cv=KFold(n_splits=folds, shuffle=True, random_state=seed),
        n_jobs=n_jobs,
        error_score="raise",
        verbose=3 if progress else 0,
    )
    search.fit(subset.features(), subset.target)
    cv = search.cv_results_
    defaults = SoapBondKernelRegressor(kernel=kernel)
    scores = pd.DataFrame(
        {
            name: [params.get(name, getattr(defaults, name)) for params in cv["params"]]
            for name in ("zeta", "sigma", "gamma")
        }
    )
    scores["mean_rmse_eV"] = -cv["mean_test_score"]
    scores["std_rmse_eV"] = cv["std_test_score"]
    scores["rank"] = cv["rank_test_score"]
    scores["chosen"] = np.arange(len(scores)) == search.best_index_
    best = scores.iloc[search.best_index_]
    return Selection(
        bond_type=bonds.bond_type,
        scores=scores.sort_values("rank", kind="stable").reset_index(drop=True),
        best=Hyperparameters(
            float(best["zeta"]), float(best["sigma"]), float(best["gamma"]), kernel
        ),
        best_rmse=float(best["mean_rmse_eV"]),
    )


def write_selection(
    selection: Selection, scores_tsv: str | Path, chosen_tsv: str | Path, png: str | Path
) -> None:
    """Scores TSV (all candidates), chosen-values TSV (one row) and a plot of CV RMSE."""
    scores = selection.scores.copy()
    scores.insert(0, "bond_type", selection.bond_type)
    write_text(scores_tsv, scores.to_csv(sep="\t", index=False, float_format="%.6g"))
    chosen = pd.DataFrame(
        [
            {
                "bond_type": selection.bond_type,
                **asdict(selection.best),
                "cv_rmse_eV": selection.best_rmse,
            }
        ]
    )
    write_text(chosen_tsv, chosen.to_csv(sep="\t", index=False, float_format="%.6g"))
    zetas = sorted(scores["zeta"].unique())
    figure = pyplot_free_figure(4.5 * len(zetas), 4)
    for k, zeta in enumerate(zetas, start=1):
        axes = figure.add_subplot(1, len(zetas), k)
        part = scores[scores["zeta"] == zeta]
        for sigma, line in part.groupby("sigma"):
            line = line.sort_values("gamma")
            axes.errorbar(
                line["gamma"],
                line["mean_rmse_eV"],
                yerr=line["std_rmse_eV"],
                marker="o",
                capsize=2,
                label=f"σ = {sigma:g} Å",
            )
        best = selection.best
        if best.zeta == zeta:
            axes.scatter(
                [best.gamma],
                [selection.best_rmse],
                s=150,
                facecolors="none",
                edgecolors="r",
                label="chosen",
            )
        axes.set_xscale("log")
        axes.set_xlabel("γ")
        axes.set_ylabel("CV RMSE of -ICOHP (eV)")
        axes.set_title(f"{selection.bond_type}, ζ = {zeta:g}")
        axes.legend(fontsize=8)
    figure.tight_layout()
    save_figure(figure, png)
