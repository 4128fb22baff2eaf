"""Compiled per-bond loops of the predictive std (Numba): one pass per bond instead of NumPy
gathers into temporaries.

A 10,000-atom frame has ~66,000 bonds, each reading two SOAP vectors (2,100 float64) for its
prior and 2 K_t rows of the per-atom products for its low-rank std. In NumPy each step copies
the gathered rows into a block before multiplying; these loops read them in place, which
makes the per-bond part of the std about 40 % faster (``docs/benchmarks.md``). The results
are the same sums in another order (float64 accumulation; ``fastmath`` lets the compiler
vectorise the sums, changing the last bits). Compiled on first use and cached on disk.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, fastmath=True, boundscheck=False)
def _pair_dots(vectors, atom_a, atom_b, out):
    n_features = vectors.shape[1]
    for bond in range(atom_a.shape[0]):
        a, b = atom_a[bond], atom_b[bond]
        total = 0.0
        for feature in range(n_features):
            total += vectors[a, feature] * vectors[b, feature]
        out[bond] = total


def pair_dots(vectors: np.ndarray, atom_a: np.ndarray, atom_b: np.ndarray) -> np.ndarray:
    """``vectors[a] . vectors[b]`` for each bond (a, b) (float64 rows, float64 sums)."""
    out = np.empty(len(atom_a))
    _pair_dots(
        np.ascontiguousarray(vectors, dtype=np.float64),
        np.asarray(atom_a, dtype=np.intp),
        np.asarray(atom_b, dtype=np.intp),
        out,
    )
    return out


@numba.njit(cache=True, fastmath=True, boundscheck=False)
def _tail_sums(
    z, z_tail, k_tail, atom_a, atom_b, weights, tail, tail_counts, head_norm, inverse_eigen, out
):
    n_bonds, rank = z.shape
    k_reduced = weights.shape[1]
    for bond in range(n_bonds):
        row_a, row_b = atom_a[bond] * k_tail, atom_b[bond] * k_tail
        z_bond = z[bond]
        for k in range(k_tail):
            weight = 0.5 * weights[bond, k]
            from_a, from_b = z_tail[row_a + k], z_tail[row_b + k]
            for j in range(rank):
                z_bond[j] += weight * (np.float64(from_a[j]) + np.float64(from_b[j]))
        squares, captured = 0.0, 0.0
        for j in range(rank):
            square = z_bond[j] * z_bond[j]
            squares += square
            captured += square * inverse_eigen[j]
        # |psi|^2 = 0.25 sum_k a'_k^2 (|head|^2 + the first tail_counts[k] tail terms); the
        # counts do not increase with k, so walking k backwards extends one running sum.
        tail_a, tail_b = tail[atom_a[bond]], tail[atom_b[bond]]
        running, psi_norm, direction = 0.0, 0.0, 0
        for k in range(k_reduced - 1, -1, -1):
            while direction < tail_counts[k]:
                summed = np.float64(tail_a[direction]) + np.float64(tail_b[direction])
                running += summed * summed
                direction += 1
            psi_norm += weights[bond, k] * weights[bond, k] * (head_norm[bond] + running)
        out[bond, 0] = squares
        out[bond, 1] = captured
        out[bond, 2] = 0.25 * psi_norm


def tail_sums(
    z: np.ndarray,
    z_tail: np.ndarray,
    k_tail: int,
    atom_a: np.ndarray,
    atom_b: np.ndarray,
    weights: np.ndarray,
    tail: np.ndarray,
    tail_counts: np.ndarray,
    head_norm: np.ndarray,
    inverse_eigen: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per bond of the low-rank std (:class:`~glassbonds.model.predictive_std.LowRankStd`):
    adds the float32 tail ``0.5 sum_{k < k_tail} a'_k (Z_k[a] + Z_k[b])`` to ``z`` (float64,
    (bonds, r), in place; ``z_tail`` row ``atom * k_tail + k``), then returns ``|z|^2``,
    ``sum_j z_j^2 / lambda_j`` and ``|psi|^2 = 0.25 sum_k a'_k^2 (head_norm + sum_{l <
    tail_counts[k]} (tail[a] + tail[b])_l^2)`` (``weights``: a', (bonds, K'))."""
    out = np.empty((len(z), 3))
    _tail_sums(
        z,
        z_tail,
        int(k_tail),
        np.asarray(atom_a, dtype=np.intp),
        np.asarray(atom_b, dtype=np.intp),
        np.ascontiguousarray(weights, dtype=np.float64),
        tail,
        np.asarray(tail_counts, dtype=np.intp),
        np.ascontiguousarray(head_norm, dtype=np.float64),
        np.ascontiguousarray(inverse_eigen, dtype=np.float64),
        out,
    )
    return out[:, 0], out[:, 1], out[:, 2]
