"""Kernel regression of bond strength (-ICOHP, eV) from bond length and the SOAP of both atoms.

A bond is described by its length ``d`` (angstrom) and the L2-normalised SOAP vectors
``pA``, ``pB`` of its two atoms. For scikit-learn, the three are stacked into one row of
``X = [d, pA, pB]`` (``bond_feature_matrix``), length ``1 + 2F``.

Kernels (``kernel=``):

* ``"soap_distance"`` (the study's):
  ``k(i, j) = exp(-(di - dj)^2 / (2 sigma^2)) * (0.25 (pAi + pBi).(pAj + pBj))^zeta``.
  The four SOAP dot products of the study sum to the dot product of the summed vectors
  ``q = pA + pB``, so the SOAP factor is one matrix product ``Q_test @ Q_train.T``.
* ``"se"``: distance-only squared exponential ``exp(-(di - dj)^2 / (2 sigma^2))``.
* ``"ou"``: distance-only Ornstein-Uhlenbeck ``exp(-|di - dj| / sigma)``.

``sigma`` is in angstrom; ``zeta`` and ``gamma`` are dimensionless.

Fit (the study's formula): ``alpha = (K + noise I)^-1 y`` with ``noise = std(y_train) * gamma``,
solved through a Cholesky factor (never an explicit inverse). ``y`` is **not** centred, as in
the study: published hyperparameters were tuned for that form, and the SOAP-distance kernel is
strictly positive among bonds of one type so predictions do not collapse towards zero inside
the domain of the data. Far from all training bonds (a bond length many sigma away) the mean
decays to 0 eV, which is why inference applies per-type distance windows.

Prediction is ``mean(x) = sum_i alpha_i k(x, i)``: everything a fast inference needs is in
the fitted attributes ``train_distance_`` (n,), ``train_soap_sum_`` (n, F) = pA + pB,
``alpha_`` (n,) and the hyperparameters.

Large training sets: ``nystrom_landmarks=m`` uses the projected-process / subset-of-regressors
approximation with ``m`` landmark bonds drawn from the training set (seeded by
``random_state``). The weights on the landmarks minimise
``||y - K_nm a||^2 + noise a^T K_mm a``, i.e. ``a = (K_mn K_nm + noise K_mm)^-1 K_mn y``, solved
as a stacked least-squares problem by QR (stable even when ``K_mm`` is nearly singular). The
fitted attributes then describe the landmarks, so ``mean(x) = sum_l alpha_l k(x, l)`` holds
unchanged and inference code needs no special case. Cost O(n m F + n m^2) time and O(n m)
memory instead of O(n^2 F + n^3) and O(n^2).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_solve, qr
from sklearn.base import BaseEstimator, RegressorMixin

from glassbonds.errors import InputError
from glassbonds.model.baseline import BASELINES, Baseline, fit_baseline
from glassbonds.model.features import _checked_features
from glassbonds.model.linalg import _cholesky_in_place
from glassbonds.model.predictive_std import (
    SeriesExpansion,
    calibrated_std,
    exact_latent,
    series_weights,
)

KERNELS = ("soap_distance", "se", "ou")
# Memory bound of one block of kernel rows (float64 numbers): 2**23 numbers = 64 MiB.
BLOCK_NUMBERS = 1 << 23


# ----------------------------------------------------------------------------- kernel


def kernel_block(
    distance_1: np.ndarray,
    soap_sum_1: np.ndarray,
    distance_2: np.ndarray,
    soap_sum_2: np.ndarray,
    kernel: str,
    zeta: float,
    sigma: float,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Kernel matrix (n1, n2) between two sets of bonds given distances and summed SOAP.

    Computed as a whole (the caller blocks rows to bound memory); written into ``out`` when
    given, to avoid a second n1 x n2 temporary when building big training matrices.
    """
    diff = np.subtract.outer(distance_1, distance_2)
    if kernel == "ou":
        np.abs(diff, out=diff)
        diff *= -1.0 / sigma
    else:
        np.square(diff, out=diff)
        diff *= -0.5 / sigma**2
    result = np.exp(diff, out=diff if out is None else out)
    if kernel == "soap_distance":
        soap = soap_sum_1 @ soap_sum_2.T
        soap *= 0.25
        if zeta != 1.0:
            # Summed SOAP overlaps can be slightly negative for cross-species channels:
            # a non-integer power of a negative number is undefined, so clip at zero.
            if float(zeta) != int(zeta):
                np.maximum(soap, 0.0, out=soap)
            np.power(soap, zeta, out=soap)
        result *= soap
    return result


