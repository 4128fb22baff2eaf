"""Calibration of the predictive std, on synthetic cases with a known answer and on run 21."""

from __future__ import annotations

import numpy as np
import pytest

from glassbonds.model.bonds import Hyperparameters, load_bond_set
from glassbonds.model.calibration import cross_calibrated_std, fit_calibration
from glassbonds.model.evaluation import (
    coverage,
    cross_validate,
    grouped_folds,
    metrics,
)


def test_calibration_recovers_coverage_from_a_miscaled_latent_variance():
    rng = np.random.default_rng(1)
    latent = rng.uniform(0.0, 1.0, 20_000)
    error = rng.normal(0.0, np.sqrt(0.04 * latent + 0.001))
    assert coverage(error, np.sqrt(latent), 1.0) > 0.95  # uncalibrated: far too wide
    calibration = fit_calibration(error, latent)
    std = calibration.std(latent)
    assert coverage(error, std, 1.0) == pytest.approx(0.68, abs=0.02)
    assert coverage(error, std, 2.0) == pytest.approx(0.95, abs=0.02)
    np.testing.assert_allclose(std, np.sqrt(0.04 * latent + 0.001), rtol=0.25)


def test_cross_calibration_judges_each_fold_with_the_others_only(run21_store):
    bonds = {"Cu-Al": load_bond_set(run21_store, "Cu-Al")}
    folds = grouped_folds(bonds["Cu-Al"].groups, 4, seed=0)
    hp = Hyperparameters(1, 0.5, 0.005)
    predictions = cross_validate(
        bonds,
        {"study": lambda train, t: hp.estimator().fit(train[t].features(), train[t].target)},
        folds,
    )
    calibrated = predictions.assign(std=cross_calibrated_std(predictions))
    table = metrics(calibrated).iloc[0]
    assert table["n_bonds"] == 136 and table["n_groups"] == 14
    # Changing the errors of fold 0 must not change the calibrated std of fold 0.
    changed = predictions.copy()
    changed.loc[changed["fold"] == 0, "target"] += 1.0
    in_fold = predictions["fold"] == 0
    np.testing.assert_array_equal(
        cross_calibrated_std(changed)[in_fold], calibrated["std"].to_numpy()[in_fold]
    )
