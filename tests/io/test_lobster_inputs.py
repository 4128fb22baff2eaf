"""LOBSTER's inputs: lobsterin and the neighbour list lobsterin-quippy, against the study's
real files of run 21, sub-run 0."""

from __future__ import annotations

import re

import pytest
from ase.io import read

from glassbonds.errors import InputError
from glassbonds.io.lobster_inputs import (
    LobsterSettings,
    lobsterin_text,
    neighbour_list_text,
    read_neighbour_list,
)

# The study's lobsterin settings (DESIGN.md section 4).
STUDY_SETTINGS = LobsterSettings(
    basis_functions={
        "Zr": ["4s", "5s", "4p", "4d"],
        "Cu": ["3s", "4s", "3p", "3d"],
        "Al": ["3s", "3p"],
    },
    cohp_start_energy=-100.0,
    cohp_end_energy=40.0,
    basis_set="Bunge",
    bond_min=1.80,
    bond_max=4.20,
)


# -- lobsterin and the neighbour list -------------------------------------------------------


def test_lobsterin_text_equals_the_real_lobsterin(subrun_dir):
    assert lobsterin_text(STUDY_SETTINGS) == (subrun_dir / "lobsterin").read_text()


def _cohpbetween(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.startswith("cohpbetween")]


def test_neighbour_list_of_the_real_xyz_equals_the_real_lobsterin_quippy(subrun_dir):
    atoms = read(subrun_dir / "Zr49Cu49Al2.xyz")
    ours = _cohpbetween(neighbour_list_text(atoms, STUDY_SETTINGS, 3.75))
    real = _cohpbetween((subrun_dir / "lobsterin-quippy").read_text())
    assert len(ours) == len(set(ours))
    assert set(ours) == set(real)
    assert len(ours) == len(real)


def test_neighbour_list_text_starts_with_the_lobsterin_header(subrun_dir):
    atoms = read(subrun_dir / "Zr49Cu49Al2.xyz")
    text = neighbour_list_text(atoms, STUDY_SETTINGS, 3.75)
    real_header = (subrun_dir / "lobsterin-quippy").read_text().splitlines()[:9]
    assert text.splitlines()[:9] == real_header


def test_read_neighbour_list_of_the_real_file(subrun_dir):
    path = subrun_dir / "lobsterin-quippy"
    table = read_neighbour_list(path)
    lines = _cohpbetween(path.read_text())
    assert len(table) == len(lines)
    assert list(table.columns) == ["centre", "neighbour", "ox", "oy", "oz"]
    # "cohpbetween atom 1 atom 7 offset 0 0 -1" is the first line: 0-based indices
    assert tuple(table.iloc[0]) == (0, 6, 0, 0, -1)
    last = lines[-1].split()
    assert tuple(table.iloc[-1]) == (
        int(last[2]) - 1,
        int(last[4]) - 1,
        *(int(v) for v in last[6:9]),
    )


def test_read_neighbour_list_of_a_malformed_line_names_file_and_line(tmp_path):
    path = tmp_path / "lobsterin-quippy"
    path.write_text(
        "skipDOS\ncohpbetween atom 1 atom 2 offset 0 0 0\ncohpbetween atom X atom 2 offset 0 0 0\n"
    )
    with pytest.raises(InputError, match=re.escape(f"{path}:3")):
        read_neighbour_list(path)
