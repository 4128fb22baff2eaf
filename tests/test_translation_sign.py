"""One translation sign everywhere: LOBSTER's, checked on the study's real ICOHPLIST.

In the real ``ICOHPLIST.lobster`` of run 21 sub-run 0 every bond satisfies
``distance = |r_NU - T @ cell - r_MU|`` with the positions of the sub-run's ``.xyz``;
``lobsterin-quippy``'s offset o is the opposite (``r_J + o @ cell - r_I``). Every reader
and writer of the project must keep these signs.
"""

from __future__ import annotations

import numpy as np
from ase.io import read

from glassbonds.inference.writers import icohplist_text
from glassbonds.io.lobster import read_icohplist
from glassbonds.io.lobster_inputs import read_neighbour_list
from glassbonds.neighbours import find_bonds_in_atoms
from glassbonds.synthetic_lobster import synthetic_icohp


def lobster_distances(atoms, table) -> np.ndarray:
    """|r_NU - T @ cell - r_MU| for every row of an ICOHPLIST table."""
    cell = atoms.cell.array
    translation = table[["tx", "ty", "tz"]].to_numpy()
    mu = atoms.positions[table["atom_a"].to_numpy()]
    nu = atoms.positions[table["atom_b"].to_numpy()]
    return np.linalg.norm(nu - translation @ cell - mu, axis=1)


def test_the_reader_keeps_lobster_sign_on_all_738_real_bonds(subrun_dir):
    atoms = read(subrun_dir / "Zr49Cu49Al2.xyz")
    table = read_icohplist(subrun_dir / "ICOHPLIST.lobster")
    assert len(table) == 738
    np.testing.assert_allclose(lobster_distances(atoms, table), table["distance"], atol=2e-4)
    # the opposite sign would break it for every bond with a non-zero translation
    crossing = table[["tx", "ty", "tz"]].abs().sum(axis=1).to_numpy() > 0
    assert crossing.sum() > 50
    flipped = table.assign(tx=-table.tx, ty=-table.ty, tz=-table.tz)
    wrong = np.abs(lobster_distances(atoms, flipped) - table["distance"]) > 0.1
    assert wrong[crossing].all()


def test_neighbour_list_offsets_are_the_opposite_sign(subrun_dir):
    atoms = read(subrun_dir / "Zr49Cu49Al2.xyz")
    pairs = read_neighbour_list(subrun_dir / "lobsterin-quippy")
    offset = pairs[["ox", "oy", "oz"]].to_numpy()
    separation = (
        atoms.positions[pairs["neighbour"]] + offset @ atoms.cell.array
        - atoms.positions[pairs["centre"]]
    )  # fmt: skip
    assert np.linalg.norm(separation, axis=1).max() < 3.75 + 1e-6  # the SOAP cutoff


def test_the_inference_writer_writes_lobster_sign(subrun_dir, tmp_path):
    atoms = read(subrun_dir / "Zr49Cu49Al2.xyz")
    windows = {b: (1.8, 4.2) for b in ("Zr-Zr", "Zr-Cu", "Zr-Al", "Cu-Cu", "Cu-Al", "Al-Al")}
    bonds = find_bonds_in_atoms(atoms, windows, ("Zr", "Cu", "Al"))
    written = tmp_path / "ICOHPLIST.lobster"
    written.write_text(icohplist_text(bonds, atoms.get_chemical_symbols(), np.zeros(len(bonds))))
    table = read_icohplist(written)
    assert len(table) == 738  # LOBSTER's bonds of 1.8-4.2 A, each once
    np.testing.assert_allclose(lobster_distances(atoms, table), table["distance"], atol=2e-5)


def test_the_test_double_writes_lobster_sign(subrun_dir):
    atoms = read(subrun_dir / "Zr49Cu49Al2.xyz")
    table = synthetic_icohp(atoms, 1.8, 4.2)
    assert len(table) == 738
    np.testing.assert_allclose(lobster_distances(atoms, table), table["distance"], atol=2e-5)
