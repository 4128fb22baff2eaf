"""The sub-run status file: written, read back, and malformed or missing files named."""

from __future__ import annotations

from pathlib import Path

import pytest

from glassbonds.errors import InputError
from glassbonds.io.status_file import read_status_file, write_status_file
from glassbonds.subrun_status import determine_status

NC = "Zr49Cu49Al2"


def test_status_file_round_trip(subrun_dir: Path, tmp_path: Path) -> None:
    """The status of the real sub-run without its ICOHPLIST (code 5) written and read back."""
    status = determine_status(subrun_dir / f"{NC}.scf.out", subrun_dir / f"{NC}.lb.out", None)
    path = tmp_path / "out" / "subrun.status"
    write_status_file(path, status)
    text = path.read_text()
    assert "code: 5\n" in text and "name: SCF_CONVERGED_BUT_NO_ICOHP\n" in text
    assert "icohp_bonds: none\n" in text and "lobster_interactions: 738\n" in text
    assert read_status_file(path) == status
    assert [p.name for p in path.parent.iterdir()] == ["subrun.status"]


@pytest.mark.parametrize(
    "content",
    [
        "",
        "code: 10\n",
        "code: 1\nscf_converged: maybe\n",
        "code: 1\nscf_converged: true\nscf_finished: true\nlobster_finished: true\n"
        "lobster_interactions: many\n",
    ],
)
def test_malformed_status_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "subrun.status"
    path.write_text(content)
    with pytest.raises(InputError, match=r"subrun\.status"):
        read_status_file(path)


def test_missing_status_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_status_file(tmp_path / "subrun.status")
