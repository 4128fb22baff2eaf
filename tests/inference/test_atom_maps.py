"""Per-atom maps: each bond's -ICOHP counted for both its atoms, readable back with ASE."""

from __future__ import annotations

import numpy as np
from ase.io import read

from glassbonds.inference.atom_maps import atom_sums, write_atom_map
from glassbonds.inference.models import FittedModels
from glassbonds.neighbours import find_bonds_in_atoms
from tests.factories import SPECIES, WINDOWS
from tests.inference.test_frames import (
    _frame_text,
    _structure,
    infer_dump,
    trained,  # noqa: F401  (module fixture)
)


def test_sums_count_each_bond_for_both_atoms_and_skip_unmodelled_bonds(tmp_path):
    atoms = _structure(3)
    bonds = find_bonds_in_atoms(atoms, WINDOWS, SPECIES)
    rng = np.random.default_rng(0)
    value = rng.uniform(0.1, 2.0, len(bonds))
    value[::7] = np.nan  # bonds of a type without a model
    std = np.full(len(bonds), 0.1)
    sums, sums_std, counts = atom_sums(len(atoms), bonds, value, std)
    known = np.isfinite(value)
    assert np.isclose(sums.sum(), 2 * value[known].sum())
    assert counts.sum() == 2 * known.sum()
    np.testing.assert_allclose(sums_std, 0.1 * np.sqrt(counts))
    write_atom_map(tmp_path / "map.xyz", atoms, sums, sums_std, counts)
    back = read(tmp_path / "map.xyz")
    np.testing.assert_allclose(back.arrays["sum_minus_icohp"], sums)
    np.testing.assert_array_equal(back.arrays["bonds"], counts)
    assert back.get_chemical_symbols() == atoms.get_chemical_symbols()


def test_inference_writes_a_map_per_frame(trained, tmp_path):  # noqa: F811
    models = FittedModels.load(trained, SPECIES)
    atoms = _structure(71)
    dump = tmp_path / "one.dump"
    dump.write_text(_frame_text(atoms, 0))
    infer_dump(models, dump, tmp_path, "5")
    mapped = read(tmp_path / "5_0_atoms.xyz")
    icohp = np.loadtxt(tmp_path / "5_0_ICOHPLIST.lobster", skiprows=1, usecols=7)
    # +ICOHP in the ICOHPLIST, -ICOHP summed per atom: every bond counted twice
    assert np.isclose(mapped.arrays["sum_minus_icohp"].sum(), -2 * icohp.sum(), rtol=1e-4)
    assert (mapped.arrays["sum_minus_icohp_std"] > 0).all()
