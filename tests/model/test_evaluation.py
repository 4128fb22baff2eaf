"""Grouped evaluation: folds that hold whole sub-runs out, coverage of the errors."""

from __future__ import annotations

import numpy as np
import pytest

from glassbonds.model.bonds import load_bond_set
from glassbonds.model.evaluation import (
    bond_groups,
    coverage,
    grouped_folds,
)

RUN21_TYPES = ("Zr-Cu", "Zr-Zr", "Cu-Cu", "Zr-Al", "Cu-Al")


@pytest.mark.parametrize("n_folds", [None, 5])
def test_grouped_split_never_puts_one_subrun_on_both_sides(run21_store, n_folds):
    bonds = {t: load_bond_set(run21_store, t) for t in RUN21_TYPES}
    folds = grouped_folds(np.concatenate([b.groups for b in bonds.values()]), n_folds, seed=3)
    assert len(folds) == (14 if n_folds is None else 5)
    held_out = [g for fold in folds for g in fold.test_groups]
    assert sorted(held_out) == sorted(set(held_out)) and len(held_out) == 14
    for fold in folds:
        for bond_set in bonds.values():
            groups = bond_groups(bond_set)
            train, test = fold.split(groups)
            assert len(train) + len(test) == len(bond_set)
            assert not set(groups[train]) & set(groups[test])


def test_coverage_of_errors_with_known_noise():
    rng = np.random.default_rng(0)
    std = rng.uniform(0.02, 0.2, 40_000)
    error = rng.normal(0.0, std)
    # Gaussian: P(|e| <= sigma) = 0.6827, P(|e| <= 2 sigma) = 0.9545; sampling SE ~ 0.0023.
    assert coverage(error, std, 1.0) == pytest.approx(0.6827, abs=0.01)
    assert coverage(error, std, 2.0) == pytest.approx(0.9545, abs=0.01)
    # Half the std: "within 1 std" is within half a true std, P = 0.3829.
    assert coverage(error, 0.5 * std, 1.0) == pytest.approx(0.3829, abs=0.01)
