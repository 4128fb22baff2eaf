"""The low-rank predictive std (zeta = 1) against the exact std, and its exact fallback."""

from __future__ import annotations

import numpy as np
import pytest

from glassbonds.inference.models import FittedModel
from glassbonds.inference.prediction import BondTypePredictor
from glassbonds.model.features import bond_feature_matrix
from glassbonds.model.kernel import SoapBondKernelRegressor
from glassbonds.model.predictive_std import (
    STD_TOLERANCE,
    LowRankStd,
    SeriesExpansion,
    calibrated_std,
)

WINDOW = (2.5, 3.6)


def _atoms(rng, n_atoms: int, n_features: int, rank: int, extra: np.ndarray | None = None):
    """Non-negative unit vectors mixing ``rank`` fixed directions (SOAP-like, low rank)."""
    basis = np.abs(np.random.default_rng(0).normal(size=(rank, n_features)))
    soap = rng.uniform(0.0, 1.0, size=(n_atoms, rank)) @ basis
    if extra is not None:
        soap = soap + extra
    return soap / np.linalg.norm(soap, axis=1, keepdims=True)


def _model(rng, soap, n_train=300, calibrated=False):
    pairs = rng.integers(0, len(soap), size=(n_train, 2))
    distance = rng.uniform(*WINDOW, n_train)
    target = 2.0 * np.exp(-(distance - 2.5)) + 0.05 * rng.normal(size=n_train)
    model = SoapBondKernelRegressor(sigma=0.5, gamma=0.01)
    model.fit(bond_feature_matrix(distance, soap[pairs[:, 0]], soap[pairs[:, 1]]), target)
    if calibrated:
        model.amplitude_, model.noise_variance_, model.std_scale_ = 2.0, 1e-5, 1.3
    return model


def _exact_std(model, soap, a, b, d):
    return model.predict(bond_feature_matrix(d, soap[a], soap[b]), return_std=True)[1]


def _bonds(rng, n_atoms, n_bonds):
    pairs = rng.integers(0, n_atoms, size=(n_bonds, 2))
    return pairs[:, 0], pairs[:, 1], rng.uniform(*WINDOW, n_bonds)


@pytest.mark.parametrize("calibrated", [False, True])
def test_low_rank_std_matches_the_exact_std(calibrated: bool) -> None:
    rng = np.random.default_rng(1)
    soap = _atoms(rng, 500, 80, rank=6)
    model = _model(rng, soap, calibrated=calibrated)
    predictor = BondTypePredictor(FittedModel("Zr-Cu", model, {}, "m.npz"), WINDOW)
    low_rank = predictor.low_rank
    assert low_rank is not None and low_rank.rank < 6 * low_rank.distance_basis.shape[1]
    a, b, d = _bonds(rng, len(soap), 2000)
    mean, std = predictor.std_fast(soap, a, b, d)
    exact = _exact_std(model, soap, a, b, d)
    assert predictor.last_fallback < len(d) // 2  # the low-rank path did most of the work
    method = predictor.std_method(len(d))
    assert method.startswith(f"low rank, relative tolerance {STD_TOLERANCE:g}")
    assert method.endswith(f"{predictor.last_fallback} of {len(d)} bonds recomputed exactly")
    assert np.max(np.abs(std / exact - 1)) <= STD_TOLERANCE
    np.testing.assert_allclose(mean, model.predict(bond_feature_matrix(d, soap[a], soap[b])))


@pytest.mark.parametrize("foreign_weight", [0.5, 3.0])
def test_bonds_outside_the_training_span_get_the_right_std_without_recomputation(
    foreign_weight: float,
) -> None:
    rng = np.random.default_rng(2)
    soap = _atoms(rng, 400, 80, rank=6)
    model = _model(rng, soap)
    # New atoms with a SOAP direction no training bond has: their part outside the span of the
    # low-rank bases is counted exactly by the prior, so the low-rank std stays accurate.
    foreign = _atoms(rng, 50, 80, rank=6, extra=np.eye(80)[70] * foreign_weight)
    everything = np.vstack([soap, foreign])
    predictor = BondTypePredictor(FittedModel("Zr-Cu", model, {}, "m.npz"), WINDOW)
    a = np.concatenate([rng.integers(0, 400, 100), 400 + np.arange(50)])
    b = rng.integers(0, 400, 150)
    d = rng.uniform(*WINDOW, 150)
    low_rank = predictor.low_rank
    used, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    atoms = low_rank.project_atoms(everything[used])
    summed = everything[a] + everything[b]
    prior = 0.25 * np.einsum("ij,ij->i", summed, summed)
    latent, ok = low_rank.latent(atoms, inverse[:150], inverse[150:], d, prior)
    exact = _exact_std(model, everything, a, b, d)

    def outside_share(q):  # |q|^2 share outside the span of the SOAP basis
        y = q @ low_rank.soap_basis
        return 1 - np.einsum("ij,ij->i", y, y) / np.einsum("ij,ij->i", q, q)

    training = outside_share(model.train_soap_sum_).max()
    assert np.all(outside_share(summed[100:]) > 1000 * max(training, 1e-12))
    assert ok[100:].all()  # no recomputation needed...
    error = np.abs(calibrated_std(model, latent) / exact - 1)
    assert np.max(error[100:]) <= 0.5 * STD_TOLERANCE  # ...because the std is right


