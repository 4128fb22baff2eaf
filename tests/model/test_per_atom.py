"""Per-atom model: summed -ICOHP of a centre from its SOAP vector, judged by held-out sub-runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glassbonds.errors import InputError
from glassbonds.model.per_atom import (
    error_summary,
    evaluate_per_atom,
    grouped_predictions,
)
from tests.factories import per_atom_settings


def synthetic_clusters(n_subruns: int, per_subrun: int, noise: float, seed: int = 0):
    """Unit SOAP-like vectors and a target linear in them plus Gaussian noise of known std."""
    rng = np.random.default_rng(seed)
    soap = np.abs(rng.normal(size=(n_subruns * per_subrun, 30)))
    soap /= np.linalg.norm(soap, axis=1, keepdims=True)
    weights = rng.normal(size=30) * 20.0
    # no intercept in the kernel: keep the noise-free target's mean at zero
    centre = soap.mean(axis=0)
    weights -= (centre @ weights) / (centre @ centre) * centre
    target = soap @ weights + rng.normal(scale=noise, size=len(soap))
    rows = pd.DataFrame(
        {
            "run": 1,
            "subrun": np.repeat(np.arange(n_subruns), per_subrun),
            "centre": np.tile(np.arange(per_subrun), n_subruns),
            "sum_minus_icohp": target,
        }
    )
    return rows, soap


def test_error_summary_on_known_errors():
    target = np.zeros(4)
    predicted = np.array([1.0, -1.0, 3.0, 0.5])
    std = np.ones(4)
    summary = error_summary(target, predicted, std)
    assert summary["rmse_eV"] == pytest.approx(np.sqrt((1 + 1 + 9 + 0.25) / 4))
    assert summary["mae_eV"] == pytest.approx(5.5 / 4)
    assert summary["bias_eV"] == pytest.approx(3.5 / 4)
    assert summary["coverage_1std"] == pytest.approx(0.75)
    assert summary["coverage_2std"] == pytest.approx(0.75)


def test_held_out_errors_follow_the_known_noise():
    rows, soap = synthetic_clusters(n_subruns=6, per_subrun=40, noise=0.3)
    held_out, summary = evaluate_per_atom(rows, soap, "Cu", per_atom_settings())
    assert len(held_out) == len(rows)
    # the model cannot beat the noise, and with 200 training points it comes close to it
    assert 0.25 < summary["rmse_eV"] < 0.45
    # a calibrated std: about 68 % and 95 % of 240 errors within 1 and 2 std
    assert 0.55 < summary["coverage_1std"] < 0.8
    assert 0.88 < summary["coverage_2std"] <= 1.0


def test_each_fold_holds_out_one_whole_subrun(monkeypatch):
    rows, soap = synthetic_clusters(n_subruns=4, per_subrun=10, noise=0.1)
    seen = []
    import glassbonds.model.per_atom as per_atom

    original = per_atom.per_atom_regressor

    class Spy:
        def __init__(self, settings):
            self.model = original(settings)

        def fit(self, x, y):
            seen.append({tuple(v) for v in x})
            self.model.fit(x, y)
            return self

        def predict(self, x, return_std):
            overlap = {tuple(v) for v in x} & seen[-1]
            assert not overlap, "a held-out cluster was in training"
            return self.model.predict(x, return_std=return_std)

    monkeypatch.setattr(per_atom, "per_atom_regressor", Spy)
    groups = rows["subrun"].to_numpy()
    grouped_predictions(soap, rows["sum_minus_icohp"].to_numpy(), groups, per_atom_settings())
    assert len(seen) == 4
    assert all(len(train) == 30 for train in seen)


def test_one_subrun_cannot_be_evaluated():
    rows, soap = synthetic_clusters(n_subruns=1, per_subrun=30, noise=0.1)
    with pytest.raises(InputError, match="at least two sub-runs"):
        evaluate_per_atom(rows, soap, "Zr", per_atom_settings())


def test_too_few_clusters_are_reported_not_fitted():
    rows, soap = synthetic_clusters(n_subruns=3, per_subrun=3, noise=0.1)
    held_out, summary = evaluate_per_atom(rows, soap, "Al", per_atom_settings(min_clusters=20))
    assert held_out.empty
    assert "not evaluated" in summary["note"]
