"""Baselines of -ICOHP against bond length: known curves recovered, fallbacks, model-file form."""

from __future__ import annotations

import numpy as np
import pytest

from glassbonds.errors import InputError
from glassbonds.model.baseline import Baseline, fit_baseline


def test_an_exact_exponential_is_recovered():
    distance = np.linspace(2.4, 3.8, 60)
    target = 1.7 * np.exp(-2.3 * (distance - 3.0)) + 0.05
    fitted = fit_baseline("exponential", distance, target)
    assert fitted.kind == "exponential"
    np.testing.assert_allclose(fitted(distance), target, atol=1e-8)
    assert fitted.params["b"] == pytest.approx(2.3, rel=1e-6)


def test_constant_is_the_mean_and_none_is_zero():
    distance, target = np.array([2.5, 2.7, 3.1]), np.array([1.0, 0.5, 0.3])
    assert fit_baseline("constant", distance, target)(np.array([9.0]))[0] == pytest.approx(0.6)
    np.testing.assert_array_equal(fit_baseline("none", distance, target)(distance), 0.0)


def test_too_few_bonds_or_one_length_fall_back_to_the_mean():
    assert fit_baseline("exponential", np.array([2.5, 2.6]), np.array([1.0, 0.8])).kind == (
        "constant"
    )
    same = fit_baseline("exponential", np.full(10, 2.7), np.linspace(0.5, 1.0, 10))
    assert same == Baseline("constant", {"c": 0.75})


def test_model_file_form_round_trips_and_unknown_kinds_are_refused():
    fitted = fit_baseline("exponential", np.linspace(2.4, 3.8, 20), np.linspace(2.0, 0.2, 20))
    assert Baseline.from_dict(fitted.as_dict()) == fitted
    assert Baseline.from_dict(None) == Baseline()
    with pytest.raises(InputError, match="unknown kind 'linear'"):
        fit_baseline("linear", np.ones(3), np.ones(3))
    with pytest.raises(InputError, match="unknown kind"):
        Baseline.from_dict({"kind": "linear"})
