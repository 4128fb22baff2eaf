"""The synthetic LOBSTER test double: its pair finder must agree with real LOBSTER on the
study's sub-run, its values must be plausible, and it must say that it is not LOBSTER."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms

from glassbonds import __version__
from glassbonds.composition import bond_type_of
from glassbonds.errors import InputError
from glassbonds.io.lobster import (
    count_icohp_bonds,
    read_icohplist,
    read_lobster_log,
    run_lobster,
)
from glassbonds.provenance import SYNTHETIC_PROGRAM
from glassbonds.synthetic_lobster import run, synthetic_icohp

SPECIES = ["Zr", "Cu", "Al"]


def _by_bond(table) -> dict[tuple[int, int, int, int, int], float]:
    return {
        (int(a), int(b), int(x), int(y), int(z)): float(d)
        for a, b, x, y, z, d in zip(
            table.atom_a, table.atom_b, table.tx, table.ty, table.tz, table.distance, strict=True
        )
    }


@pytest.fixture
def subrun_copy(subrun_dir, tmp_path) -> Path:
    """lobsterin and the converged pw.x output of the real sub-run, nothing else."""
    work = tmp_path / "0"
    work.mkdir()
    for name in ("lobsterin", "Zr49Cu49Al2.scf.out"):
        shutil.copyfile(subrun_dir / name, work / name)
    return work


@pytest.fixture
def double_output(subrun_copy, capsys):
    code = run(subrun_copy)
    stdout = capsys.readouterr().out
    return code, stdout, subrun_copy


def test_double_exits_0_and_writes_icohplist_and_lobsterout(double_output):
    code, _, work = double_output
    assert code == 0
    assert (work / "ICOHPLIST.lobster").is_file()
    assert (work / "lobsterout").is_file()


def test_double_finds_the_bonds_real_lobster_found(double_output, subrun_dir):
    _, _, work = double_output
    ours = _by_bond(read_icohplist(work / "ICOHPLIST.lobster"))
    real = _by_bond(read_icohplist(subrun_dir / "ICOHPLIST.lobster"))
    assert set(ours) == set(real)
    assert len(ours) == len(real) == 738
    for key, distance in real.items():
        assert ours[key] == pytest.approx(distance, abs=2e-5), key


def test_double_lists_bonds_in_lobster_order(double_output, subrun_dir):
    _, _, work = double_output
    ours = read_icohplist(work / "ICOHPLIST.lobster")
    real = read_icohplist(subrun_dir / "ICOHPLIST.lobster")
    assert list(zip(ours.atom_a, ours.atom_b, strict=True)) == list(
        zip(real.atom_a, real.atom_b, strict=True)
    )
    assert list(ours.symbol_a) == list(real.symbol_a)
    assert list(ours.symbol_b) == list(real.symbol_b)


def test_double_values_are_negative_and_finite(double_output):
    _, _, work = double_output
    icohp = read_icohplist(work / "ICOHPLIST.lobster")["icohp"].to_numpy()
    assert np.isfinite(icohp).all()
    assert (icohp < 0).all()


def test_shorter_bonds_of_one_type_are_stronger_on_average(double_output):
    _, _, work = double_output
    table = read_icohplist(work / "ICOHPLIST.lobster")
    table["type"] = [
        bond_type_of(a, b, SPECIES) for a, b in zip(table.symbol_a, table.symbol_b, strict=True)
    ]
    checked = 0
    for bond_type, group in table.groupby("type"):
        if len(group) < 20:
            continue
        median = group["distance"].median()
        short = -group.loc[group["distance"] < median, "icohp"].mean()
        long = -group.loc[group["distance"] > median, "icohp"].mean()
        assert short > long, bond_type
        checked += 1
    assert checked >= 3  # Zr-Zr, Zr-Cu and Cu-Cu at least


def test_double_log_says_it_is_a_test_double(double_output):
    _, stdout, work = double_output
    for text in (stdout, (work / "lobsterout").read_text()):
        assert "test double" in text
        assert "NOT LOBSTER" in text


def test_double_log_reads_as_a_finished_run_with_its_bond_count(double_output, tmp_path):
    _, stdout, work = double_output
    log_path = tmp_path / "Zr49Cu49Al2.lb.out"
    log_path.write_text(stdout)
    log = read_lobster_log(log_path)
    assert log.finished is True
    assert log.interactions == count_icohp_bonds(work / "ICOHPLIST.lobster") == 738


def test_double_without_inputs_fails_and_says_why(tmp_path, capsys):
    assert run(tmp_path) != 0
    out = capsys.readouterr().out
    assert "lobsterin" in out
    assert not (tmp_path / "ICOHPLIST.lobster").exists()


def test_double_runs_only_when_asked_and_its_log_names_it(subrun_copy):
    log_path = subrun_copy / "Zr49Cu49Al2.lb.out"
    said = run_lobster("lobster", subrun_copy, log_path, 1, scf_converged=True, test_double=True)
    log = read_lobster_log(log_path)
    assert log.interactions == 738 and log.finished
    assert (log.program, log.version, log.synthetic) == (SYNTHETIC_PROGRAM, __version__, True)
    assert read_lobster_log(subrun_copy / "lobsterout").program_record() == {
        "name": SYNTHETIC_PROGRAM,
        "version": __version__,
        "synthetic": True,
    }
    assert "NOT LOBSTER" in log_path.read_text() and "NOT LOBSTER" in said
    assert "LOBSTER ran" not in said and "LOBSTER ran" not in log_path.read_text()


def test_double_as_lobster_command_without_test_double_is_refused(subrun_copy):
    log_path = subrun_copy / "Zr49Cu49Al2.lb.out"
    with pytest.raises(InputError, match=r"lobster\.test_double"):
        run_lobster(SYNTHETIC_PROGRAM, subrun_copy, log_path, 1, scf_converged=True)
    command = f'{sys.executable} -c "from glassbonds.synthetic_lobster import main; main()"'
    with pytest.raises(InputError, match="test double"):
        run_lobster(command, subrun_copy, log_path, 1, scf_converged=True)
    assert not log_path.exists()


# -- the pair finder on hand-made cells ------------------------------------------------------


def test_each_periodic_image_pair_is_listed_once():
    # one atom in a cube of side 3: images at +-3 A along x, y, z (6 neighbours, 3 bonds);
    # the next shell is at 3*sqrt(2) = 4.24 A, beyond 4.2
    atoms = Atoms("Cu", positions=[[0.5, 0.5, 0.5]], cell=np.eye(3) * 3.0, pbc=True)
    table = synthetic_icohp(atoms, 1.8, 4.2)
    assert len(table) == 3
    np.testing.assert_allclose(table["distance"], 3.0)
    translations = {tuple(abs(v) for v in row) for row in table[["tx", "ty", "tz"]].to_numpy()}
    assert translations == {(1, 0, 0), (0, 1, 0), (0, 0, 1)}
    assert (table["atom_a"] == 0).all() and (table["atom_b"] == 0).all()


def test_bonds_outside_the_cohp_generator_range_are_left_out():
    # a Zr-Cu dimer at 2.5 A in a large box: one bond, kept only if 2.5 is in [min, max]
    atoms = Atoms("ZrCu", positions=[[5, 5, 5], [7.5, 5, 5]], cell=np.eye(3) * 20.0, pbc=True)
    assert len(synthetic_icohp(atoms, 1.8, 4.2)) == 1
    assert len(synthetic_icohp(atoms, 2.6, 4.2)) == 0
    assert len(synthetic_icohp(atoms, 1.8, 2.4)) == 0
    (row,) = synthetic_icohp(atoms, 1.8, 4.2).itertuples(index=False)
    assert (row.atom_a, row.atom_b, row.symbol_a, row.symbol_b) == (0, 1, "Zr", "Cu")
    assert row.distance == pytest.approx(2.5)
    assert (row.tx, row.ty, row.tz) == (0, 0, 0)


def test_translation_follows_lobster_convention():
    # atom 1 sits across the +x face: LOBSTER's T places b at r_b - T @ cell
    cell = np.eye(3) * 10.0
    atoms = Atoms("CuZr", positions=[[0.5, 5, 5], [8.0, 5, 5]], cell=cell, pbc=True)
    (row,) = synthetic_icohp(atoms, 1.8, 4.2).itertuples(index=False)
    translation = np.array([row.tx, row.ty, row.tz])
    separation = atoms.positions[1] - translation @ cell - atoms.positions[0]
    assert np.linalg.norm(separation) == pytest.approx(row.distance)
    assert row.distance == pytest.approx(2.5)
    assert tuple(translation) == (1, 0, 0)
