"""pw.x input, output parsing and the pw.x runner, against the study's real files."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import ase.io
import numpy as np
import pytest
from ase.build import bulk
from ase.io.espresso import read_fortran_namelist

from glassbonds.config_defaults import study_config
from glassbonds.errors import InputError
from glassbonds.io.qe import (
    RY_TO_EV,
    PwRunError,
    ScfSettings,
    band_count,
    basis_function_count,
    read_final_structure,
    read_scf_outcome,
    run_pw,
    scf_input,
)
from tests.factories import scf_settings

NC = "Zr49Cu49Al2"
STUDY_UPFS = {el: f"{el}.aryjr-1.0.0-ld1.UPF" for el in ("Zr", "Cu", "Al")}
STUDY_BASIS = {"Zr": ["4s", "5s", "4p", "4d"], "Cu": ["3s", "4s", "3p", "3d"], "Al": ["3s", "3p"]}
RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "pseudopotentials"


def parse_input(text: str) -> tuple[dict, dict]:
    """Namelists and cards of a pw.x input (ASE's reader, lower-cased keys)."""
    namelists, cards = read_fortran_namelist(iter(text.splitlines(keepends=True)))
    return {name: dict(values) for name, values in namelists.items()}, cards


def card(cards: list[str], name: str, rows: int) -> list[list[str]]:
    start = next(i for i, line in enumerate(cards) if line.split()[0].upper() == name)
    return [cards[start + 1 + i].split() for i in range(rows)]


def study_input(subrun_dir: Path) -> str:
    real = (subrun_dir / f"{NC}.scf.in").read_text()
    control, _ = parse_input(real)
    atoms = ase.io.read(subrun_dir / f"{NC}.xyz")
    counts = {el: basis_function_count(orbitals) for el, orbitals in STUDY_BASIS.items()}
    return scf_input(
        atoms,
        scf_settings(),
        prefix=NC,
        pseudo_dir=control["control"]["pseudo_dir"],
        outdir=control["control"]["outdir"],
        pseudopotentials=STUDY_UPFS,
        basis_function_counts=counts,
    )


def test_scf_input_has_the_study_values(subrun_dir: Path) -> None:
    ours, our_cards = parse_input(study_input(subrun_dir))
    real, real_cards = parse_input((subrun_dir / f"{NC}.scf.in").read_text())
    for namelist in ("control", "system", "electrons"):
        for key, value in real[namelist].items():
            assert key in ours[namelist], f"{namelist}.{key} missing"
            if isinstance(value, float):
                assert ours[namelist][key] == pytest.approx(value), key
            else:
                assert ours[namelist][key] == value, key
    assert ours["system"]["nbnd"] == 1086
    real_positions = card(real_cards, "ATOMIC_POSITIONS", 100)
    our_positions = card(our_cards, "ATOMIC_POSITIONS", 100)
    assert [row[0] for row in our_positions] == [row[0] for row in real_positions]
    np.testing.assert_allclose(
        np.array([row[1:4] for row in our_positions], dtype=float),
        np.array([row[1:4] for row in real_positions], dtype=float),
        atol=1e-5,
    )
    np.testing.assert_allclose(
        np.array(card(our_cards, "CELL_PARAMETERS", 3), dtype=float),
        np.array(card(real_cards, "CELL_PARAMETERS", 3), dtype=float),
        atol=1e-6,
    )
    assert card(our_cards, "K_POINTS", 1)[0] == card(real_cards, "K_POINTS", 1)[0]
    species = {row[0]: row[2] for row in card(our_cards, "ATOMIC_SPECIES", 3)}
    assert species == STUDY_UPFS
    header = next(line for line in our_cards if line.startswith("ATOMIC_POSITIONS"))
    assert "crystal" in header


def test_gamma_and_mixing_mode_are_written_when_configured() -> None:
    atoms = bulk("Cu", "fcc", a=3.6)
    text = scf_input(
        atoms,
        scf_settings(gamma_only=True, mixing_mode="local-TF"),
        "cu",
        "/pp",
        "/tmp",
        {"Cu": "Cu.UPF"},
        {"Cu": 6},
    )
    namelists, cards = parse_input(text)
    assert next(c for c in cards if c.startswith("K_POINTS")).split()[1].lower() == "gamma"
    assert namelists["electrons"]["mixing_mode"] == "local-TF"
    assert namelists["system"]["nbnd"] == 6  # int(1.1 * 6) = 6


def test_default_input_has_no_mixing_mode() -> None:
    text = scf_input(
        bulk("Cu", "fcc", a=3.6), scf_settings(), "cu", "/pp", "/tmp", {"Cu": "Cu.UPF"}, {"Cu": 10}
    )
    assert "mixing_mode" not in text
    assert "2 2 2  1 1 1" in text


def test_missing_pseudopotential_or_basis_names_the_element() -> None:
    atoms = bulk("Cu", "fcc", a=3.6) * (2, 1, 1)
    atoms[0].symbol = "Zr"
    with pytest.raises(InputError, match=r"\['Zr'\]"):
        scf_input(atoms, scf_settings(), "x", "/pp", "/tmp", {"Cu": "Cu.UPF"}, {"Cu": 6, "Zr": 6})
    with pytest.raises(InputError, match=r"\['Zr'\]"):
        band_count(atoms, {"Cu": 6}, 1.1)


@pytest.mark.parametrize(
    ("orbitals", "expected"),
    [
        (["4s", "5s", "4p", "4d"], 10),
        (["3s", "4s", "3p", "3d"], 10),
        (["3s", "3p"], 4),
        (["4f"], 7),
        ([], 0),
    ],
)
def test_basis_function_count(orbitals: list[str], expected: int) -> None:
    assert basis_function_count(orbitals) == expected


def test_basis_function_count_rejects_a_bad_orbital() -> None:
    with pytest.raises(InputError, match="4x"):
        basis_function_count(["4s", "4x"])


def test_band_count_truncates_like_the_study() -> None:
    atoms = bulk("Cu", "fcc", a=3.6) * (10, 1, 1)
    assert band_count(atoms, {"Cu": 1}, 1.1) == 11  # 11.000000000000002 stays 11
    assert band_count(atoms, {"Cu": 10}, 1.1) == 110
    assert band_count(atoms[:3], {"Cu": 3}, 1.1) == 9  # 9.9 -> 9, not 10


def test_settings_from_config_take_the_qe_keys_of_the_same_name() -> None:
    qe = dict(study_config()["qe"], ecutwfc=30, kpoints=[1, 1, 1], gamma_only=True)
    settings = ScfSettings.from_config(qe)
    assert settings.kpoints == (1, 1, 1) and settings.ecutwfc == 30 and settings.gamma_only
    assert settings.kpoint_shift == (1, 1, 1) and settings.nbnd_factor == 1.1
    del qe["kpoint_shift"]
    with pytest.raises(InputError, match="kpoint_shift"):
        ScfSettings.from_config(qe)


# --- output parsing ---------------------------------------------------------------------


def test_real_output_is_converged_and_finished(subrun_dir: Path) -> None:
    outcome = read_scf_outcome(subrun_dir / f"{NC}.scf.out")
    assert outcome.converged and outcome.finished and not outcome.not_converged
    assert outcome.iterations == 61
    assert outcome.total_energy_ry == pytest.approx(-38989.80301770)
    assert outcome.total_energy_ev == pytest.approx(-38989.80301770 * RY_TO_EV)
    assert outcome.fermi_energy_ev == pytest.approx(14.7678)


def test_output_cut_before_convergence(subrun_dir: Path, tmp_path: Path) -> None:
    lines = (subrun_dir / f"{NC}.scf.out").read_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if "iteration # 31" in line)
    path = tmp_path / "cut.scf.out"
    path.write_text("".join(lines[: cut + 3]))
    outcome = read_scf_outcome(path)
    assert not outcome.converged and not outcome.finished and not outcome.not_converged
    assert outcome.iterations == 31
    assert outcome.total_energy_ry is None and outcome.total_energy_ev is None


