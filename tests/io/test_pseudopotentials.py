"""ld1.x pseudopotentials from the repository's inputs (real ld1.x, about 1 s each)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from glassbonds.errors import InputError
from glassbonds.io.pseudopotentials import (
    bundled_ld1_input,
    generate_pseudopotential,
    ld1_output_name,
    upf_valence,
)

needs_ld1 = pytest.mark.skipif(not shutil.which("ld1.x"), reason="ld1.x (quantum-espresso) absent")


@pytest.mark.parametrize(("element", "valence"), [("Zr", 4.0), ("Cu", 11.0), ("Al", 3.0)])
def test_bundled_inputs_are_norm_conserving_tm_pbe(element: str, valence: float) -> None:
    text = bundled_ld1_input(element).read_text()
    assert "pseudotype = 1" in text and "tm = .true." in text and "dft = 'PBE'" in text
    assert ld1_output_name(bundled_ld1_input(element)) == f"{element}.pbe-tm-gb.UPF"


@needs_ld1
@pytest.mark.parametrize(("element", "valence"), [("Zr", 4.0), ("Cu", 11.0), ("Al", 3.0)])
def test_generate_bundled_pseudopotential(tmp_path: Path, element: str, valence: float) -> None:
    output = tmp_path / "pseudo" / f"{element}.UPF"
    workdir = tmp_path / "work"
    assert generate_pseudopotential(bundled_ld1_input(element), output, workdir) == output
    text = output.read_text()
    assert "<UPF" in text and 'pseudo_type="NC"' in text
    assert 'functional="PBE"' in text or "PBE" in text.split("<PP_HEADER")[1][:2000]
    assert upf_valence(output) == valence
    # ld1.x's scratch files (ld1.wfc, ...) are gone; nothing partial beside the UPF.
    assert list(workdir.iterdir()) == []
    assert [p.name for p in output.parent.iterdir()] == [output.name]


@needs_ld1
def test_failing_ld1_input_raises_naming_the_input(tmp_path: Path) -> None:
    bad = tmp_path / "Zr.bad.ld1.in"
    # The local channel (lloc=0, s) must be the last card: ld1.x stops with an error.
    text = bundled_ld1_input("Zr").read_text().replace("lloc = 0", "lloc = 1")
    bad.write_text(text)
    output = tmp_path / "Zr.UPF"
    with pytest.raises(InputError, match=r"Zr\.bad\.ld1\.in.*lloc") as error:
        generate_pseudopotential(bad, output, tmp_path)
    assert "ld1.x did not make" in str(error.value)
    assert not output.exists()


def test_missing_program_or_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no-such-ld1"):
        generate_pseudopotential(
            bundled_ld1_input("Cu"), tmp_path / "Cu.UPF", tmp_path, ld1_command="no-such-ld1.x"
        )
    with pytest.raises(InputError, match="not found"):
        generate_pseudopotential(tmp_path / "absent.in", tmp_path / "Cu.UPF", tmp_path)


def test_input_without_output_name(tmp_path: Path) -> None:
    path = tmp_path / "x.ld1.in"
    path.write_text(" &input\n zed=29.\n /\n &inputp\n /\n")
    with pytest.raises(InputError, match="file_pseudopw"):
        ld1_output_name(path)


def test_unknown_element_has_no_bundled_input() -> None:
    with pytest.raises(InputError, match="Xe"):
        bundled_ld1_input("Xe")
