"""A joint model over bond types: scarce types (Zr-Al, Cu-Al) borrow strength from abundant ones.

For the model of target type t, the training bonds are those of t plus bonds of helper types
u (capped per type), each with its own baseline (``baseline.py``) and the GP on residuals.
The covariance between training bonds i, j of types t_i, t_j is

    cov(i, j) = B(t_i, t_j) * k(i, j),    B = c c^T + diag(1 - c^2),   c_t = 1, c_u = rho_u,

k the study kernel and rho_u in [0, 1) the learned correlation between t and u (one per pair
of types, fitted by log marginal likelihood, :func:`fit_correlations`). B is a valid
correlation matrix (positive semi-definite, unit diagonal), so every type keeps its own prior
variance, and helper types are correlated with each other through t only (rho_u rho_v).
rho_u = 0 for every helper gives back the single-type model of t.

Because B(t, t_i) = c_{t_i}, the cross-covariance of a new bond of type t with bond i is
c_{t_i} k(x*, i): for zeta = 1 (and any zeta through c^(1/zeta)) the factor is folded into
the stored q_i, and the saved model is an ordinary :class:`SoapBondKernelRegressor` in the
canonical form of ``files.py`` (``train_type_factor`` keeps c_{t_i}).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.linalg import cho_solve
from scipy.optimize import minimize

from glassbonds.errors import InputError
from glassbonds.model.baseline import fit_baseline
from glassbonds.model.bonds import BondSet, Hyperparameters
from glassbonds.model.kernel import SoapBondKernelRegressor, _cholesky_in_place, kernel_block


def helper_types(target: str, available: list[str]) -> list[str]:
    """Bond types sharing an element with ``target`` (Zr-Al: Zr-Zr, Zr-Cu, Cu-Al, Al-Al)."""
    elements = set(target.split("-"))
    return [t for t in available if t != target and elements & set(t.split("-"))]


def _subsample(bonds: BondSet, cap: int | None, seed: int) -> BondSet:
    if cap is None or len(bonds) <= cap:
        return bonds
    return bonds.take(np.sort(np.random.default_rng(seed).permutation(len(bonds))[:cap]))


def _stack(
    train: Mapping[str, BondSet],
    target: str,
    helpers: list[str],
    hyperparameters: Hyperparameters,
    target_cap: int | None,
    helper_cap: int | None,
    seed: int,
):
    """Distances, summed SOAP, residual targets, type index (0 = target) and the target's
    baseline and residual std of the joint training set."""
    parts = [_subsample(train[target], target_cap, seed)]
    parts += [_subsample(train[u], helper_cap, seed + k + 1) for k, u in enumerate(helpers)]
    distance, soap_sum, residual, kind = [], [], [], []
    baselines = []
    for index, part in enumerate(parts):
        if len(part) == 0:
            continue
        baseline = fit_baseline(hyperparameters.baseline, part.distance, part.target)
        baselines.append(baseline)
        distance.append(np.asarray(part.distance, dtype=float))
        soap_sum.append(np.asarray(part.soap_a) + np.asarray(part.soap_b))
        residual.append(np.asarray(part.target) - baseline(part.distance))
        kind.append(np.full(len(part), index))
    if not len(parts[0]):
        raise InputError(f"joint model {target}", "no training bonds of the target type", "")
    return (
        np.concatenate(distance),
        np.concatenate(soap_sum),
        np.concatenate(residual),
        np.concatenate(kind),
        baselines[0],
        float(np.std(residual[0])),
    )


def _joint_matrix(distance, soap_sum, kind, c, hyperparameters: Hyperparameters) -> np.ndarray:
    gram = kernel_block(
        distance,
        soap_sum,
        distance,
        soap_sum,
        hyperparameters.kernel,
        float(hyperparameters.zeta),
        float(hyperparameters.sigma),
    )
    factor = c[kind]
    same = kind[:, None] == kind[None, :]
    gram *= np.where(same, 1.0, np.outer(factor, factor))
    return gram


def fit_joint(
    train: Mapping[str, BondSet],
    target: str,
    hyperparameters: Hyperparameters,
    correlations: Mapping[str, float],
    target_cap: int | None = 2000,
    helper_cap: int | None = 1000,
    seed: int = 0,
) -> SoapBondKernelRegressor:
    """The joint model of ``target`` as a fitted estimator (canonical form of ``files.py``).

    ``correlations`` maps helper types to rho in [0, 1); types with rho = 0 are left out.
    Noise = std(target residuals) * gamma, as the single-type model.
    """
    helpers = [u for u, rho in correlations.items() if rho > 0 and len(train.get(u, ())) > 0]
    distance, soap_sum, residual, kind, baseline, scale = _stack(
        train, target, helpers, hyperparameters, target_cap, helper_cap, seed
    )
    c = np.array([1.0] + [float(correlations[u]) for u in helpers])
    gram = _joint_matrix(distance, soap_sum, kind, c, hyperparameters)
    noise = (scale if scale > 0 else 1e-12) * float(hyperparameters.gamma)
    gram.flat[:: len(distance) + 1] += noise
    _cholesky_in_place(gram)
    lower = np.tril(gram)
    model = hyperparameters.estimator()
    zeta = float(hyperparameters.zeta)
    factor = c[kind]
    model.noise_ = noise
    model.n_features_in_ = 1 + 2 * soap_sum.shape[1]
    model.baseline_ = baseline
    model.amplitude_, model.noise_variance_, model.std_scale_ = 1.0, 0.0, 1.0
    model.cholesky_ = lower
    model.alpha_ = cho_solve((lower, True), residual, check_finite=False)
    model.train_distance_ = distance
    model.train_soap_sum_ = np.ascontiguousarray(soap_sum * (factor ** (1.0 / zeta))[:, None])
    model.train_type_factor_ = factor
    model.type_factors_ = {target: 1.0, **{u: float(correlations[u]) for u in helpers}}
    model.landmark_cholesky_ = None
    return model


def log_marginal_likelihood(
    gram: np.ndarray, residual: np.ndarray, kind: np.ndarray, c: np.ndarray, noise: float
) -> float:
    """Log marginal likelihood of the residuals under covariance B o K + noise I with the
    amplitude profiled out (A = y^T M^-1 y / n), up to a constant; ``gram`` is the plain
    kernel matrix K of the stacked bonds (not modified)."""
    factor = c[kind]
    same = kind[:, None] == kind[None, :]
    matrix = gram * np.where(same, 1.0, np.outer(factor, factor))
    n = len(residual)
    matrix.flat[:: n + 1] += noise
    try:
        lower = np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return -np.inf
    weights = cho_solve((lower, True), residual, check_finite=False)
    amplitude = float(residual @ weights) / n
    return -0.5 * n * np.log(amplitude) - float(np.sum(np.log(np.diag(lower))))


def fit_correlations(
    train: Mapping[str, BondSet],
    target: str,
    hyperparameters: Hyperparameters,
    helpers: list[str],
    target_cap: int | None = 1000,
    helper_cap: int | None = 500,
    seed: int = 0,
) -> dict[str, float]:
    """rho_u per helper type maximising the log marginal likelihood (L-BFGS-B, rho in
    [0, 0.99]) on a subsample (caps) of the bonds; returns ``{helper: rho}``."""
    helpers = [u for u in helpers if len(train.get(u, ())) > 0]
    if not helpers:
        return {}
    distance, soap_sum, residual, kind, _, scale = _stack(
        train, target, helpers, hyperparameters, target_cap, helper_cap, seed
    )
    noise = (scale if scale > 0 else 1e-12) * float(hyperparameters.gamma)
    # The kernel matrix does not depend on rho: computed once, reweighted per evaluation.
    gram = _joint_matrix(distance, soap_sum, kind, np.ones(len(helpers) + 1), hyperparameters)

    def loss(rho: np.ndarray) -> float:
        c = np.concatenate([[1.0], rho])
        return -log_marginal_likelihood(gram, residual, kind, c, noise)

    start = np.full(len(helpers), 0.5)
    result = minimize(loss, start, method="L-BFGS-B", bounds=[(0.0, 0.99)] * len(helpers))
    return {u: float(r) for u, r in zip(helpers, result.x, strict=True)}
