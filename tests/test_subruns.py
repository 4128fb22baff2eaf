"""Sub-run inputs from the study's config (the schema's defaults) against the study's own
15 sub-runs of run 21: deformed cells, pw.x namelists, lobsterin and lobsterin-quippy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ase.io import read
from ase.io.espresso import read_fortran_namelist

from glassbonds.config_defaults import study_config
from glassbonds.errors import InputError
from glassbonds.subruns import SubRunOutputs, write_subrun_inputs

NC = "Zr49Cu49Al2"


def _write(reference, sub: int, directory: Path, config: dict):
    directory.mkdir(parents=True, exist_ok=True)
    outputs = SubRunOutputs(
        directory / f"{NC}.xyz",
        directory / f"{NC}.scf.in",
        directory / "lobsterin",
        directory / "lobsterin-quippy",
    )
    atoms = write_subrun_inputs(
        reference,
        sub,
        outputs,
        nc=NC,
        transformations=config["subruns"],
        qe=config["qe"],
        lobster=config["lobster"],
        pseudo_dir="/pseudo",
        scratch="/scratch",
        neighbour_cutoff=config["soap"]["r_cut"],
    )
    return atoms, outputs


def _namelists(path: Path) -> dict:
    namelists, _ = read_fortran_namelist(iter(path.read_text().splitlines(keepends=True)))
    return {name: dict(values) for name, values in namelists.items()}


def _cohpbetween(path: Path) -> set[str]:
    lines = path.read_text().splitlines()
    return {" ".join(line.split()) for line in lines if line.startswith("cohpbetween")}


def test_the_study_config_remakes_the_15_subruns_of_run_21(subrun_dir, tmp_path):
    """From sub-run 0's cell, every sub-run's cell (1e-6 A), pw.x settings, lobsterin (the
    same text) and neighbour list (the same pairs) are the study's."""
    config = study_config()
    reference = read(subrun_dir / f"{NC}.xyz")
    for sub in range(15):
        real_dir = subrun_dir.parent / str(sub)
        atoms, outputs = _write(reference, sub, tmp_path / str(sub), config)
        real = read(real_dir / f"{NC}.xyz")
        np.testing.assert_allclose(atoms.cell.array, real.cell.array, atol=1e-6)
        np.testing.assert_allclose(atoms.positions, real.positions, atol=2e-6)
        ours, theirs = _namelists(outputs.scf_in), _namelists(real_dir / f"{NC}.scf.in")
        for namelist in ("system", "electrons"):
            for key, value in theirs[namelist].items():
                assert ours[namelist][key] == pytest.approx(value), (sub, namelist, key)
        assert outputs.lobsterin.read_text() == (real_dir / "lobsterin").read_text()
        assert _cohpbetween(outputs.neighbours) == _cohpbetween(real_dir / "lobsterin-quippy")


def test_a_subrun_without_transformation_names_the_config_key(subrun_dir, tmp_path):
    config = study_config()
    config["subruns"] = config["subruns"][:3]
    with pytest.raises(InputError, match=r"config key subruns.*sub-run 7"):
        _write(read(subrun_dir / f"{NC}.xyz"), 7, tmp_path, config)


def test_an_element_without_basis_functions_names_the_config_key(subrun_dir, tmp_path):
    config = study_config()
    del config["lobster"]["basis_functions"]["Al"]
    with pytest.raises(InputError, match=r"lobster.basis_functions.*Al"):
        _write(read(subrun_dir / f"{NC}.xyz"), 0, tmp_path, config)
    assert not list(tmp_path.iterdir())  # nothing written
