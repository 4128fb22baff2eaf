"""Per-atom bond-strength maps: the sum of the predicted -ICOHP (eV) of each atom's bonds.

Every bond adds its predicted -ICOHP to both its atoms. The std of the sum is
``sqrt(sum of the bonds' variances)``, which treats the bonds' errors as independent: the
errors of bonds that share an atom are correlated, so this is an indication of the spread,
not a calibrated interval for the sum. Written as extended XYZ (ASE and OVITO read it) with
the per-atom columns ``sum_minus_icohp`` (eV), ``sum_minus_icohp_std`` (eV) and ``bonds`` (count of
modelled bonds).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ase import Atoms
from ase.io import write as write_structure

from glassbonds.files import atomic_path
from glassbonds.neighbours import Bonds


def atom_sums(
    natoms: int, bonds: Bonds, minus_icohp: np.ndarray, std: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """(sum of -ICOHP per atom, its std or None, modelled bonds per atom) from per-bond
    predictions (NaN: no model; such bonds are left out)."""
    known = np.isfinite(minus_icohp)
    ends = np.concatenate([bonds.atom_a[known], bonds.atom_b[known]])
    values = np.concatenate([minus_icohp[known], minus_icohp[known]])
    sums = np.bincount(ends, weights=values, minlength=natoms)
    counts = np.bincount(ends, minlength=natoms)
    if std is None:
        return sums, None, counts
    variance = np.concatenate([std[known] ** 2, std[known] ** 2])
    return sums, np.sqrt(np.bincount(ends, weights=variance, minlength=natoms)), counts


def write_atom_map(
    path: str | Path, atoms: Atoms, sums: np.ndarray, std: np.ndarray | None, counts: np.ndarray
) -> None:
    """The frame as extended XYZ with the per-atom sums as properties, atomically."""
    mapped = atoms.copy()
    mapped.set_array("sum_minus_icohp", np.asarray(sums, dtype=float))
    if std is not None:
        mapped.set_array("sum_minus_icohp_std", np.asarray(std, dtype=float))
    mapped.set_array("bonds", np.asarray(counts, dtype=int))
    with atomic_path(path) as tmp:
        write_structure(tmp, mapped, format="extxyz")