def kernel_diagonal(
    distance: np.ndarray, soap_sum: np.ndarray, kernel: str, zeta: float
) -> np.ndarray:
    """k(x, x) for each bond: 1 for distance-only kernels, (0.25 |q|^2)^zeta otherwise."""
    if kernel != "soap_distance":
        return np.ones(distance.shape[0])
    base = 0.25 * np.einsum("ij,ij->i", soap_sum, soap_sum)
    return base if zeta == 1.0 else np.power(np.maximum(base, 0.0), zeta)


def _row_blocks(n_rows: int, n_cols: int, at_most: int | None = None) -> list[slice]:
    size = max(1, BLOCK_NUMBERS // max(1, n_cols))
    if at_most is not None:
        size = min(size, at_most)
    return [slice(start, min(start + size, n_rows)) for start in range(0, n_rows, size)]


# ----------------------------------------------------------------------------- estimator


class SoapBondKernelRegressor(RegressorMixin, BaseEstimator):
    """Kernel (GPR-mean) regression of -ICOHP in eV for one bond type.

    Parameters: ``kernel`` one of ``KERNELS``; ``zeta`` SOAP exponent; ``sigma`` distance
    length scale in angstrom; ``gamma`` regularisation relative to std(y) (noise =
    std(y_train) * gamma, eV); ``nystrom_landmarks`` m for the projected-process
    approximation (None: exact); ``random_state`` seed of the landmark choice; ``baseline``
    the mean function fitted first (``baseline.py``: none, constant, exponential), the kernel
    model is then fitted to ``y - baseline(d)`` (with ``none``: the study's model).

    Calibration attributes (set by ``calibration.py``; defaults give the study's latent std):
    ``amplitude_`` (dimensionless prior variance factor of the kernel), ``noise_variance_``
    (eV^2, observation noise added to the std so it describes errors against LOBSTER values)
    and ``std_scale_`` (dimensionless factor fitted on grouped CV). See :meth:`predict`.

    Fitted attributes: ``train_distance_`` (n,) angstrom, ``train_soap_sum_`` (n, F) = pA + pB,
    ``alpha_`` (n,) eV, ``noise_`` eV, ``cholesky_`` lower-triangular factor (n, n) of
    ``K + noise I`` (exact) or of ``K_mn K_nm + noise K_mm`` (Nystrom; its rows then refer to
    landmarks, and ``landmark_cholesky_`` is the factor of ``K_mm``).
    """

    def __init__(
        self,
        kernel: str = "soap_distance",
        zeta: float = 1.0,
        sigma: float = 0.5,
        gamma: float = 0.01,
        nystrom_landmarks: int | None = None,
        random_state: int = 0,
        baseline: str = "none",
    ) -> None:
        self.kernel = kernel
        self.zeta = zeta
        self.sigma = sigma
        self.gamma = gamma
        self.nystrom_landmarks = nystrom_landmarks
        self.random_state = random_state
        self.baseline = baseline

    # -- checks
    def _check_hyperparameters(self) -> None:
        if self.kernel not in KERNELS:
            raise InputError(
                "model kernel", f"unknown kernel {self.kernel!r}", f"use one of {list(KERNELS)}"
            )
        if self.baseline not in BASELINES:
            raise InputError(
                "model baseline",
                f"unknown baseline {self.baseline!r}",
                f"use one of {list(BASELINES)}",
            )
        for name in ("zeta", "sigma", "gamma"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise InputError(
                    f"model {name}",
                    f"must be a positive number, got {value!r}",
                    "fix the hyperparameter in the config",
                )

    def _kernel(self, d1, q1, d2, q2, out=None) -> np.ndarray:
        return kernel_block(
            d1, q1, d2, q2, self.kernel, float(self.zeta), float(self.sigma), out=out
        )

    # -- fit
    def fit(self, X: np.ndarray, y: np.ndarray) -> SoapBondKernelRegressor:
        """Fit on bond features X (n, 1 + 2F) and targets y = -ICOHP (n,) in eV."""
        self._check_hyperparameters()
        distance, soap_sum = _checked_features(X, "model fit")
        y = np.asarray(y, dtype=np.float64).ravel()
        if y.shape[0] != distance.shape[0]:
            raise InputError(
                "model fit",
                f"{distance.shape[0]} bonds but {y.shape[0]} targets",
                "pass one -ICOHP value per bond",
            )
        if not np.all(np.isfinite(y)):
            raise InputError(
                "model fit",
                "targets (-ICOHP) contain NaN or infinite values",
                "drop or recompute the affected bonds",
            )
        self.n_features_in_ = int(np.asarray(X).shape[1])
        self.baseline_ = fit_baseline(self.baseline, distance, y)
        y = y - self.baseline_(distance)
        self.amplitude_, self.noise_variance_, self.std_scale_ = 1.0, 0.0, 1.0
        std = float(np.std(y))
        # A constant target has std 0: keep a tiny positive noise so the solve stays defined.
        self.noise_ = std * float(self.gamma) if std > 0 else 1e-12 * float(self.gamma)
        if self.nystrom_landmarks is not None:
            self._fit_nystrom(distance, soap_sum, y)
        else:
            self._fit_exact(distance, soap_sum, y)
        return self

    def _fit_exact(self, distance: np.ndarray, soap_sum: np.ndarray, y: np.ndarray) -> None:
        n = distance.shape[0]
        # One n x n array, factorised in place: peak memory ~ n^2 numbers (20,000 bonds:
        # 3.2 GB). LAPACK reads one triangle only, so only the upper triangle of ``gram`` (the
        # lower one of its Fortran-ordered transpose) is computed: half the matrix products.
        gram = np.empty((n, n))
        # At least ~8 row blocks, so that skipping the lower triangle saves ~40 % of the work.
        for rows in _row_blocks(n, n, at_most=max(128, n // 8)):
            upper = slice(rows.start, n)
            self._kernel(
                distance[rows],
                soap_sum[rows],
                distance[upper],
                soap_sum[upper],
                out=gram[rows, upper],
            )
        gram.flat[:: n + 1] += self.noise_
        # gram is symmetric, so its transpose (a Fortran-ordered view) is the same matrix and
        # is factorised in place, without a copy.
        factor = gram.T
        _cholesky_in_place(factor)
        # The strict upper triangle of the factor was never written (np.empty): it is the
        # strict lower triangle of ``gram`` (contiguous rows); zero it for clean storage.
        for i in range(1, n):
            gram[i, :i] = 0.0
        self.cholesky_ = factor
        self.alpha_ = cho_solve((factor, True), y, check_finite=False)
        self.train_distance_ = distance.copy()
        self.train_soap_sum_ = np.ascontiguousarray(soap_sum)
        self.landmark_cholesky_ = None

    def _fit_nystrom(self, distance: np.ndarray, soap_sum: np.ndarray, y: np.ndarray) -> None:
        # More landmarks than bonds means every bond is a landmark (then equal to exact).
        n, m = distance.shape[0], min(int(self.nystrom_landmarks), distance.shape[0])
        if m < 1:
            raise InputError(
                "model nystrom_landmarks",
                f"must be >= 1, got {m}",
                "set a positive number of landmarks or null for the exact solve",
            )
        rng = np.random.default_rng(self.random_state)
        chosen = np.sort(rng.choice(n, size=m, replace=False))
        d_m, q_m = distance[chosen], np.ascontiguousarray(soap_sum[chosen])
        k_mm = self._kernel(d_m, q_m, d_m, q_m)
        # Jitter relative to the diagonal: K_mm of near-duplicate landmarks is singular.
        k_mm.flat[:: m + 1] += 1e-10 * float(np.mean(np.diag(k_mm)))
        l_mm = np.linalg.cholesky(k_mm)
        # Stacked least squares [K_nm; sqrt(noise) L_mm^T] a = [y; 0]: its normal equations
        # are (K_mn K_nm + noise K_mm) a = K_mn y, and QR avoids squaring the condition number.
        stacked = np.empty((n + m, m))
        for rows in _row_blocks(n, m):
            self._kernel(distance[rows], soap_sum[rows], d_m, q_m, out=stacked[rows])
        stacked[n:] = np.sqrt(self.noise_) * l_mm.T
        r_factor = qr(stacked, mode="r", overwrite_a=True, check_finite=False)[0][:m]
        # R^T R = A; make the diagonal positive so R^T is the Cholesky factor of A.
        signs = np.sign(np.diag(r_factor))
        signs[signs == 0] = 1.0
        r_factor *= signs[:, None]
        rhs = np.zeros(m)
        for rows in _row_blocks(n, m):
            rhs += self._kernel(d_m, q_m, distance[rows], soap_sum[rows]) @ y[rows]
        lower = np.ascontiguousarray(r_factor.T)
        self.cholesky_ = lower
        self.alpha_ = cho_solve((lower, True), rhs, check_finite=False)
        self.train_distance_ = d_m
        self.train_soap_sum_ = q_m
        self.landmark_cholesky_ = l_mm

    # -- predict
    def predict(self, X: np.ndarray, return_std: bool = False):
        """Predicted -ICOHP (eV) of bonds X; with ``return_std`` also the predictive std (eV).

        mean = baseline(d) + sum_i alpha_i k(x, i). The std is
        ``std_scale_ * sqrt(amplitude_ * max(k(x,x) - v.v, 0) + noise_variance_)`` with
        ``v = L^-1 k_*``: the GPR posterior std of a new LOBSTER value for a prior of
        covariance ``amplitude_ * k``, scaled so that grouped-CV coverage is calibrated
        (``calibration.py``, ``docs/uncertainty.md``). With the defaults (1, 0, 1) it is the
        study kernel's latent std, which ranks bonds but is not an error bar. With Nystrom
        landmarks the latent variance is the projected-process (DTC) variance
        ``k(x,x) - q(x,x) + noise k_m^T A^-1 k_m``.
        """
        if not hasattr(self, "alpha_"):
            raise InputError("model predict", "the model is not fitted", "call fit or load_model")
        distance, soap_sum = _checked_features(X, "model predict")
        if np.asarray(X).shape[1] != self.n_features_in_:
            raise InputError(
                "model predict",
                f"bonds have {np.asarray(X).shape[1]} features, the model {self.n_features_in_}",
                "use SOAP vectors made with the model's descriptor parameters",
            )
        offset = getattr(self, "baseline_", Baseline())(distance)
        if not return_std:
            fast = self._series_mean(distance, soap_sum)
            if fast is not None:
                return fast + offset
        n_test, n_train = distance.shape[0], self.train_distance_.shape[0]
        mean = np.empty(n_test)
        std = np.empty(n_test) if return_std else None
        for rows in _row_blocks(n_test, n_train):
            k_star = self._kernel(
                distance[rows], soap_sum[rows], self.train_distance_, self.train_soap_sum_
            )
            mean[rows] = k_star @ self.alpha_
            if return_std:
                std[rows] = self._std_block(k_star, distance[rows], soap_sum[rows])
        mean += offset
        return (mean, std) if return_std else mean

    def calibrated_std(self, latent_variance: np.ndarray) -> np.ndarray:
        """Predictive std (eV) from the latent variance (``predictive_std.calibrated_std``)."""
        return calibrated_std(self, latent_variance)

    def _series_mean(self, distance: np.ndarray, soap_sum: np.ndarray) -> np.ndarray | None:
        """The mean through the exact series (zeta = 1, study kernel); None where it does not
        apply. Costs n_train x terms x F once plus n_test x terms x F, instead of
        n_test x n_train x F."""
        if distance.size == 0:
            return None
        window = (float(distance.min()), float(distance.max()))
        expansion = SeriesExpansion.for_model(self, window)
        if expansion is None:
            return None
        weights = series_weights(self, expansion)
        test = expansion.features(distance)
        return 0.25 * np.einsum("ij,ij->i", test, soap_sum @ weights.T)

    def _std_block(
        self, k_star: np.ndarray, distance: np.ndarray, soap_sum: np.ndarray
    ) -> np.ndarray:
        prior = kernel_diagonal(distance, soap_sum, self.kernel, float(self.zeta))
        return calibrated_std(self, exact_latent(self, k_star, prior))
