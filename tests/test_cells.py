"""Sub-run cell transformations against hand-computed lattice vectors (angstrom)."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms

from glassbonds.cells import Transformation, deform, transformations_from_config
from glassbonds.config_defaults import study_transformations
from glassbonds.errors import InputError

# The config schema's default list of sub-runs (the study's), checked below against the
# paper's list (STUDY_CONFIG) and against hand-computed cells (EXPECTED_CELLS).
STUDY_TRANSFORMATIONS = study_transformations()

# A non-cubic orthogonal reference cell diag(a, b, c) with distinct edges.
A, B, C = 10.0, 12.0, 15.0

# Rows are lattice vectors; written out by hand for each of the 15 study sub-runs.
EXPECTED_CELLS = {
    0: [[10, 0, 0], [0, 12, 0], [0, 0, 15]],
    # shear slot s0..s5 of [[1, s0, s1], [s2, 1, s3], [s4, s5, 1]] = 0.5, times diag(a, b, c)
    1: [[10, 6, 0], [0, 12, 0], [0, 0, 15]],
    2: [[10, 0, 7.5], [0, 12, 0], [0, 0, 15]],
    3: [[10, 0, 0], [5, 12, 0], [0, 0, 15]],
    4: [[10, 0, 0], [0, 12, 7.5], [0, 0, 15]],
    5: [[10, 0, 0], [0, 12, 0], [5, 0, 15]],
    6: [[10, 0, 0], [0, 12, 0], [0, 6, 15]],
    # axial: x +2 %, x -20 %, y +2 %, y -20 %, z +2 %, z -20 %
    7: [[10.2, 0, 0], [0, 12, 0], [0, 0, 15]],
    8: [[8.0, 0, 0], [0, 12, 0], [0, 0, 15]],
    9: [[10, 0, 0], [0, 12.24, 0], [0, 0, 15]],
    10: [[10, 0, 0], [0, 9.6, 0], [0, 0, 15]],
    11: [[10, 0, 0], [0, 12, 0], [0, 0, 15.3]],
    12: [[10, 0, 0], [0, 12, 0], [0, 0, 12.0]],
    # isotropic +1 %, -10 %
    13: [[10.1, 0, 0], [0, 12.12, 0], [0, 0, 15.15]],
    14: [[9.0, 0, 0], [0, 10.8, 0], [0, 0, 13.5]],
}

STUDY_CONFIG = [
    {"subrun": 0, "kind": "reference"},
    *({"subrun": 1 + k, "kind": "shear", "element": k, "value": 0.5} for k in range(6)),
    {"subrun": 7, "kind": "axial", "axis": "x", "strain": 0.02},
    {"subrun": 8, "kind": "axial", "axis": "x", "strain": -0.20},
    {"subrun": 9, "kind": "axial", "axis": "y", "strain": 0.02},
    {"subrun": 10, "kind": "axial", "axis": "y", "strain": -0.20},
    {"subrun": 11, "kind": "axial", "axis": "z", "strain": 0.02},
    {"subrun": 12, "kind": "axial", "axis": "z", "strain": -0.20},
    {"subrun": 13, "kind": "isotropic", "strain": 0.01},
    {"subrun": 14, "kind": "isotropic", "strain": -0.10},
]


@pytest.fixture
def reference() -> Atoms:
    rng = np.random.default_rng(7)
    fractional = rng.random((12, 3))
    atoms = Atoms("Zr4Cu6Al2", cell=np.diag([A, B, C]), pbc=True)
    atoms.set_scaled_positions(fractional)
    return atoms


def test_the_study_has_fifteen_subruns_numbered_0_to_14():
    assert [t.subrun for t in STUDY_TRANSFORMATIONS] == list(range(15))


@pytest.mark.parametrize("transformation", STUDY_TRANSFORMATIONS, ids=lambda t: f"sub{t.subrun}")
def test_study_cells_match_hand_computed_lattice_vectors(reference, transformation):
    deformed = deform(reference, transformation)
    np.testing.assert_allclose(
        np.asarray(deformed.cell), EXPECTED_CELLS[transformation.subrun], atol=1e-12
    )


@pytest.mark.parametrize("transformation", STUDY_TRANSFORMATIONS, ids=lambda t: f"sub{t.subrun}")
def test_fractional_coordinates_are_preserved(reference, transformation):
    deformed = deform(reference, transformation)
    expected = reference.get_scaled_positions(wrap=False)
    np.testing.assert_allclose(deformed.get_scaled_positions(wrap=False), expected, atol=1e-12)
    # the cartesian positions really moved with the cell
    np.testing.assert_allclose(
        deformed.positions,
        expected @ np.asarray(EXPECTED_CELLS[transformation.subrun]),
        atol=1e-12,
    )


@pytest.mark.parametrize("transformation", STUDY_TRANSFORMATIONS, ids=lambda t: f"sub{t.subrun}")
def test_deform_leaves_the_reference_untouched(reference, transformation):
    before_cell = np.asarray(reference.cell).copy()
    before_positions = reference.positions.copy()
    deformed = deform(reference, transformation)
    np.testing.assert_array_equal(np.asarray(reference.cell), before_cell)
    np.testing.assert_array_equal(reference.positions, before_positions)
    assert deformed.get_chemical_symbols() == reference.get_chemical_symbols()


def test_isotropic_compression_scales_the_volume_by_0_9_cubed(reference):
    deformed = deform(reference, STUDY_TRANSFORMATIONS[14])
    assert deformed.get_volume() == pytest.approx(0.9**3 * A * B * C, rel=1e-12)


@pytest.mark.parametrize("subrun", range(1, 7))
def test_shears_keep_the_volume(reference, subrun):
    deformed = deform(reference, STUDY_TRANSFORMATIONS[subrun])
    assert deformed.get_volume() == pytest.approx(A * B * C, rel=1e-12)


def test_schema_default_is_the_study_list_of_subruns():
    built = transformations_from_config(STUDY_CONFIG)
    assert sorted(built) == list(range(15))
    assert tuple(built[k] for k in range(15)) == STUDY_TRANSFORMATIONS


def test_config_subset_keeps_its_subrun_numbers(reference):
    built = transformations_from_config(
        [
            {"subrun": 0, "kind": "reference"},
            {"subrun": 14, "kind": "isotropic", "strain": -0.10},
        ]
    )
    assert sorted(built) == [0, 14]
    np.testing.assert_allclose(np.asarray(deform(reference, built[14]).cell), EXPECTED_CELLS[14])


@pytest.mark.parametrize(
    "entries",
    [
        [{"subrun": 1, "kind": "twist"}],
        [{"subrun": 1, "kind": "shear", "element": 6, "value": 0.5}],
        [{"subrun": 1, "kind": "shear", "element": -1, "value": 0.5}],
        [{"subrun": 1, "kind": "axial", "axis": "w", "strain": 0.02}],
        [{"subrun": 1, "kind": "axial", "axes": "x", "strain": 0.02}],  # misspelt key
        [{"subrun": 3, "kind": "reference"}, {"subrun": 3, "kind": "isotropic", "strain": 0.01}],
    ],
    ids=[
        "unknown-kind",
        "shear-element-6",
        "shear-element-negative",
        "unknown-axis",
        "unknown-key",
        "duplicate-subrun",
    ],
)
def test_bad_config_entries_raise_input_error(entries):
    with pytest.raises(InputError):
        transformations_from_config(entries)


def test_duplicate_subrun_error_names_the_subrun():
    entries = [{"subrun": 3, "kind": "reference"}, {"subrun": 3, "kind": "reference"}]
    with pytest.raises(InputError, match=r"sub-run 3"):
        transformations_from_config(entries)


def test_unknown_kind_error_names_the_kind():
    with pytest.raises(InputError, match="twist"):
        transformations_from_config([{"subrun": 1, "kind": "twist"}])


def test_matrix_of_shear_element_puts_the_value_in_its_slot():
    slots = [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]
    for element, slot in enumerate(slots):
        expected = np.eye(3)
        expected[slot] = 0.25
        matrix = Transformation(1, "shear", element=element, value=0.25).matrix()
        np.testing.assert_array_equal(matrix, expected)
