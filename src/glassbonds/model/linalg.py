"""Linear algebra of the kernel model: the blocked in-place Cholesky factorisation.

(The zeta = 1 series and the predictive-variance maths are in ``predictive_std.py``.)"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular
from scipy.linalg.lapack import dpotrf

from glassbonds.errors import InputError

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
