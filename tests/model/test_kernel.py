"""Behaviour of the SOAP-distance bond kernel regressor on small random data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import KFold, cross_val_score

from glassbonds.errors import InputError
from glassbonds.model.features import bond_feature_matrix, split_features
from glassbonds.model.files import load_model, save_model
from glassbonds.model.kernel import SoapBondKernelRegressor, kernel_block
from glassbonds.model.predictive_std import series_term_count
from tests.factories import random_bonds


def per_pair_kernel(X1, X2, kernel, zeta, sigma):
    """The study's formula, one pair at a time with the four separate dot products."""
    d1, a1, b1 = split_features(X1)
    d2, a2, b2 = split_features(X2)
    out = np.empty((len(d1), len(d2)))
    for i in range(len(d1)):
        for j in range(len(d2)):
            if kernel == "se":
                out[i, j] = np.exp(-((d1[i] - d2[j]) ** 2) / (2 * sigma**2))
            elif kernel == "ou":
                out[i, j] = np.exp(-abs(d1[i] - d2[j]) / sigma)
            else:
                dots = a1[i] @ a2[j] + b1[i] @ b2[j] + a1[i] @ b2[j] + b1[i] @ a2[j]
                out[i, j] = np.exp(-((d1[i] - d2[j]) ** 2) / (2 * sigma**2)) * (0.25 * dots) ** zeta
    return out


def test_features_round_trip():
    X, _ = random_bonds(7)
    distance, soap_a, soap_b = split_features(X)
    assert np.array_equal(bond_feature_matrix(distance, soap_a, soap_b), X)
    assert soap_a.shape == (7, 24)


@pytest.mark.parametrize(
    ("kernel", "zeta"),
    [
        ("soap_distance", 1.0),
        ("soap_distance", 2.0),
        ("soap_distance", 1.5),
        ("se", 1.0),
        ("ou", 1.0),
    ],
)
def test_vectorised_kernel_equals_per_pair_formula(kernel, zeta):
    X1, _ = random_bonds(13, seed=1)
    X2, _ = random_bonds(9, seed=2)
    d1, a1, b1 = split_features(X1)
    d2, a2, b2 = split_features(X2)
    fast = kernel_block(d1, a1 + b1, d2, a2 + b2, kernel, zeta, 0.37)
    slow = per_pair_kernel(X1, X2, kernel, zeta, 0.37)
    np.testing.assert_allclose(fast, slow, rtol=1e-10, atol=0)


def test_cholesky_fit_equals_linear_solve_and_prediction_formula():
    X, y = random_bonds(60)
    model = SoapBondKernelRegressor(zeta=2.0, sigma=0.4, gamma=0.02).fit(X, y)
    K = per_pair_kernel(X, X, "soap_distance", 2.0, 0.4)
    noise = np.std(y) * 0.02
    assert model.noise_ == pytest.approx(noise, rel=1e-14)
    expected_alpha = np.linalg.solve(K + noise * np.eye(len(y)), y)
    np.testing.assert_allclose(model.alpha_, expected_alpha, rtol=1e-8, atol=1e-10)
    X_test, _ = random_bonds(11, seed=5)
    expected = per_pair_kernel(X_test, X, "soap_distance", 2.0, 0.4) @ expected_alpha
    np.testing.assert_allclose(model.predict(X_test), expected, rtol=1e-8, atol=1e-10)
    L = model.cholesky_
    np.testing.assert_allclose(L @ L.T, K + noise * np.eye(len(y)), atol=1e-12)
    assert np.all(np.triu(L, 1) == 0)


def test_fitted_attributes_describe_the_training_bonds():
    X, y = random_bonds(20)
    model = SoapBondKernelRegressor().fit(X, y)
    distance, soap_a, soap_b = split_features(X)
    np.testing.assert_array_equal(model.train_distance_, distance)
    np.testing.assert_array_equal(model.train_soap_sum_, soap_a + soap_b)
    assert model.alpha_.shape == (20,)
    assert model.cholesky_.shape == (20, 20)


