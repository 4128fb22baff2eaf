"""Advisory k-fold grid search of the hyperparameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import KFold

from glassbonds.errors import InputError
from glassbonds.model.bonds import Hyperparameters
from glassbonds.model.grid_search import select_hyperparameters, write_selection
from tests.factories import synthetic_bonds


def test_hyperparameter_selection_picks_lowest_cv_rmse(tmp_path):
    bonds = synthetic_bonds(200)
    grid = {"zeta": [1.0, 2.0], "sigma": [0.05, 0.5], "gamma": [0.001, 0.1]}
    selection = select_hyperparameters(bonds, grid, n_train=120, folds=3, seed=4)
    scores = selection.scores
    assert len(scores) == 8
    assert scores["chosen"].sum() == 1
    chosen = scores[scores["chosen"]].iloc[0]
    assert chosen["mean_rmse_eV"] == pytest.approx(scores["mean_rmse_eV"].min())
    assert selection.best.sigma == chosen["sigma"]
    # The CV score of one candidate recomputed by hand with the same folds.
    subset = bonds.take(np.random.default_rng(4).permutation(len(bonds))[:120])
    X, y = subset.features(), subset.target
    errors = []
    for train, test in KFold(3, shuffle=True, random_state=4).split(X):
        model = Hyperparameters(2.0, 0.05, 0.1).estimator().fit(X[train], y[train])
        errors.append(np.sqrt(np.mean((model.predict(X[test]) - y[test]) ** 2)))
    row = scores[(scores.zeta == 2.0) & (scores.sigma == 0.05) & (scores.gamma == 0.1)]
    assert row["mean_rmse_eV"].iloc[0] == pytest.approx(np.mean(errors), rel=1e-9)
    write_selection(selection, tmp_path / "s.tsv", tmp_path / "c.tsv", tmp_path / "s.png")
    chosen_table = pd.read_csv(tmp_path / "c.tsv", sep="\t")
    assert chosen_table[["zeta", "sigma", "gamma"]].iloc[0].tolist() == [
        selection.best.zeta,
        selection.best.sigma,
        selection.best.gamma,
    ]
    assert len(pd.read_csv(tmp_path / "s.tsv", sep="\t")) == 8
    with pytest.raises(InputError, match="zeta/sigma/gamma"):
        select_hyperparameters(bonds, {"theta": [1.0]}, 50, 3, 0)
