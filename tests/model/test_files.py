"""Model files: the canonical form of the contract with fast inference, old files, defaults."""

from __future__ import annotations

import json

import numpy as np
from scipy.linalg import solve_triangular

from glassbonds.model.features import split_features
from glassbonds.model.files import load_model, save_model
from glassbonds.model.kernel import SoapBondKernelRegressor, kernel_diagonal
from tests.factories import random_bonds


def canonical_prediction(model, X):
    """The module docstring's formula, written out from the stored arrays only."""
    distance, soap_a, soap_b = split_features(X)
    s = soap_a + soap_b
    g = np.exp(-(np.subtract.outer(distance, model.train_distance_) ** 2) / (2 * model.sigma**2))
    k_star = g * (0.25 * s @ model.train_soap_sum_.T) ** model.zeta
    mean = model.baseline_(distance) + k_star @ model.alpha_
    v = solve_triangular(model.cholesky_, k_star.T, lower=True)
    latent = kernel_diagonal(distance, s, "soap_distance", model.zeta) - np.sum(v * v, axis=0)
    std = model.std_scale_ * np.sqrt(
        model.amplitude_ * np.maximum(latent, 0) + model.noise_variance_
    )
    return mean, std


def test_calibrated_baseline_model_round_trips_and_follows_the_canonical_form(tmp_path):
    X, y = random_bonds(60, seed=3)
    model = SoapBondKernelRegressor(sigma=0.4, gamma=0.02, baseline="exponential").fit(X, y)
    assert model.baseline_.kind == "exponential"
    model.amplitude_, model.noise_variance_, model.std_scale_ = 0.3, 0.002, 1.7
    save_model(model, tmp_path / "m.npz", {"bond_type": "Zr-Cu"})
    loaded, metadata = load_model(tmp_path / "m.npz")
    assert metadata == {"bond_type": "Zr-Cu"}
    X_test, _ = random_bonds(25, seed=4)
    mean, std = model.predict(X_test, return_std=True)
    mean_loaded, std_loaded = loaded.predict(X_test, return_std=True)
    assert np.array_equal(mean, mean_loaded) and np.array_equal(std, std_loaded)
    reference_mean, reference_std = canonical_prediction(loaded, X_test)
    np.testing.assert_allclose(mean, reference_mean, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(std, reference_std, rtol=1e-10, atol=1e-12)


def test_a_format_1_file_loads_with_the_defaults_and_predicts_the_same(tmp_path):
    X, y = random_bonds(40, seed=5)
    model = SoapBondKernelRegressor().fit(X, y)
    save_model(model, tmp_path / "new.npz", {})
    with np.load(tmp_path / "new.npz") as data:
        arrays = {key: data[key] for key in data.files}
    meta = json.loads(str(arrays.pop("meta")))
    old_meta = {
        "format": "glassbonds-kernel-model/1",
        "params": {k: v for k, v in meta["params"].items() if k != "baseline"},
        "noise": meta["noise"],
        "n_features_in": meta["n_features_in"],
        "metadata": {},
    }
    np.savez(tmp_path / "old.npz", meta=np.array(json.dumps(old_meta)), **arrays)
    old, _ = load_model(tmp_path / "old.npz")
    assert (old.baseline_.kind, old.amplitude_, old.noise_variance_, old.std_scale_) == (
        "none",
        1.0,
        0.0,
        1.0,
    )
    X_test, _ = random_bonds(10, seed=6)
    for a, b in zip(old.predict(X_test, True), model.predict(X_test, True), strict=True):
        assert np.array_equal(a, b)