def test_predictions_do_not_depend_on_block_size(monkeypatch):
    import glassbonds.model.kernel as km

    X, y = random_bonds(50)
    X_test, _ = random_bonds(30, seed=3)
    whole = SoapBondKernelRegressor().fit(X, y).predict(X_test, return_std=True)
    monkeypatch.setattr(km, "BLOCK_NUMBERS", 7 * 50)  # 7 rows per block
    blocked = SoapBondKernelRegressor().fit(X, y).predict(X_test, return_std=True)
    np.testing.assert_allclose(blocked[0], whole[0], rtol=1e-12)
    np.testing.assert_allclose(blocked[1], whole[1], rtol=1e-9, atol=1e-12)


def test_predictive_std_nonnegative_and_vanishes_at_training_points():
    X, y = random_bonds(40)
    model = SoapBondKernelRegressor(gamma=1e-9).fit(X, y)
    mean, std = model.predict(X, return_std=True)
    assert np.all(std >= 0)
    assert std.max() < 1e-3
    np.testing.assert_allclose(mean, y, atol=1e-4)
    X_far, _ = random_bonds(10, seed=9)
    X_far[:, 0] += 5.0  # bonds 5 angstrom longer: no training bond nearby
    _, std_far = model.predict(X_far, return_std=True)
    assert np.all(std_far > 0.5)


@pytest.mark.parametrize("kernel", ["soap_distance", "se", "ou"])
def test_clone_and_cross_val_score(kernel):
    X, y = random_bonds(80)
    estimator = SoapBondKernelRegressor(kernel=kernel, sigma=0.3, gamma=0.01)
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params()
    scores = cross_val_score(copy, X, y, cv=KFold(4, shuffle=True, random_state=0), scoring="r2")
    assert scores.shape == (4,)
    assert np.all(np.isfinite(scores))
    if kernel == "soap_distance":
        assert scores.mean() > 0.5  # the target is a smooth function of the features


def test_save_load_round_trip_is_exact(tmp_path):
    X, y = random_bonds(30)
    X_test, _ = random_bonds(12, seed=4)
    model = SoapBondKernelRegressor(zeta=2.0, sigma=0.7, gamma=0.005).fit(X, y)
    metadata = {"bond_type": "Zr-Cu", "descriptor_parameters": {"r_cut": 3.75}, "db": "DB4"}
    path = tmp_path / "model.npz"
    save_model(model, path, metadata)
    loaded, loaded_metadata = load_model(path)
    assert loaded_metadata == metadata
    assert loaded.get_params() == model.get_params()
    for original, again in zip(
        model.predict(X_test, return_std=True), loaded.predict(X_test, return_std=True), strict=True
    ):
        np.testing.assert_array_equal(original, again)
    with np.load(path, allow_pickle=False) as data:  # readable without pickle
        assert "alpha" in data.files


def test_load_rejects_foreign_file(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, something=np.zeros(3))
    with pytest.raises(InputError, match="not a kernel model file"):
        load_model(path)


def test_nystrom_with_all_bonds_as_landmarks_equals_exact():
    X, y = random_bonds(60)
    X_test, _ = random_bonds(15, seed=6)
    exact = SoapBondKernelRegressor(gamma=0.01).fit(X, y)
    full = SoapBondKernelRegressor(gamma=0.01, nystrom_landmarks=60).fit(X, y)
    np.testing.assert_allclose(full.predict(X_test), exact.predict(X_test), atol=1e-6)
    np.testing.assert_allclose(
        full.predict(X_test, return_std=True)[1],
        exact.predict(X_test, return_std=True)[1],
        atol=1e-5,
    )


