"""Bond features: bond length (angstrom) and the L2-normalised SOAP vectors of both atoms,
stacked as rows ``X = [d, pA, pB]`` of length ``1 + 2F`` for scikit-learn."""

from __future__ import annotations

import numpy as np

from glassbonds.errors import InputError


def bond_feature_matrix(distance: np.ndarray, soap_a: np.ndarray, soap_b: np.ndarray) -> np.ndarray:
    """Stack bond lengths (n,) in angstrom and SOAP vectors (n, F) of both atoms: (n, 1 + 2F)."""
    distance = np.asarray(distance, dtype=np.float64).reshape(-1, 1)
    soap_a = np.asarray(soap_a, dtype=np.float64)
    soap_b = np.asarray(soap_b, dtype=np.float64)
    if soap_a.ndim != 2 or soap_a.shape != soap_b.shape or soap_a.shape[0] != distance.shape[0]:
        raise InputError(
            "bond features",
            f"shapes distance {distance.shape[:1]}, soap_a {soap_a.shape}, soap_b {soap_b.shape}"
            " do not describe the same bonds",
            "pass distance (n,) and two (n, F) SOAP arrays",
        )
    return np.hstack([distance, soap_a, soap_b])


def split_features(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverse of :func:`bond_feature_matrix`: (distance (n,), soap_a (n, F), soap_b (n, F))."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] < 3 or (X.shape[1] - 1) % 2:
        raise InputError(
            "bond features",
            f"array of shape {X.shape} is not [distance, soap_a, soap_b]",
            "build it with bond_feature_matrix",
        )
    n_soap = (X.shape[1] - 1) // 2
    return X[:, 0], X[:, 1 : 1 + n_soap], X[:, 1 + n_soap :]


def _checked_features(X: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Distance and summed SOAP (pA + pB) of finite feature rows."""
    distance, soap_a, soap_b = split_features(X)
    if distance.shape[0] == 0:
        raise InputError(where, "no bonds given", "check the bond type has bonds in the database")
    if not (
        np.all(np.isfinite(distance))
        and np.all(np.isfinite(soap_a))
        and np.all(np.isfinite(soap_b))
    ):
        raise InputError(
            where,
            "bond features contain NaN or infinite values",
            "rebuild the bond database / SOAP vectors of the affected sub-runs",
        )
    return np.ascontiguousarray(distance), soap_a + soap_b
