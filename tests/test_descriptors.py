"""Per-atom SOAP of the real sub-run: shape, normalisation, invariances, storage."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ase import Atoms
from ase.io import read

from glassbonds.config_defaults import study_soap_parameters
from glassbonds.descriptors import SoapParameters, load_soap, save_soap, soap_vectors
from glassbonds.errors import InputError

STUDY = SoapParameters(
    species=("Zr", "Cu", "Al"), r_cut=3.75, n_max=8, l_max=6, sigma=0.5, periodic=True
)


@pytest.fixture(scope="module")
def real_atoms(subrun_dir) -> Atoms:
    return read(subrun_dir / "Zr49Cu49Al2.xyz")


@pytest.fixture(scope="module")
def real_vectors(real_atoms) -> np.ndarray:
    return soap_vectors(real_atoms, STUDY)


def test_real_cell_gives_one_2100_long_vector_per_atom(real_atoms, real_vectors):
    # DScribe with crossover: (S * n_max) * (S * n_max + 1) / 2 * (l_max + 1), S = 3 species
    pairs = 3 * 8
    assert real_vectors.shape == (len(real_atoms), pairs * (pairs + 1) // 2 * 7) == (100, 2100)
    assert real_vectors.dtype == np.float64
    assert np.isfinite(real_vectors).all()


def test_real_vectors_have_unit_norm(real_vectors):
    np.testing.assert_allclose(np.linalg.norm(real_vectors, axis=1), 1.0, atol=1e-12)


def test_atoms_of_different_environments_get_different_vectors(real_atoms, real_vectors):
    symbols = np.array(real_atoms.get_chemical_symbols())
    zr, cu = np.flatnonzero(symbols == "Zr")[0], np.flatnonzero(symbols == "Cu")[0]
    assert not np.allclose(real_vectors[zr], real_vectors[cu])
    assert len({tuple(np.round(v, 6)) for v in real_vectors}) == len(real_vectors)


def test_vectors_are_invariant_under_a_rigid_translation_and_wrap(real_atoms, real_vectors):
    moved = real_atoms.copy()
    moved.positions += np.array([1.37, -4.21, 7.93])
    moved.wrap()
    assert not np.allclose(moved.positions, real_atoms.positions)
    np.testing.assert_allclose(soap_vectors(moved, STUDY), real_vectors, atol=1e-8)


def test_vectors_follow_a_permutation_of_the_atoms(real_atoms, real_vectors):
    order = np.random.default_rng(3).permutation(len(real_atoms))
    np.testing.assert_allclose(
        soap_vectors(real_atoms[order], STUDY), real_vectors[order], atol=1e-8
    )


def test_an_element_outside_species_raises_input_error(real_atoms):
    atoms = real_atoms.copy()
    atoms[0].symbol = "Ni"
    with pytest.raises(InputError, match="Ni"):
        soap_vectors(atoms, STUDY)


def test_an_atom_without_neighbours_raises_input_error():
    # soap_vectors promises "an atom has no neighbour within r_cut" -> InputError; the two
    # atoms here are 15.6 A apart (r_cut 3.75 A, no periodic image closer than 20 A)
    atoms = Atoms("Cu2", positions=[[1, 1, 1], [10, 10, 10]], cell=np.eye(3) * 20, pbc=True)
    with pytest.raises(InputError):
        soap_vectors(atoms, STUDY)


def test_save_and_load_round_trip_with_parameters(tmp_path, real_atoms, real_vectors):
    path = tmp_path / "SOAPS.npz"
    symbols = real_atoms.get_chemical_symbols()
    save_soap(path, real_vectors, STUDY, symbols)
    record = load_soap(path)
    np.testing.assert_array_equal(record.vectors, real_vectors)
    assert record.symbols == symbols
    assert record.parameters == {
        "species": ["Zr", "Cu", "Al"],
        "r_cut": 3.75,
        "n_max": 8,
        "l_max": 6,
        "sigma": 0.5,
        "periodic": True,
    }
    assert (
        SoapParameters(**{**record.parameters, "species": tuple(record.parameters["species"])})
        == STUDY
    )
    assert [p.name for p in tmp_path.iterdir()] == ["SOAPS.npz"]


def test_parameters_from_config_are_the_study_parameters():
    config = {"r_cut": 3.75, "n_max": 8, "l_max": 6, "sigma": 0.5, "periodic": True}
    assert SoapParameters.from_config(["Zr", "Cu", "Al"], config) == STUDY
    # the config schema's defaults are the paper's parameters
    assert study_soap_parameters() == STUDY
    assert json.loads(json.dumps(STUDY.as_dict()))["species"] == ["Zr", "Cu", "Al"]


@pytest.mark.parametrize("kind", ["text", "npz-without-vectors", "object-array", "missing"])
def test_load_of_a_non_soap_file_raises_input_error(tmp_path, kind):
    path = tmp_path / "SOAPS.npz"
    if kind == "text":
        path.write_text("not a SOAP file\n")
    elif kind == "npz-without-vectors":
        np.savez(path, something=np.zeros(3))
    elif kind == "object-array":
        np.save(tmp_path / "SOAPS.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
        path = tmp_path / "SOAPS.npy"
    with pytest.raises(InputError) as caught:
        load_soap(path)
    assert str(path) in str(caught.value)


def test_load_of_the_studys_python2_pickle_raises_input_error(study_data):
    path = study_data / "ETL_model" / "Zr49Cu49Al2-PBSSDB" / "Al-Al-SOAPS.vec"
    if not path.is_file():
        pytest.skip(f"{path} absent")
    with pytest.raises(InputError):
        load_soap(path)


def test_check_same_descriptor_names_every_difference_in_one_line() -> None:
    from glassbonds.descriptors import check_same_descriptor
    from glassbonds.errors import InputError

    same = {"species": ["Zr", "Cu"], "r_cut": 3.75}
    check_same_descriptor("m.npz", same, {"species": ("Zr", "Cu"), "r_cut": 3.75}, "fix")
    with pytest.raises(InputError) as raised:
        check_same_descriptor("m.npz", same, {"species": ["Zr", "Cu"], "r_cut": 5.0, "n_max": 8},
                              "use the model's settings")  # fmt: skip
    message = str(raised.value)
    assert "\n" not in message
    assert message == (
        "m.npz: other SOAP parameters (n_max: 'missing' != 8; r_cut: 3.75 != 5.0); "
        "use the model's settings"
    )
