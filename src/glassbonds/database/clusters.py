"""Clusters of a sub-run: each centre atom with its explicit neighbours and their -ICOHP.

The explicit neighbour list (``lobsterin-quippy``) names, per centre atom, every neighbour
within the SOAP cutoff with the periodic offset ``o`` that places it at ``r + o @ cell``.
Both databases of the study are built from these clusters (create_SSDB.py): the per-bond
database (PB mode) takes each bond once, the per-cluster database (PC mode) keeps whole
clusters. A cluster with one pair missing from ``ICOHPLIST.lobster`` is incomplete: it goes
to ``DUB.info`` (one line per missing pair), never into a database.
Lengths in angstrom, -ICOHP in eV.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from ase import Atoms

from glassbonds.database.subruns import DISTANCE_TOLERANCE, check_indices


@dataclass(frozen=True)
class Cluster:
    """One centre atom (0-based index) and its neighbours, in the neighbour list's order.

    ``offsets`` are the neighbours' periodic offsets (cell units), ``icohp_rows`` the rows of
    the ICOHPLIST table holding each pair's bond (``-1`` where the pair is missing), and
    ``missing`` the labels (neighbour first, ``Cu95-Cu94``) of the pairs ICOHPLIST lacks.
    """

    centre: int
    neighbours: tuple[int, ...]
    offsets: tuple[tuple[int, int, int], ...]
    icohp_rows: tuple[int, ...]
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing


def icohp_lookup(icohp: pd.DataFrame) -> dict[tuple[int, int, int, int, int], int]:
    """Index of ICOHPLIST bonds by (centre, neighbour, offset), for both atom orders.

    LOBSTER's translation T of a bond (a, b) places b at ``r_b - T @ cell`` relative to a,
    whereas the neighbour list's offset o places the neighbour at ``r + o @ cell``; so
    (a, b, -T) and (b, a, T) are the two keys of one bond.
    """
    keys: dict[tuple[int, int, int, int, int], int] = {}
    translation = icohp[["tx", "ty", "tz"]].to_numpy()
    for index, (a, b) in enumerate(zip(icohp["atom_a"], icohp["atom_b"], strict=True)):
        tx, ty, tz = (int(v) for v in translation[index])
        keys[(a, b, -tx, -ty, -tz)] = index
        keys[(b, a, tx, ty, tz)] = index
    return keys


def _single_listing(icohp: pd.DataFrame) -> dict[tuple[int, int], int]:
    """Rows of pairs that ICOHPLIST lists exactly once, keyed by both atom orders.

    Such a pair cannot be confused with another image of itself, so a translation that
    differs only by convention still identifies it (the distance is checked by the caller).
    """
    pairs = list(zip(icohp["atom_a"], icohp["atom_b"], strict=True))
    counts = Counter(tuple(sorted(pair)) for pair in pairs)
    single: dict[tuple[int, int], int] = {}
    for index, (a, b) in enumerate(pairs):
        if counts[tuple(sorted((a, b)))] == 1:
            single[(a, b)] = single[(b, a)] = index
    return single


def subrun_clusters(
    atoms: Atoms,
    icohp: pd.DataFrame,
    neighbours: pd.DataFrame,
    neighbour_file: str | Path = "lobsterin-quippy",
    counts: Counter | None = None,
    distance_tolerance: float = DISTANCE_TOLERANCE,
) -> list[Cluster]:
    """Clusters of one sub-run, in the order of the neighbour list's centres.

    ``icohp`` is :func:`glassbonds.io.lobster.read_icohplist`'s table, ``neighbours``
    :func:`glassbonds.io.lobster_inputs.read_neighbour_list`'s. A pair found only through its
    single ICOHPLIST listing counts as found when the listed distance equals the pair's
    distance within ``distance_tolerance`` angstrom; otherwise it is missing and
    ``counts["distance mismatches"]`` grows. Missing pairs are labelled neighbour first, as
    the study's DUB.info writes them (``Cu95-Cu94`` for the centre Cu94).
    """
    counts = Counter() if counts is None else counts
    symbols = atoms.get_chemical_symbols()
    table = neighbours[["centre", "neighbour", "ox", "oy", "oz"]].to_numpy()
    check_indices(neighbour_file, "cohpbetween", table[:, :2], len(symbols))
    lookup = icohp_lookup(icohp)
    single = _single_listing(icohp)
    listed_distance = icohp["distance"].to_numpy()
    positions, cell = atoms.positions, atoms.cell.array
    starts = np.flatnonzero(np.r_[True, table[1:, 0] != table[:-1, 0]]) if len(table) else []
    clusters = []
    for start, end in zip(starts, [*starts[1:], len(table)], strict=True):
        rows, missing = [], []
        for centre, neighbour, ox, oy, oz in table[start:end]:
            index = lookup.get((centre, neighbour, ox, oy, oz))
            if index is None and (centre, neighbour) in single:
                candidate = single[(centre, neighbour)]
                distance = np.linalg.norm(
                    positions[neighbour] + np.array([ox, oy, oz]) @ cell - positions[centre]
                )
                if abs(distance - listed_distance[candidate]) <= distance_tolerance:
                    index = candidate
                else:
                    counts["distance mismatches"] += 1
            if index is None:
                missing.append(f"{symbols[neighbour]}{neighbour + 1}-{symbols[centre]}{centre + 1}")
            rows.append(-1 if index is None else index)
        block = table[start:end]
        clusters.append(
            Cluster(
                centre=int(block[0, 0]),
                neighbours=tuple(int(n) for n in block[:, 1]),
                offsets=tuple((int(x), int(y), int(z)) for x, y, z in block[:, 2:]),
                icohp_rows=tuple(rows),
                missing=tuple(missing),
            )
        )
    return clusters


def cluster_atoms(atoms: Atoms, cluster: Cluster) -> Atoms:
    """The cluster as a structure: centre first, then each neighbour at ``r + o @ cell``.

    The cell of the sub-run is kept (periodic), as the study's per-cluster files do.
    """
    cell = atoms.cell.array
    indices = [cluster.centre, *cluster.neighbours]
    shifts = np.array([(0, 0, 0), *cluster.offsets]) @ cell
    return Atoms(
        symbols=[atoms[i].symbol for i in indices],
        positions=atoms.positions[indices] + shifts,
        cell=cell,
        pbc=True,
    )
