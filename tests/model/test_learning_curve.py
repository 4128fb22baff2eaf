"""Learning curve: test RMSE against training size, table and plot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glassbonds.errors import InputError
from glassbonds.model.bonds import Hyperparameters
from glassbonds.model.learning_curve import (
    learning_curve,
    summarise_learning_curve,
    write_learning_curve,
)
from tests.factories import synthetic_bonds


def test_learning_curve_table_and_plot(tmp_path):
    bonds = synthetic_bonds(260)
    curve = learning_curve(bonds, [20, 60, 180], 60, Hyperparameters(1.0, 0.5, 0.005), [0, 1, 2])
    assert len(curve) == 9
    summary = summarise_learning_curve(curve)
    assert summary["n_train"].tolist() == [20, 60, 180]
    assert summary["n_seeds"].tolist() == [3, 3, 3]
    assert summary["mean_rmse_eV"].iloc[-1] < summary["mean_rmse_eV"].iloc[0]
    expected = curve[curve["n_train"] == 60]["rmse_eV"]
    assert summary["std_rmse_eV"].iloc[1] == pytest.approx(np.std(expected))
    write_learning_curve(curve, "Zr-Cu", tmp_path / "lc.tsv", tmp_path / "lc.png")
    table = pd.read_csv(tmp_path / "lc.tsv", sep="\t")
    assert table.columns.tolist()[:3] == ["n_train", "mean_rmse_eV", "std_rmse_eV"]
    assert (tmp_path / "lc.png").stat().st_size > 1000
    with pytest.raises(InputError, match="requested"):
        learning_curve(bonds, [250], 60, Hyperparameters(1.0, 0.5, 0.01), [0])
