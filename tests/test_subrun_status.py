"""Sub-run status codes (DESIGN.md section 6) from the real sub-run and files derived from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from glassbonds.errors import InputError
from glassbonds.io.lobster import LobsterLog
from glassbonds.subrun_status import (
    StatusCode,
    SubRunStatus,
    count_icohp_bonds,
    determine_status,
    read_lobster_log,
    read_status_file,
    write_status_file,
)

NC = "Zr49Cu49Al2"
CONVERGED = "convergence has been achieved in  61 iterations"


class Files:
    """Copies of the real sub-run's three evidence files in tmp_path, to be spoiled."""

    def __init__(self, source: Path, target: Path) -> None:
        self.scf_out = target / f"{NC}.scf.out"
        self.lobster_log = target / f"{NC}.lb.out"
        self.icohplist = target / "ICOHPLIST.lobster"
        for path in (self.scf_out, self.lobster_log, self.icohplist):
            path.write_bytes((source / path.name).read_bytes())

    def status(self) -> SubRunStatus:
        return determine_status(self.scf_out, self.lobster_log, self.icohplist)

    def replace(self, path: Path, old: str, new: str) -> None:
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new))

    def cut_before(self, path: Path, marker: str) -> None:
        text = path.read_text()
        path.write_text(text[: text.index(marker)])


@pytest.fixture
def files(subrun_dir: Path, tmp_path: Path) -> Files:
    return Files(subrun_dir, tmp_path)


def test_real_subrun_is_done(subrun_dir: Path) -> None:
    status = determine_status(
        subrun_dir / f"{NC}.scf.out", subrun_dir / f"{NC}.lb.out", subrun_dir / "ICOHPLIST.lobster"
    )
    assert status.code is StatusCode.DONE and status.usable
    assert status.scf_converged and status.scf_finished and status.lobster_finished
    assert status.lobster_interactions == 738 and status.icohp_bonds == 738


def test_scf_not_converged_with_icohp_is_2(files: Files) -> None:
    files.replace(files.scf_out, CONVERGED, "convergence NOT achieved after 100 iterations")
    status = files.status()
    assert status.code is StatusCode.SCF_NOT_CONVERGED and not status.usable
    assert "NOT achieved" in status.reason


def test_lobster_cut_before_finished_with_complete_icohplist_is_4(files: Files) -> None:
    files.cut_before(files.lobster_log, "finished in")
    status = files.status()
    assert status.code is StatusCode.SCF_CONVERGED_LOB_NOT_FINISHED_BUT_ICOHP_OK
    assert status.usable and not status.lobster_finished and status.icohp_bonds == 738


def test_lobster_cut_and_scf_not_converged_is_3(files: Files) -> None:
    files.cut_before(files.lobster_log, "finished in")
    files.replace(files.scf_out, CONVERGED, "convergence NOT achieved after 100 iterations")
    assert files.status().code is StatusCode.LOB_NOT_FINISHED_BUT_ICOHP_OK


def test_icohplist_count_differing_from_lobster_log_is_7(files: Files) -> None:
    lines = files.icohplist.read_text().splitlines(keepends=True)
    files.icohplist.write_text("".join(lines[:-1]))
    status = files.status()
    assert status.code is StatusCode.DONE_BUT_UNMATCHED_BONDS and not status.usable
    assert status.icohp_bonds == 737 and status.lobster_interactions == 738


def test_lobster_cut_and_icohplist_incomplete_is_5(files: Files) -> None:
    files.cut_before(files.lobster_log, "finished in")
    lines = files.icohplist.read_text().splitlines(keepends=True)
    files.icohplist.write_text("".join(lines[:100]))
    assert files.status().code is StatusCode.SCF_CONVERGED_BUT_NO_ICOHP


@pytest.mark.parametrize("spoil", ["delete", "empty"])
def test_missing_or_empty_icohplist_is_5(files: Files, spoil: str) -> None:
    if spoil == "delete":
        files.icohplist.unlink()
    else:
        files.icohplist.write_text("")
    status = files.status()
    assert status.code is StatusCode.SCF_CONVERGED_BUT_NO_ICOHP and status.icohp_bonds is None


def test_missing_lobster_log_is_5(files: Files) -> None:
    files.lobster_log.unlink()
    assert files.status().code is StatusCode.SCF_CONVERGED_BUT_NO_ICOHP


def test_converged_but_unfinished_scf_ignores_lobster_output(files: Files) -> None:
    files.cut_before(files.scf_out, "This run was terminated on")
    status = files.status()
    assert status.scf_converged and not status.scf_finished
    assert status.code is StatusCode.SCF_CONVERGED_BUT_NO_ICOHP


def test_truncated_scf_is_6(files: Files) -> None:
    files.cut_before(files.scf_out, "iteration # 20")
    assert files.status().code is StatusCode.SCF_NOT_CONVERGED_AND_NO_ICOHP


def test_empty_scf_alone_is_6(files: Files) -> None:
    files.scf_out.write_text("")
    files.lobster_log.unlink()
    files.icohplist.unlink()
    status = files.status()
    assert status.code is StatusCode.SCF_NOT_CONVERGED_AND_NO_ICOHP
    assert status.code.study_code == 6


def test_no_output_at_all_is_not_run_yet(tmp_path: Path) -> None:
    status = determine_status(tmp_path / "a.scf.out", tmp_path / "a.lb.out", None)
    assert status.code is StatusCode.NOT_RUN_YET and status.code.study_code == 6
    assert not status.usable


def test_usable_codes_are_1_and_4() -> None:
    assert sorted(int(code) for code in StatusCode if code.usable) == [1, 4]


def test_lobster_log_and_icohplist_readers(subrun_dir: Path, tmp_path: Path) -> None:
    assert read_lobster_log(subrun_dir / f"{NC}.lb.out") == LobsterLog(738, True)
    assert read_lobster_log(tmp_path / "absent") == LobsterLog(None, False)
    (tmp_path / "header").write_text("  COHP#  atomMU  atomNU\n\n")
    assert count_icohp_bonds(tmp_path / "header") == 0
    assert count_icohp_bonds(subrun_dir / "ICOHPLIST.lobster") == 738


def test_status_file_round_trip(files: Files, tmp_path: Path) -> None:
    files.icohplist.unlink()
    status = files.status()
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
        "code: 9\n",
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
