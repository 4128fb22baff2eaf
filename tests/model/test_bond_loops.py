"""The compiled per-bond loops against the NumPy formulas they replace."""

from __future__ import annotations

import numpy as np
import pytest

from glassbonds.model.bond_loops import pair_dots, tail_sums


def test_pair_dots_are_the_bonds_dot_products() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 300))
    atom_a, atom_b = rng.integers(0, 50, 400), rng.integers(0, 50, 400)
    expected = np.einsum("ij,ij->i", vectors[atom_a], vectors[atom_b])
    np.testing.assert_allclose(pair_dots(vectors, atom_a, atom_b), expected, rtol=1e-12)


@pytest.mark.parametrize("tail_counts", [[9, 6, 2, 0], [3, 0, 0, 0], [0, 0, 0, 0]])
def test_tail_sums_follow_the_low_rank_formulas(tail_counts: list[int]) -> None:
    rng = np.random.default_rng(1)
    n_atoms, n_bonds, rank = 30, 200, 17
    counts = np.array(tail_counts)
    k_tail, k_reduced = int(np.sum(counts > 0)), len(counts)
    z_tail = rng.normal(size=(n_atoms * k_tail, rank)).astype(np.float32)
    tail = rng.normal(size=(n_atoms, max(counts.max(), 1))).astype(np.float32)
    atom_a, atom_b = rng.integers(0, n_atoms, n_bonds), rng.integers(0, n_atoms, n_bonds)
    weights = rng.normal(size=(n_bonds, k_reduced))
    head = rng.normal(size=(n_bonds, rank))
    head_norm = rng.uniform(1.0, 2.0, n_bonds)
    inverse_eigen = rng.uniform(1.0, 5.0, rank)

    z = head.copy()
    squares, captured, psi_norm = tail_sums(
        z, z_tail, k_tail, atom_a, atom_b, weights, tail, counts, head_norm, inverse_eigen
    )

    expected_z = head.copy()
    rows = z_tail.astype(np.float64).reshape(n_atoms, k_tail, rank)
    for k in range(k_tail):
        expected_z += 0.5 * weights[:, k, None] * (rows[atom_a, k] + rows[atom_b, k])
    np.testing.assert_allclose(z, expected_z, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(squares, np.sum(expected_z**2, axis=1), rtol=1e-12)
    np.testing.assert_allclose(captured, expected_z**2 @ inverse_eigen, rtol=1e-12)
    summed = tail.astype(np.float64)[atom_a] + tail.astype(np.float64)[atom_b]
    y_norms = head_norm[:, None] + np.stack(
        [np.sum(summed[:, :count] ** 2, axis=1) for count in counts], axis=1
    )
    np.testing.assert_allclose(psi_norm, 0.25 * np.sum(weights**2 * y_norms, axis=1), rtol=1e-12)
