"""The zeta = 1 series of the study kernel and the predictive-variance maths, in one place.

Used by :class:`~glassbonds.model.kernel.SoapBondKernelRegressor` (``predict``) and by
inference (:mod:`glassbonds.inference`). Distances in angstrom, -ICOHP in eV.

**Series (exact fast mean).** With ``u = d - c`` the Gaussian distance factor expands as
``g(d, d_i) = sum_k a_k(u) a_k(u_i)``, ``a_k(u) = exp(-u^2 / 2 sigma^2) (u / sigma)^k / sqrt(k!)``.
Every ``|a_k| <= 1`` and ``sum_k a_k(u)^2 = 1`` (Poisson weights), so K terms err by at most
the Poisson tail ``P(N >= K; (u_max / sigma)^2)``, kept below 1e-20. For zeta = 1 the kernel
is then linear in the feature ``phi(x) = 0.5 a(u) (x) q`` (outer product, ``q = pA + pB``):
``k(x, x_i) = phi(x) . phi(x_i)`` and ``mean(x) = 0.25 sum_k a_k(u) W_k . q`` with
``W_k = sum_i alpha_i a_k(u_i) q_i``.

**Predictive std.** ``latent(x) = k(x, x) - k_*^T (K + noise I)^-1 k_*`` (``exact_latent``:
one triangular solve per bond, O(n^2)), turned into the model file's calibrated std
``std_scale * sqrt(amplitude * latent + noise_variance)`` (:func:`calibrated_std`).

**Low-rank std for zeta = 1** (:class:`LowRankStd`). ``k_*^T (K + noise I)^-1 k_* =
phi^T M phi`` with ``M = Phi^T (K + noise I)^-1 Phi``, eigenvalues in [0, 1). Built once per
model: (1) the SOAP sums of the training bonds span a subspace whose singular values decay
fast; ``W`` (F x m) keeps the directions above ``soap_rtol`` of the largest; (2) the series
``a(u)`` over the distance range is compressed to its principal directions ``E`` (K x K')
above ``distance_rtol``; (3) the reduced feature ``psi`` keeps the products
``0.5 (E^T a)_k (W^T q)_l`` of the pairs whose relative singular values multiply to more
than ``pair_rtol`` (a hyperbolic cross: all SOAP directions for the first distance
directions, only the leading ones for the later, much smaller, distance directions; the
first ``m_k`` SOAP directions for distance direction k, about half of the K'm pairs);
(4) in ``psi`` ``M`` is eigendecomposed, ``M = V diag(lambda) V^T``, and truncated to the
``r`` eigenvalues above ``eigen_floor``. Then per frame: ``y = P_atoms W`` and
``Z_k = y[:m_k] T_k`` per atom (m and sum_k r numbers per atom, one matrix product per k),
and per bond ``z_j = sqrt(lambda_j) v_j . psi = 0.5 sum_k a'_k (Z_k[a] + Z_k[b])_j`` (one
compiled pass over the bond's rows of ``Z``, :mod:`glassbonds.model.bond_loops`),
``s_r = |z|^2``. A pair left out of
``psi`` is, like a SOAP direction outside ``W``, counted in the prior but not in ``s_r``: it
can only raise the latent variance, by as much as its part of ``psi^T M psi``.

**Mixed precision.** ``latent = prior - s_r`` cancels: near training bonds the latent variance
is 2e-4 of the prior, so ``s_r`` needs ~1e-7 relative accuracy, more than float32 gives. But
SOAP vectors are nearly parallel: the first ``HEAD_DIRECTIONS`` directions of ``W`` (the
largest singular values) carry most of ``|y|^2`` and of ``z``. Those are kept in float64,
applied per bond (``z_head = 0.5 sum_{l,k} (y_a + y_b)_l a'_k T[l, k]``, L K' r per bond);
the remaining directions, whose part of ``z`` is several times smaller, go through the two
large products (``P_atoms W_tail`` and ``y_tail T_tail``) and the gather in float32. On the
real 10,000-atom cell this adds at most 5e-5 to the relative std error and halves the two
products (``bench/bench_inference.py`` checks every bond against the exact std).

Per-bond check (cheap, from the same numbers): the discarded eigenvalues add at most
``lambda_{r+1} (|psi|^2 - sum_j z_j^2 / lambda_j)`` to ``s`` (rigorous within the reduced
space); bonds where that bound could move the calibrated std by more than ``tolerance``
(relative) are flagged and recomputed exactly by the caller. The SOAP and distance
compression themselves carry no per-bond bound (the rigorous one is far too loose): their
effect is measured against the exact std in the tests and in ``bench/bench_inference.py``.
A test bond's own SOAP part outside the span of ``W`` needs no check: the prior counts it
exactly, so it adds to the latent variance as much as it could add to the error (why, and
the measurement: ``docs/models.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import eigh, solve_triangular
from scipy.stats import poisson

from glassbonds.model.bond_loops import tail_sums

SERIES_TOLERANCE = 1e-20
MAX_SERIES_TERMS = 200
# Default accuracy of the low-rank std: relative error of the calibrated std.
STD_TOLERANCE = 1e-3
# SOAP directions kept in float64 by the low-rank std (see "Mixed precision" above).
HEAD_DIRECTIONS = 4


# ----------------------------------------------------------------------------- series


def gaussian_series(u: np.ndarray, sigma: float, terms: int) -> np.ndarray:
    """``a_k(u)`` for k < terms, shape (len(u), terms); each row has unit L2 norm (to 1e-20)."""
    values = np.empty((u.shape[0], terms))
    values[:, 0] = np.exp(-0.5 * (u / sigma) ** 2)
    ratio = u / sigma
    for k in range(1, terms):
        values[:, k] = values[:, k - 1] * ratio / np.sqrt(k)
    return values


def series_term_count(half_range: float, sigma: float) -> int | None:
    """Terms needed for |u| <= half_range (angstrom); None when more than MAX_SERIES_TERMS."""
    rate = (half_range / sigma) ** 2
    if rate == 0:
        return 1
    counts = np.arange(1, MAX_SERIES_TERMS + 1)
    small = np.nonzero(poisson.sf(counts - 1, rate) <= SERIES_TOLERANCE)[0]
    return int(counts[small[0]]) if len(small) else None


@dataclass(frozen=True)
class SeriesExpansion:
    """The series of one model over a distance range: ``center`` and ``half_range``
    (angstrom), ``sigma`` (angstrom) and the number of ``terms``."""

    center: float
    half_range: float
    sigma: float
    terms: int

    @classmethod
    def for_model(cls, model, window: tuple[float, float] | None = None):
        """The series covering the training distances and ``window`` (angstrom); None when it
        does not apply (another kernel, zeta != 1, or sigma tiny against the range)."""
        if model.kernel != "soap_distance" or float(model.zeta) != 1.0:
            return None
        low, high = float(model.train_distance_.min()), float(model.train_distance_.max())
        if window is not None:
            low, high = min(low, window[0]), max(high, window[1])
        center, half_range = 0.5 * (low + high), 0.5 * (high - low)
        terms = series_term_count(half_range, float(model.sigma))
        return None if terms is None else cls(center, half_range, float(model.sigma), terms)

    def features(self, distance: np.ndarray) -> np.ndarray:
        """``a_k(d - center)``, shape (len(d), terms)."""
        return gaussian_series(np.asarray(distance) - self.center, self.sigma, self.terms)

    def in_range(self, distance: np.ndarray) -> np.ndarray:
        """Bonds the series covers (a rounding margin of 1e-12 angstrom for window edges)."""
        return np.abs(np.asarray(distance) - self.center) <= self.half_range + 1e-12


def series_weights(model, expansion: SeriesExpansion) -> np.ndarray:
    """``W_k = sum_i alpha_i a_k(u_i) q_i``, shape (terms, F): the whole zeta = 1 model, so
    that ``mean(x) = baseline(d) + 0.25 sum_k a_k(u) W_k . q``."""
    train = expansion.features(model.train_distance_)
    return (train * model.alpha_[:, None]).T @ model.train_soap_sum_


# ----------------------------------------------------------------------------- exact std


def calibrated_std(model, latent_variance: np.ndarray) -> np.ndarray:
    """Predictive std (eV) from the latent variance ``k(x,x) - k_*^T K^-1 k_*``:
    ``std_scale * sqrt(amplitude * max(latent, 0) + noise_variance)`` (``calibration.py``;
    defaults 1, 0, 1 give the latent std)."""
    amplitude = float(getattr(model, "amplitude_", 1.0))
    variance = amplitude * np.maximum(latent_variance, 0.0) + float(
        getattr(model, "noise_variance_", 0.0)
    )
    return float(getattr(model, "std_scale_", 1.0)) * np.sqrt(variance)


def exact_latent(model, k_star: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Latent variance of bonds with kernel rows ``k_star`` (n_bonds, n_train) and
    ``prior = k(x, x)``: exact GPR, or the projected-process (DTC) variance
    ``k(x,x) - q(x,x) + noise k_m^T A^-1 k_m`` for a Nystrom model."""
    v = solve_triangular(model.cholesky_, k_star.T, lower=True, check_finite=False)
    if getattr(model, "landmark_cholesky_", None) is None:
        return prior - np.einsum("ij,ij->j", v, v)
    w = solve_triangular(model.landmark_cholesky_, k_star.T, lower=True, check_finite=False)
    return prior - np.einsum("ij,ij->j", w, w) + model.noise_ * np.einsum("ij,ij->j", v, v)


