"""Bond detection: atom pairs whose distance lies in a per-bond-type window [d_min, d_max].

Lengths are in angstrom. The neighbour list is vesin's periodic cell list, which returns
*every* periodic image of a pair inside the cutoff. A minimum-image search (what the
original ML-ICOHP.py did) is only right when every cell height exceeds twice the cutoff;
for smaller or triclinic cells it misses images, so it is not used here.

Shift convention: a bond between atoms ``a`` and ``b`` with integer shift ``S`` joins atom
``a`` in the home cell with the image of atom ``b`` shifted by ``S`` cell vectors::

    distance = | r_b + S @ cell - r_a |        (cell rows are the lattice vectors)

where ``r`` are the positions exactly as given (no wrapping). LOBSTER's ICOHPLIST
translation has the opposite sign, ``T = -S`` (checked on all 738 bonds of the study's real
ICOHPLIST: ``distance = |r_NU - T @ cell - r_MU|``), so writers of ICOHPLIST files write
``-S``; ``lobsterin-quippy``'s offset is ``S``. Each bond appears once: ``atom_a < atom_b``,
or ``atom_a == atom_b`` (an atom and its own image) with ``S`` lexicographically positive
(first non-zero component > 0), since ``(a, a, S)`` and ``(a, a, -S)`` are the same bond.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from ase import Atoms

from glassbonds.composition import bond_type_of
from glassbonds.errors import InputError

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bonds:
    """Bonds of one structure as parallel arrays (one row per bond).

    ``atom_a``/``atom_b`` are 0-based atom indices, ``distance`` in angstrom,
    ``translation`` (n, 3) integer cell shifts S of ``atom_b``, ``r_b + S @ cell`` (see the
    module docstring; LOBSTER's ICOHPLIST translation is ``-S``),
    ``bond_type`` an index into ``type_names`` (names such as ``"Zr-Cu"``).
    """

    atom_a: np.ndarray
    atom_b: np.ndarray
    distance: np.ndarray
    translation: np.ndarray
    bond_type: np.ndarray
    type_names: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.distance.shape[0])

    def counts(self) -> dict[str, int]:
        """Number of bonds per bond-type name (every name of ``type_names``, zeros included)."""
        per_type = np.bincount(self.bond_type, minlength=len(self.type_names))
        return {name: int(count) for name, count in zip(self.type_names, per_type, strict=True)}

    def subset(self, mask: np.ndarray) -> Bonds:
        """The bonds selected by a boolean mask or an index array (same ``type_names``)."""
        return Bonds(
            atom_a=self.atom_a[mask],
            atom_b=self.atom_b[mask],
            distance=self.distance[mask],
            translation=self.translation[mask],
            bond_type=self.bond_type[mask],
            type_names=self.type_names,
        )


def normalise_windows(
    windows: Mapping[str, Sequence[float]], species: Sequence[str]
) -> dict[str, tuple[float, float]]:
    """Validate windows keyed ``"A-B"``; keys are renamed to the species order (``Zr-Cu``).

    A key written against the species order (``Cu-Zr`` with species Zr, Cu) is accepted and
    renamed, with a log line (logger ``glassbonds.neighbours``, level WARNING) naming both
    spellings, so the window is never silently lost or duplicated. (The workflow's config
    check is stricter: it refuses such keys, see :mod:`glassbonds.config_checks`.)

    Raises :class:`InputError` naming the key for an unknown element, a malformed key,
    a duplicate type, or a window that is not ``0 <= d_min <= d_max`` (angstrom).
    """
    result: dict[str, tuple[float, float]] = {}
    for key, window in windows.items():
        parts = str(key).split("-")
        where = f"inference.windows[{key!r}]"
        if len(parts) != 2:
            raise InputError(where, "a bond type must be written 'A-B'", "e.g. Zr-Cu")
        unknown = [symbol for symbol in parts if symbol not in species]
        if unknown:
            raise InputError(
                where,
                f"element(s) {unknown} not in species {list(species)}",
                "use the elements of the config key species",
            )
        name = bond_type_of(parts[0], parts[1], species)
        if name != str(key):
            _LOG.warning(
                "inference window %r is bond type %s (species order %s)", key, name, list(species)
            )
        try:
            d_min, d_max = (float(value) for value in window)
        except (TypeError, ValueError):
            raise InputError(
                where, f"{window!r} is not [d_min, d_max]", "give two distances in angstrom"
            ) from None
        if not 0.0 <= d_min <= d_max:
            raise InputError(where, f"window [{d_min}, {d_max}] is not 0 <= d_min <= d_max")
        if name in result:
            raise InputError(where, f"bond type {name} is given twice", "keep one window")
        result[name] = (d_min, d_max)
    if not result:
        raise InputError(
            "inference.windows",
            "no bond-type window given",
            "give at least one 'A-B': [d_min, d_max]",
        )
    return result


def _canonical_pairs(
    first: np.ndarray, second: np.ndarray, shifts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Orient each pair as (a <= b) and self-image pairs with a lexicographically positive T.

    vesin gives ``r_j + S @ cell - r_i``; swapping the atoms negates the shift.
    """
    first = first.astype(np.int64)
    second = second.astype(np.int64)
    shifts = shifts.astype(np.int64)
    lead = np.zeros(len(first), dtype=np.int64)
    nonzero = shifts != 0
    has_nonzero = nonzero.any(axis=1)
    lead[has_nonzero] = shifts[has_nonzero, np.argmax(nonzero[has_nonzero], axis=1)]
    flip = (first > second) | ((first == second) & (lead < 0))
    atom_a = np.where(flip, second, first)
    atom_b = np.where(flip, first, second)
    translation = np.where(flip[:, None], -shifts, shifts)
    return atom_a, atom_b, translation


def find_bonds(
    positions: np.ndarray,
    cell: np.ndarray,
    symbols: Sequence[str],
    windows: Mapping[str, Sequence[float]],
    species: Sequence[str],
    pbc: bool | Sequence[bool] = True,
) -> Bonds:
    """All bonds of a structure, each once, sorted by (atom_a, atom_b, translation).

    ``positions`` (n, 3) and ``cell`` (3, 3, rows = lattice vectors) in angstrom. A pair
    is a bond when ``d_min <= distance <= d_max`` (inclusive, as ML-ICOHP.py) for its
    bond type; pairs of a type without a window are not bonds (the study's windows: config
    key ``inference.windows``, :func:`glassbonds.config_defaults.study_windows`). Bond-type
    names follow ``species`` (config key ``species``).
    """
    import vesin

    windows = normalise_windows(windows, species)
    type_names = tuple(windows)
    positions = np.ascontiguousarray(positions, dtype=np.float64)
    cell = np.ascontiguousarray(cell, dtype=np.float64)
    element_index = {symbol: index for index, symbol in enumerate(species)}
    try:
        kinds = np.array([element_index[symbol] for symbol in symbols], dtype=np.int64)
    except KeyError as error:
        raise InputError(
            "structure",
            f"element {error} not in species {list(species)}",
            "add it to the config key species",
        ) from None
    # Pair-type lookup table: (kind_a, kind_b) -> index into type_names, -1 = no window.
    table = np.full((len(species), len(species)), -1, dtype=np.int64)
    d_min = np.empty(len(type_names))
    d_max = np.empty(len(type_names))
    for index, name in enumerate(type_names):
        first, second = (element_index[symbol] for symbol in name.split("-"))
        table[first, second] = table[second, first] = index
        d_min[index], d_max[index] = windows[name]

    cutoff = float(d_max.max())
    if cutoff <= 0.0:
        first = second = np.zeros(0, dtype=np.int64)
        shifts = np.zeros((0, 3), dtype=np.int64)
        distance = np.zeros(0)
    else:
        # A half list gives each (pair, image) once; its orientation is fixed below. vesin
        # drops pairs at exactly the cutoff, so pad it: the windows are inclusive.
        calculator = vesin.NeighborList(cutoff=cutoff + 1e-6, full_list=False)
        periodic = bool(pbc) if isinstance(pbc, bool | np.bool_) else [bool(p) for p in pbc]
        first, second, shifts, distance = calculator.compute(
            positions, cell, periodic, quantities="ijSd"
        )
    pair_type = table[kinds[first], kinds[second]]
    keep = pair_type >= 0
    keep[keep] &= (distance[keep] >= d_min[pair_type[keep]]) & (
        distance[keep] <= d_max[pair_type[keep]]
    )
    atom_a, atom_b, translation = _canonical_pairs(first[keep], second[keep], shifts[keep])
    order = np.lexsort((translation[:, 2], translation[:, 1], translation[:, 0], atom_b, atom_a))
    return Bonds(
        atom_a=atom_a[order],
        atom_b=atom_b[order],
        distance=np.asarray(distance[keep], dtype=np.float64)[order],
        translation=translation[order],
        bond_type=pair_type[keep][order],
        type_names=type_names,
    )


def find_bonds_in_atoms(
    atoms: Atoms, windows: Mapping[str, Sequence[float]], species: Sequence[str]
) -> Bonds:
    """:func:`find_bonds` for an ASE ``Atoms`` (its positions, cell and pbc)."""
    return find_bonds(
        atoms.positions,
        np.asarray(atoms.cell),
        atoms.get_chemical_symbols(),
        windows,
        species,
        tuple(bool(p) for p in atoms.pbc),
    )
