"""Linear algebra of the kernel model: the exact series of the Gaussian distance factor (the
fast zeta = 1 mean, shared with inference) and the blocked in-place Cholesky factorisation."""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular
from scipy.linalg.lapack import dpotrf
from scipy.stats import poisson

from glassbonds.errors import InputError

# Exact fast mean for zeta = 1: with u = d - c the Gaussian distance factor expands as
# g(d, d_i) = sum_k a_k(u) a_k(u_i), a_k(u) = exp(-u^2 / 2 sigma^2) (u / sigma)^k / sqrt(k!).
# Every |a_k| <= 1 and sum_k a_k(u)^2 = 1 (Poisson weights), so K terms err by at most the
# Poisson tail P(N >= K; (u_max / sigma)^2), kept below 1e-20, far under float64 rounding.
SERIES_TOLERANCE = 1e-20
MAX_SERIES_TERMS = 200


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


# Diagonal block of the blocked Cholesky. scipy's one-call potrf crashed (SIGSEGV, OpenBLAS)
# on a 20,000 x 20,000 matrix here, so large matrices are factorised block by block.
CHOLESKY_BLOCK = 2048


def _cholesky_in_place(a: np.ndarray, block: int = CHOLESKY_BLOCK) -> None:
    """Right-looking blocked Cholesky of the lower triangle of ``a`` (a = L L^T), in place.

    Only the lower triangle (diagonal included) is read and written; all the work is in
    LAPACK potrf on diagonal blocks and BLAS-3 products, in panels of ``block`` columns so
    temporaries stay at n x block numbers.
    """
    n = a.shape[0]
    for start in range(0, n, block):
        end = min(start + block, n)
        diagonal, info = dpotrf(a[start:end, start:end], lower=1, clean=1)
        if info != 0:
            raise InputError(
                "model fit",
                f"kernel matrix not positive definite (LAPACK potrf info {info})",
                "increase gamma or remove duplicate bonds",
            )
        a[start:end, start:end] = diagonal
        if end == n:
            break
        # Panel below the diagonal block: L21 = A21 L11^-T.
        panel = solve_triangular(diagonal, a[end:, start:end].T, lower=True, check_finite=False).T
        a[end:, start:end] = panel
        # Trailing update of the lower triangle: A22 -= L21 L21^T, one column panel at a time.
        for col in range(end, n, block):
            col_end = min(col + block, n)
            rows = slice(col - end, None)
            a[col:, col:col_end] -= panel[rows] @ panel[col - end : col_end - end].T