def test_a_coarse_truncation_is_caught_by_the_per_bond_bound() -> None:
    rng = np.random.default_rng(3)
    soap = _atoms(rng, 500, 80, rank=6)
    model = _model(rng, soap)
    expansion = SeriesExpansion.for_model(model, WINDOW)
    # Keep only eigenvalues above 0.9: the bound must reject bonds that the truncation spoils.
    low_rank = LowRankStd.build(model, expansion, eigen_floor=0.9)
    a, b, d = _bonds(rng, len(soap), 1000)
    used, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    atoms = low_rank.project_atoms(soap[used])
    summed = soap[a] + soap[b]
    prior = 0.25 * np.einsum("ij,ij->i", summed, summed)
    latent, ok = low_rank.latent(atoms, inverse[:1000], inverse[1000:], d, prior)
    error = np.abs(calibrated_std(model, latent) / _exact_std(model, soap, a, b, d) - 1)
    assert (error > STD_TOLERANCE).any()  # the coarse truncation is wrong somewhere...
    assert not ok[error > STD_TOLERANCE].any()  # ...and every such bond is flagged


def test_unstructured_soap_keeps_the_exact_std() -> None:
    rng = np.random.default_rng(4)
    soap = np.abs(rng.normal(size=(300, 40)))
    soap /= np.linalg.norm(soap, axis=1, keepdims=True)
    model = _model(rng, soap, n_train=200)
    assert LowRankStd.build(model, SeriesExpansion.for_model(model, WINDOW)) is None


def test_low_rank_std_on_real_run21_bonds(run21_store) -> None:
    """Zr-Zr model of run 21 (real SOAP and -ICOHP), bonds of held-out sub-runs."""
    from glassbonds.model.bonds import load_bond_set

    bonds = load_bond_set(run21_store, "Zr-Zr")
    held_out = np.array([group.endswith(("/0", "/1")) for group in bonds.groups])
    train = bonds.take(np.flatnonzero(~held_out))
    test = bonds.take(np.flatnonzero(held_out))
    model = SoapBondKernelRegressor(sigma=0.5, gamma=0.01).fit(train.features(), train.target)
    window = (float(test.distance.min()), float(test.distance.max()))
    predictor = BondTypePredictor(FittedModel("Zr-Zr", model, {}, "m.npz"), window)
    low_rank = predictor.low_rank
    assert low_rank is not None
    # Real SOAP: the later distance directions pair with fewer SOAP directions.
    counts, m = low_rank.soap_counts, low_rank.soap_basis.shape[1]
    assert counts[0] == m and counts[-1] < m and np.all(np.diff(counts) <= 0)
    soap = np.vstack([test.soap_a, test.soap_b])  # one 'atom' per bond end
    a, b = np.arange(len(test)), len(test) + np.arange(len(test))
    _, std = predictor.std_fast(soap, a, b, test.distance)
    exact = model.predict(test.features(), return_std=True)[1]
    assert np.max(np.abs(std / exact - 1)) <= STD_TOLERANCE
    assert predictor.last_fallback < len(test)  # not everything went the exact way


def test_frames_of_other_sizes_reuse_the_predictor_without_changing_the_std() -> None:
    """The per-atom products live in a buffer kept across frames: a smaller then a larger
    frame through one predictor give the std a fresh predictor gives."""
    rng = np.random.default_rng(6)
    soap = _atoms(rng, 500, 80, rank=6)
    model = _model(rng, soap)
    reused = BondTypePredictor(FittedModel("Zr-Cu", model, {}, "m.npz"), WINDOW)
    for n_atoms, n_bonds in ((120, 150), (500, 900), (60, 40)):
        a, b, d = _bonds(rng, n_atoms, n_bonds)
        frame = soap[:n_atoms]
        fresh = BondTypePredictor(FittedModel("Zr-Cu", model, {}, "m.npz"), WINDOW)
        np.testing.assert_allclose(
            reused.std_fast(frame, a, b, d)[1], fresh.std_fast(frame, a, b, d)[1], rtol=1e-12
        )