def test_output_with_convergence_not_achieved(subrun_dir: Path, tmp_path: Path) -> None:
    text = (subrun_dir / f"{NC}.scf.out").read_text()
    text = text.replace(
        "convergence has been achieved in  61 iterations",
        "convergence NOT achieved after 100 iterations: stopping",
    )
    path = tmp_path / "nc.scf.out"
    path.write_text(text)
    outcome = read_scf_outcome(path)
    assert outcome.not_converged and not outcome.converged and outcome.finished
    assert outcome.iterations == 61  # the last "iteration #" seen


@pytest.mark.parametrize("content", [b"", b"\x00\xff\xfe garbage \x80", b"     iteration #"])
def test_empty_or_foreign_output_gives_false_flags(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.scf.out"
    path.write_bytes(content)
    outcome = read_scf_outcome(path)
    assert not (outcome.converged or outcome.finished or outcome.not_converged)
    assert outcome.iterations == 0 and outcome.total_energy_ry is None


def test_missing_output_gives_false_flags(tmp_path: Path) -> None:
    assert not read_scf_outcome(tmp_path / "absent.scf.out").converged


def test_final_structure_of_the_real_output(subrun_dir: Path) -> None:
    atoms = read_final_structure(subrun_dir / f"{NC}.scf.out")
    reference = ase.io.read(subrun_dir / f"{NC}.xyz")
    assert atoms.get_chemical_symbols() == reference.get_chemical_symbols()
    np.testing.assert_allclose(atoms.cell.array, reference.cell.array, atol=1e-5)
    np.testing.assert_allclose(atoms.positions, reference.positions, atol=1e-4)


def test_final_structure_of_a_foreign_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "x.scf.out"
    path.write_text("not a pw.x output\n")
    with pytest.raises(InputError, match=r"x\.scf\.out"):
        read_final_structure(path)


# --- the runner, with a fake launcher (no QE needed) --------------------------------------

FAKE_PW = """
import sys
mode = sys.argv[1]
print("     Program PWSCF fake")
for i in range(1, 4 if mode != "noiter" else 1):
    print(f"     iteration #  {i}     ecut=    30.00 Ry     beta= 0.40")
if mode == "fail":
    print("     Error in routine fake (1): something broke")
    sys.stderr.write("MPI_ABORT was invoked\\n")
    sys.exit(1)
if mode.startswith("notconv"):
    print("     convergence NOT achieved after 3 iterations: stopping")
if mode == "ok":
    print("     convergence has been achieved in   3 iterations")
if mode != "notconv-crash":
    print("   JOB DONE.")
if mode.startswith("notconv"):
    sys.exit(2)  # pw.x 6.x: STOP 2 after an unconverged scf
"""


def fake_command(tmp_path: Path, mode: str) -> str:
    script = tmp_path / "fake_pw.py"
    script.write_text(FAKE_PW)
    return f"{sys.executable} {script} {mode}"


@pytest.fixture
def pw_input(tmp_path: Path) -> Path:
    path = tmp_path / "x.scf.in"
    path.write_text("&CONTROL\n/\n")
    return path


def test_run_pw_keeps_a_not_converged_output(tmp_path: Path, pw_input: Path) -> None:
    output = tmp_path / "sub" / "x.scf.out"
    log = tmp_path / "pw.log"
    outcome = run_pw(
        fake_command(tmp_path, "notconv"),
        pw_input,
        output,
        tmp_path,
        log,
        scratch_dir=tmp_path / "scratch",
    )
    assert output.is_file() and outcome.not_converged and not outcome.converged
    assert (tmp_path / "scratch").is_dir()
    assert "-input" in log.read_text()
    assert not list(output.parent.glob(".*partial*"))


def test_run_pw_converged(tmp_path: Path, pw_input: Path) -> None:
    outcome = run_pw(fake_command(tmp_path, "ok"), pw_input, tmp_path / "x.scf.out", tmp_path)
    assert outcome.converged and outcome.finished and outcome.iterations == 3


@pytest.mark.parametrize(
    ("mode", "reason"),
    [("fail", "exit status 1"), ("noiter", "no SCF iteration"), ("notconv-crash", "exit status 2")],
)
def test_run_pw_failure_leaves_no_output(
    tmp_path: Path, pw_input: Path, mode: str, reason: str
) -> None:
    output = tmp_path / "x.scf.out"
    log = tmp_path / "pw.log"
    with pytest.raises(PwRunError, match=reason) as error:
        run_pw(fake_command(tmp_path, mode), pw_input, output, tmp_path, log)
    message = str(error.value)
    assert str(pw_input) in message and output.name in message
    assert "Program PWSCF fake" in message
    if mode == "fail":
        assert "something broke" in message and "MPI_ABORT" in message
    assert "Program PWSCF fake" in log.read_text()
    assert not output.exists()
    assert not list(tmp_path.glob(".x.scf.out*"))


def test_run_pw_with_a_missing_program(tmp_path: Path, pw_input: Path) -> None:
    with pytest.raises(PwRunError, match=r"no-such-pw\.x"):
        run_pw("no-such-pw.x -npool 1", pw_input, tmp_path / "x.scf.out", tmp_path)
    assert not (tmp_path / "x.scf.out").exists()


# --- real ld1.x + pw.x (a few seconds) ----------------------------------------------------


@pytest.mark.skipif(
    not (shutil.which("pw.x") and shutil.which("ld1.x")),
    reason="Quantum ESPRESSO (pw.x, ld1.x) not installed",
)
def test_real_pw_run_on_a_tiny_cell(tmp_path: Path) -> None:
    from glassbonds.io.pseudopotentials import generate_pseudopotential

    generate_pseudopotential(RESOURCES / "Cu.ld1.in", tmp_path / "pseudo" / "Cu.UPF", tmp_path)
    atoms = bulk("Cu", "fcc", a=3.63, cubic=True)  # 4 atoms
    settings = scf_settings(ecutwfc=25, ecutrho=100, gamma_only=True)
    pw_in = tmp_path / "cu.scf.in"
    pw_in.write_text(
        scf_input(
            atoms,
            settings,
            "cu",
            tmp_path / "pseudo",
            tmp_path / "scratch",
            {"Cu": "Cu.UPF"},
            {"Cu": 6},
        )
    )
    outcome = run_pw(
        "pw.x",
        pw_in,
        tmp_path / "cu.scf.out",
        tmp_path,
        tmp_path / "pw.log",
        scratch_dir=tmp_path / "scratch",
    )
    assert outcome.converged and outcome.finished and outcome.total_energy_ry is not None
    assert outcome.fermi_energy_ev is not None
    structure = read_final_structure(tmp_path / "cu.scf.out")
    np.testing.assert_allclose(structure.positions, atoms.positions, atol=1e-5)
    # Two iterations cannot converge: pw.x exits with status 2, the output is still a result.
    atoms.rattle(0.1, seed=1)
    short = scf_settings(ecutwfc=25, ecutrho=100, gamma_only=True, electron_maxstep=2)
    pw_in.write_text(
        scf_input(
            atoms,
            short,
            "cu",
            tmp_path / "pseudo",
            tmp_path / "scratch",
            {"Cu": "Cu.UPF"},
            {"Cu": 6},
        )
    )
    outcome = run_pw("pw.x", pw_in, tmp_path / "short.scf.out", tmp_path)
    assert outcome.not_converged and outcome.finished and not outcome.converged
    assert (tmp_path / "short.scf.out").is_file() and outcome.iterations == 2