# ----------------------------------------------------------------------------- low rank


@dataclass(frozen=True)
class AtomProjections:
    """What the low-rank std needs per atom of a frame: the SOAP vector's coordinates on the
    model's SOAP directions, the first ``HEAD_DIRECTIONS`` in float64 (``head``, (atoms, L))
    and the others in float32 (``tail``, (atoms, max m_k - L)), and the tail's products with
    the kept eigenvectors (``z_tail``, float32, (atoms * K_t, r), row ``atom * K_t + k`` for
    the K_t distance directions paired with more than the head).
    ``z_tail`` lives in a buffer of the :class:`LowRankStd` (hundreds of MB for a
    10,000-atom frame, allocated once instead of once per frame): valid until its next
    :meth:`LowRankStd.project_atoms`."""

    head: np.ndarray
    tail: np.ndarray
    z_tail: np.ndarray


@dataclass
class LowRankStd:
    """Low-rank predictive std of one exact zeta = 1 model (see the module docstring)."""

    model: object
    expansion: SeriesExpansion
    soap_basis: np.ndarray  # W (F, m)
    distance_basis: np.ndarray  # E (terms, K')
    # T (sum_k m_k, r): rows offset_k .. offset_k + m_k - 1 are T_k, Z_k = y[:m_k] @ T_k.
    projection: np.ndarray
    eigenvalues: np.ndarray  # lambda_1..r
    soap_counts: np.ndarray  # m_k: SOAP directions paired with distance direction k
    next_eigenvalue: float  # lambda_{r+1} (0 when nothing was discarded)
    tolerance: float

    def __post_init__(self) -> None:
        counts = np.asarray(self.soap_counts, dtype=np.int64)
        head = int(min(HEAD_DIRECTIONS, counts.min()))
        k_reduced = self.distance_basis.shape[1]
        if counts.shape != (k_reduced,) or np.any(np.diff(counts) > 0):
            raise ValueError("soap_counts: one non-increasing count per distance direction")
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self._head = head
        # T's head rows as (L K', r): row l K' + k multiplies y_l a'_k.
        rows = (starts[None, :] + np.arange(head)[:, None]).ravel()
        self._projection_head = self.projection[rows]
        # SOAP directions beyond the head per distance direction (non-increasing); those with
        # any, the first K_t, each get their float32 T_k tail.
        self._tail_counts = counts - head
        self._projection_tails = [
            np.ascontiguousarray(self.projection[start + head : start + head + count], np.float32)
            for start, count in zip(starts, self._tail_counts, strict=True)
            if count > 0
        ]
        self._basis_tail = np.ascontiguousarray(
            self.soap_basis[:, head : head + int(self._tail_counts.max())], dtype=np.float32
        )
        self._inverse_eigenvalues = 1.0 / self.eigenvalues
        self._z_buffer = np.empty(0, dtype=np.float32)

    @classmethod
    def build(
        cls,
        model,
        expansion: SeriesExpansion,
        tolerance: float = STD_TOLERANCE,
        soap_rtol: float = 1e-4,
        distance_rtol: float = 3e-4,
        pair_rtol: float = 5e-5,
        eigen_floor: float = 3e-3,
    ) -> LowRankStd | None:
        """None for a Nystrom model (its DTC variance has another form) and when the
        training SOAP sums have no low-rank structure (the exact std is then cheaper)."""
        if getattr(model, "landmark_cholesky_", None) is not None:
            return None
        q_train = model.train_soap_sum_
        n = q_train.shape[0]
        # (1) SOAP subspace from the eigenvectors of the training Gram Q Q^T (n x n).
        # Only the eigenpairs above soap_rtol^2 * trace are computed (LAPACK evr; the trace
        # bounds the largest eigenvalue, which holds most of it for SOAP sums).
        gram = q_train @ q_train.T
        threshold = (soap_rtol**2) * float(np.trace(gram))
        gram_values, gram_vectors = eigh(gram, subset_by_value=(threshold, np.inf), driver="evr")
        order = np.argsort(gram_values)[::-1]
        singular = np.sqrt(np.maximum(gram_values[order], 0.0))
        m = max(1, len(singular))
        y_train = gram_vectors[:, order] * singular  # Q W, (n, m)
        soap_basis = q_train.T @ (gram_vectors[:, order] / singular)  # (F, m)
        # (2) Distance directions of the series over the training bonds and the range.
        a_train = expansion.features(model.train_distance_)
        grid = expansion.center + np.linspace(-1.0, 1.0, 257) * expansion.half_range
        _, dist_singular, dist_vectors = np.linalg.svd(
            np.vstack([a_train, expansion.features(grid)]), full_matrices=False
        )
        k_reduced = max(1, int(np.sum(dist_singular > distance_rtol * dist_singular[0])))
        distance_basis = dist_vectors[:k_reduced].T  # (terms, K')
        # (3) Pairs (k, l) whose relative scales multiply to more than pair_rtol: m_k per k
        # (non-increasing, at least the head directions).
        soap_scale = singular / np.sqrt(float(np.trace(gram)))
        distance_scale = dist_singular[:k_reduced] / dist_singular[0]
        counts = np.sum(distance_scale[:, None] * soap_scale[None, :] > pair_rtol, axis=1)
        counts = np.clip(counts, min(HEAD_DIRECTIONS, m), m)
        # (4) M in the reduced features psi = 0.5 a'_k y[:m_k], k-major: C = L^-1 Psi, M = C^T C.
        a_reduced = a_train @ distance_basis
        psi = 0.5 * np.hstack(
            [a_reduced[:, k, None] * y_train[:, :count] for k, count in enumerate(counts)]
        )
        c = solve_triangular(model.cholesky_, psi, lower=True, check_finite=False)
        small = c.shape[1] <= n
        product = c.T @ c if small else c @ c.T
        # Eigenpairs above eigen_floor / 10: those above eigen_floor are kept, the largest
        # of the others bounds what is discarded (eigen_floor / 10 when there is none).
        values, vectors = eigh(product, subset_by_value=(0.1 * eigen_floor, np.inf), driver="evr")
        order = np.argsort(values)[::-1]
        values, vectors = values[order], vectors[:, order]
        r = int(np.sum(values > eigen_floor))
        # Worth it only when the work per atom (m F + sum_k m_k r, the projections) plus per
        # bond (about 2 bonds per atom: 2 K' r, the gather) is well below the exact path's n F
        # per atom plus n^2 per bond.
        n_features = q_train.shape[1]
        fast_cost = m * n_features + int(counts.sum()) * r + 4 * k_reduced * r
        if r == 0 or fast_cost > 0.5 * (n * n_features + 2 * n * n):
            return None
        next_eigenvalue = float(values[r]) if len(values) > r else 0.1 * eigen_floor
        values, vectors = values[:r], vectors[:, :r]
        if not small:
            vectors = (c.T @ vectors) / np.sqrt(values)
        # T[(k, l), j] = sqrt(lambda_j) V[(k, l), j]: y[:m_k] @ T_k gives per atom, per series
        # direction k, the weighted projections onto the kept eigenvectors.
        return cls(
            model,
            expansion,
            np.ascontiguousarray(soap_basis),
            distance_basis,
            np.ascontiguousarray(vectors * np.sqrt(values)),
            values,
            counts,
            next_eigenvalue,
            float(tolerance),
        )

    @property
    def rank(self) -> int:
        return int(self.eigenvalues.shape[0])

    @property
    def sizes(self) -> str:
        """``SOAP directions m, distance directions K', pairs sum_k m_k, eigenvectors r`` (logs,
        ``.info``)."""
        return (
            f"SOAP directions {self.soap_basis.shape[1]}, distance directions "
            f"{self.distance_basis.shape[1]}, pairs {int(np.sum(self.soap_counts))}, "
            f"eigenvectors {self.rank}"
        )

    @property
    def head_basis(self) -> np.ndarray:
        """The SOAP directions kept in float64, (F, L): ``soap @ head_basis`` is the head."""
        return self.soap_basis[:, : self._head]

    def project_atoms(self, soap: np.ndarray, head: np.ndarray | None = None) -> AtomProjections:
        """Per atom (rows of ``soap``, float64, or float32 when the caller gives ``head``, the
        rows' ``soap @ head_basis`` computed in float64): ``y = p W`` split into its float64
        head and float32 tail, and ``Z_k = y_tail[:m_k - L] T_k`` (float32) for the distance
        directions with pairs beyond the head: what :meth:`latent` gathers for each bond's
        two atoms."""
        if head is None:
            if soap.dtype != np.float64:
                raise ValueError("the head needs float64 SOAP rows (or give it)")
            head = soap @ self.head_basis
        tail = soap.astype(np.float32, copy=False) @ self._basis_tail
        n_atoms, k_tail = len(soap), len(self._projection_tails)
        size = n_atoms * k_tail * self.rank
        if self._z_buffer.size < size:
            self._z_buffer = np.empty(size, dtype=np.float32)
        z_tail = self._z_buffer[:size].reshape(n_atoms, k_tail, self.rank)
        for k, (count, block) in enumerate(
            zip(self._tail_counts[:k_tail], self._projection_tails, strict=True)
        ):
            # A strided output (row stride k_tail r) is written by BLAS in place.
            np.matmul(tail[:, :count], block, out=z_tail[:, k, :])
        return AtomProjections(head, tail, z_tail.reshape(n_atoms * k_tail, self.rank))

    def latent(
        self,
        atoms: AtomProjections,
        atom_a: np.ndarray,
        atom_b: np.ndarray,
        distance: np.ndarray,
        prior: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Latent variance of bonds (atom indices into ``project_atoms``) and a bool mask of the
        bonds that pass the per-bond check (the others must be recomputed exactly)."""
        a_reduced = self.expansion.features(distance) @ self.distance_basis
        n_bonds = len(a_reduced)
        head_sum = atoms.head[atom_a] + atoms.head[atom_b]
        # Head, float64, per bond: 0.5 sum_{l,k} (y_a + y_b)_l a'_k T[l, k].
        outer = 0.5 * (head_sum[:, :, None] * a_reduced[:, None, :]).reshape(n_bonds, -1)
        z = outer @ self._projection_head
        # Tail, float32: 0.5 sum_k a'_k (Z_k[a] + Z_k[b]) over the K_t distance directions
        # with a tail; then s_r = |z|^2, the bound's sum_j z_j^2 / lambda_j and |psi|^2, whose
        # tail part (it only enters the bound) is summed from the float32 tail.
        s_r, captured, psi_norm = tail_sums(
            z,
            atoms.z_tail,
            len(self._projection_tails),
            atom_a,
            atom_b,
            a_reduced,
            atoms.tail,
            self._tail_counts,
            np.einsum("ij,ij->i", head_sum, head_sum),
            self._inverse_eigenvalues,
        )
        latent = prior - s_r
        bound = self.next_eigenvalue * np.maximum(psi_norm - captured, 0.0)
        # Relative change of the calibrated std when the variance drops by amplitude * bound.
        model = self.model
        amplitude = float(getattr(model, "amplitude_", 1.0))
        variance = amplitude * np.maximum(latent, 0.0) + float(
            getattr(model, "noise_variance_", 0.0)
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = 1.0 - np.sqrt(np.maximum(variance - amplitude * bound, 0.0) / variance)
        ok = (variance > 0) & (relative <= 0.5 * self.tolerance)
        return latent, ok
