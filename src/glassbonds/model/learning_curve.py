"""Learning curves against the number of training bonds (random nested subsets, one database).

See ``evaluation.py`` for the grouped learning curve against the number of DFT sub-runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from glassbonds.errors import InputError
from glassbonds.files import write_text
from glassbonds.model.bonds import BondSet, Hyperparameters, _require, check_bond_set
from glassbonds.model.figures import pyplot_free_figure, save_figure


def learning_curve(
    bonds: BondSet,
    sizes: Sequence[int],
    n_test: int,
    hyperparameters: Hyperparameters,
    seeds: Sequence[int],
    progress: bool = True,
) -> pd.DataFrame:
    """Test RMSE (eV) for each training size and seed: columns n_train, seed, rmse_eV.

    For each seed the database is shuffled once; the test set is its last ``n_test`` bonds
    and the training sets are nested prefixes, so sizes differ only in training data.
    ``progress``: a progress bar of the fits on stderr (the rule log in a workflow job).
    """
    from tqdm import tqdm

    check_bond_set(bonds, "learning curve")
    if not sizes or not seeds:
        raise InputError(
            "learning_curve",
            "needs at least one size and one seed",
            "set learning_curve.sizes and .seeds in the config",
        )
    _require(bonds, max(sizes) + n_test, f"largest size {max(sizes)} + {n_test} test")
    rows = []
    bar = tqdm(
        total=len(seeds) * len(sizes),
        desc=f"{bonds.bond_type or 'bonds'} learning curve",
        unit="fit",
        mininterval=2.0,
        disable=not progress,
    )
    for seed in seeds:
        order = np.random.default_rng(seed).permutation(len(bonds))
        test = bonds.take(order[len(bonds) - n_test :])
        for size in sorted(sizes):
            train = bonds.take(order[:size])
            model = hyperparameters.estimator().fit(train.features(), train.target)
            error = model.predict(test.features()) - test.target
            rows.append(
                {"n_train": size, "seed": seed, "rmse_eV": float(np.sqrt(np.mean(error**2)))}
            )
            bar.set_postfix_str(f"seed {seed}, {size} bonds", refresh=False)
            bar.update(1)
    bar.close()
    return pd.DataFrame(rows)


def summarise_learning_curve(curve: pd.DataFrame) -> pd.DataFrame:
    """Mean, std (ddof 0), min and max test RMSE (eV) over seeds per training size."""
    grouped = curve.groupby("n_train")["rmse_eV"]
    return pd.DataFrame(
        {
            "n_train": grouped.mean().index,
            "mean_rmse_eV": grouped.mean().to_numpy(),
            "std_rmse_eV": grouped.std(ddof=0).to_numpy(),
            "min_rmse_eV": grouped.min().to_numpy(),
            "max_rmse_eV": grouped.max().to_numpy(),
            "n_seeds": grouped.size().to_numpy(),
        }
    )


def write_learning_curve(
    curve: pd.DataFrame, bond_type: str, tsv: str | Path, png: str | Path
) -> None:
    """TSV of the per-size summary and a log-log plot of mean +- std with each seed's points."""
    summary = summarise_learning_curve(curve)
    write_text(tsv, summary.to_csv(sep="\t", index=False, float_format="%.6f"))
    figure = pyplot_free_figure(6, 4.5)
    axes = figure.add_subplot(1, 1, 1)
    axes.scatter(curve["n_train"], curve["rmse_eV"], s=8, color="0.6", label="seeds")
    axes.errorbar(
        summary["n_train"],
        summary["mean_rmse_eV"],
        yerr=summary["std_rmse_eV"],
        color="k",
        marker="o",
        capsize=3,
        label="mean ± std",
    )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("training set size (bonds)")
    axes.set_ylabel("test RMSE of -ICOHP (eV)")
    axes.set_title(f"{bond_type} learning curve")
    axes.legend()
    figure.tight_layout()
    save_figure(figure, png)