def test_nystrom_subset_approximates_exact_and_round_trips(tmp_path):
    X, y = random_bonds(300)
    X_test, y_test = random_bonds(100, seed=7)
    exact = SoapBondKernelRegressor(gamma=0.01).fit(X, y)
    approx = SoapBondKernelRegressor(gamma=0.01, nystrom_landmarks=100).fit(X, y)
    assert approx.alpha_.shape == (100,)
    assert approx.train_soap_sum_.shape == (100, 24)
    rmse_exact = np.sqrt(np.mean((exact.predict(X_test) - y_test) ** 2))
    rmse_approx = np.sqrt(np.mean((approx.predict(X_test) - y_test) ** 2))
    assert rmse_approx < 2 * rmse_exact + 0.02
    save_model(approx, tmp_path / "n.npz", {})
    loaded, _ = load_model(tmp_path / "n.npz")
    np.testing.assert_array_equal(
        loaded.predict(X_test, return_std=True)[1], approx.predict(X_test, return_std=True)[1]
    )


def test_bad_input_is_reported():
    X, y = random_bonds(10)
    X_nan = X.copy()
    X_nan[3, 5] = np.nan
    with pytest.raises(InputError, match="NaN"):
        SoapBondKernelRegressor().fit(X_nan, y)
    y_nan = y.copy()
    y_nan[0] = np.nan
    with pytest.raises(InputError, match="NaN"):
        SoapBondKernelRegressor().fit(X, y_nan)
    with pytest.raises(InputError, match="unknown kernel"):
        SoapBondKernelRegressor(kernel="rbf").fit(X, y)
    with pytest.raises(InputError, match="sigma"):
        SoapBondKernelRegressor(sigma=0.0).fit(X, y)
    with pytest.raises(InputError, match="no bonds"):
        SoapBondKernelRegressor().fit(X[:0], y[:0])
    model = SoapBondKernelRegressor().fit(X, y)
    with pytest.raises(InputError, match="features"):
        model.predict(X[:, :-2])
    with pytest.raises(InputError, match="not fitted"):
        SoapBondKernelRegressor().predict(X)


@pytest.mark.parametrize(("n", "block"), [(10, 3), (257, 64), (300, 300)])
def test_blocked_cholesky_reads_only_the_lower_triangle(n, block):
    from glassbonds.model.kernel import _cholesky_in_place

    rng = np.random.default_rng(n)
    m = rng.random((n, n))
    a = m @ m.T + n * np.eye(n)
    work = np.asfortranarray(a)
    work[np.triu_indices(n, 1)] = np.nan  # must never be read
    _cholesky_in_place(work, block)
    np.testing.assert_allclose(np.tril(work), np.linalg.cholesky(a), atol=1e-10)


@pytest.mark.parametrize(("sigma", "zeta"), [(0.5, 1.0), (1.0, 1.0), (0.05, 1.0), (0.5, 2.0)])
def test_predicted_mean_equals_the_kernel_times_weights(sigma, zeta):
    """The zeta = 1 series shortcut (and the fallbacks) against K_* alpha written out."""
    rng = np.random.default_rng(11)

    def bonds(n, low, high):
        p = rng.random((2, n, 40))
        p /= np.linalg.norm(p, axis=2, keepdims=True)
        return bond_feature_matrix(rng.uniform(low, high, n), p[0], p[1])

    train, test = bonds(150, 2.2, 4.2), bonds(60, 1.9, 4.5)
    model = SoapBondKernelRegressor(zeta=zeta, sigma=sigma, gamma=0.01)
    model.fit(train, rng.uniform(0.1, 2.5, 150))
    distance, soap_a, soap_b = split_features(test)
    expected = (
        kernel_block(
            distance,
            soap_a + soap_b,
            model.train_distance_,
            model.train_soap_sum_,
            "soap_distance",
            zeta,
            sigma,
        )
        @ model.alpha_
    )
    np.testing.assert_allclose(model.predict(test), expected, rtol=1e-10, atol=1e-12)
    # the shortcut is used where it applies and refused where it would need too many terms
    assert (series_term_count(1.3, sigma) is None) == (sigma == 0.05)
