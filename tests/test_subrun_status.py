"""Sub-run status codes (DESIGN.md section 6) from the real sub-run and files derived from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from glassbonds.io.lobster import LobsterLog
from glassbonds.io.status_file import read_status_file, write_status_file
from glassbonds.subrun_status import (
    LobsterQuality,
    StatusCode,
    SubRunStatus,
    count_icohp_bonds,
    determine_status,
    read_lobster_log,
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


def test_lobster_cut_and_scf_not_converged_is_2_as_in_the_study(files: Files) -> None:
    # create_SSDB.py tests an unconverged scf.out first: 2 whatever LOBSTER did
    files.cut_before(files.lobster_log, "finished in")
    files.replace(files.scf_out, CONVERGED, "convergence NOT achieved after 100 iterations")
    assert files.status().code is StatusCode.SCF_NOT_CONVERGED


def test_icohplist_count_differing_from_lobster_log_is_7(files: Files) -> None:
    lines = files.icohplist.read_text().splitlines(keepends=True)
    files.icohplist.write_text("".join(lines[:-1]))
    status = files.status()
    assert status.code is StatusCode.DONE_BUT_UNMATCHED_BONDS and not status.usable
    assert status.icohp_bonds == 737 and status.lobster_interactions == 738


def test_lobster_cut_and_icohplist_incomplete_is_3_as_in_the_study(files: Files) -> None:
    files.cut_before(files.lobster_log, "finished in")
    lines = files.icohplist.read_text().splitlines(keepends=True)
    files.icohplist.write_text("".join(lines[:100]))
    status = files.status()
    assert status.code is StatusCode.LOB_NOT_FINISHED_BUT_ICOHP_OK and not status.usable
    assert status.icohp_bonds == 99


def test_no_scf_out_and_lobster_cut_with_icohplist_is_3(files: Files) -> None:
    files.scf_out.unlink()
    files.cut_before(files.lobster_log, "finished in")
    assert files.status().code is StatusCode.LOB_NOT_FINISHED_BUT_ICOHP_OK


def test_no_scf_out_but_finished_lobster_is_not_done(files: Files) -> None:
    # the original falls through to 1 here; without a converged scf nothing is usable
    files.scf_out.unlink()
    status = files.status()
    assert status.code is StatusCode.SCF_NOT_CONVERGED and not status.usable


def test_no_scf_out_and_no_icohplist_is_6(files: Files) -> None:
    files.scf_out.unlink()
    files.icohplist.unlink()
    assert files.status().code is StatusCode.SCF_NOT_CONVERGED_AND_NO_ICOHP


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


def test_truncated_scf_is_2_whatever_lobster_did(files: Files) -> None:
    files.cut_before(files.scf_out, "iteration # 20")
    status = files.status()
    assert status.code is StatusCode.SCF_NOT_CONVERGED
    assert "cut off after 19 iterations" in status.reason


def test_empty_scf_alone_is_2(files: Files) -> None:
    files.scf_out.write_text("")
    files.lobster_log.unlink()
    files.icohplist.unlink()
    status = files.status()
    assert status.code is StatusCode.SCF_NOT_CONVERGED and status.code.study_code == 2


def test_no_output_at_all_is_not_run_yet(tmp_path: Path) -> None:
    status = determine_status(tmp_path / "a.scf.out", tmp_path / "a.lb.out", None)
    assert status.code is StatusCode.NOT_RUN_YET and status.code.study_code == 6
    assert not status.usable


def test_usable_codes_are_1_and_4() -> None:
    assert sorted(int(code) for code in StatusCode if code.usable) == [1, 4]


def test_lobster_log_and_icohplist_readers(subrun_dir: Path, tmp_path: Path) -> None:
    log = read_lobster_log(subrun_dir / f"{NC}.lb.out")
    assert (log.interactions, log.finished) == (738, True)
    assert (log.program, log.version, log.synthetic) == ("LOBSTER", "3.0.0", False)
    assert read_lobster_log(tmp_path / "absent") == LobsterLog(None, False)
    (tmp_path / "header").write_text("  COHP#  atomMU  atomNU\n\n")
    assert count_icohp_bonds(tmp_path / "header") == 0
    assert count_icohp_bonds(subrun_dir / "ICOHPLIST.lobster") == 738


# -- a cut or edited ICOHPLIST is never data (issue 11, fault matrix) ------------------------


@pytest.mark.parametrize(
    "spoil",
    ["truncated-last-value", "no-final-newline", "other-fixed-format"],
)
def test_cut_or_edited_icohplist_is_incomplete_not_data(files: Files, spoil: str) -> None:
    text = files.icohplist.read_text()
    assert text.endswith("-1.62844 \n")
    if spoil == "truncated-last-value":
        text = text[: -len("2844 \n")]  # the file ends inside -1.62844: "-1.6"
    elif spoil == "no-final-newline":
        text = text[:-1]
    else:
        text = text.replace("-1.62844 \n", "-1.628440\n")
    files.icohplist.write_text(text)
    status = files.status()
    assert status.code is StatusCode.SCF_CONVERGED_BUT_NO_ICOHP and not status.usable
    assert status.icohp_bonds is None
    assert "ICOHPLIST incomplete" in status.reason and "ICOHPLIST.lobster:739" in status.reason


def _lobster45_layouts(real: str) -> dict[str, str]:
    """The real 738 bonds as LOBSTER 4 spin-polarised and LOBSTER 5 orbital-resolved files."""
    header, *bonds = real.splitlines(keepends=True)
    spin2 = header.replace("for spin  1", "for spin  2")
    orbital = []
    for line in bonds:
        fields = line.split()
        orbital.append(line)
        for suffix_a, suffix_b in (("_4s", "_5s"), ("_3d_xy", "_4d_x^2-y^2")):
            orbital.append(
                f"{fields[0]:>7} {fields[1] + suffix_a:>12} {fields[2] + suffix_b:>14}"
                f" {fields[3]:>12} {fields[4]:>7} {fields[5]:>3} {fields[6]:>3}"
                f" {-0.01:18.5f} \n"
            )
    return {
        "lobster4-spin-polarised": header + "".join(bonds) + spin2 + "".join(bonds),
        "lobster5-orbital-resolved": header + "".join(orbital),
        "lobster5-orbital-spin": header + "".join(orbital) + spin2 + "".join(orbital),
    }


@pytest.mark.parametrize(
    "layout", ["lobster4-spin-polarised", "lobster5-orbital-resolved", "lobster5-orbital-spin"]
)
def test_lobster_4_and_5_layouts_count_738_bonds_and_are_done(files: Files, layout: str) -> None:
    text = _lobster45_layouts(files.icohplist.read_text())[layout]
    assert len([line for line in text.splitlines() if line.strip()]) > 739
    files.icohplist.write_text(text)
    status = files.status()
    assert status.icohp_bonds == 738 and status.code is StatusCode.DONE


# -- programs, provenance and LOBSTER quality (issue 11 items 1-2, issue 14 item 2) --------

RUN21 = Path("G/Zr49Cu49Al2/c/md/lammps/100/21/2000")


def test_status_of_every_real_run21_subrun_records_programs_and_spillings(study_data, tmp_path):
    spillings = {}
    for sub in range(15):
        directory = study_data / RUN21 / str(sub)
        status = determine_status(
            directory / f"{NC}.scf.out", directory / f"{NC}.lb.out", directory / "ICOHPLIST.lobster"
        )
        assert status.pw_program["name"] == "PWSCF" and status.pw_program["version"] == "6.2"
        assert [p["element"] for p in status.pw_program["pseudopotentials"]] == ["Al", "Cu", "Zr"]
        for pseudo in status.pw_program["pseudopotentials"]:
            # the study's UPFs stayed on its cluster: name recorded, no checksum, a reason
            assert pseudo["file"] == f"{pseudo['element']}.aryjr-1.0.0-ld1.UPF"
            assert pseudo["sha256"] is None and "not found" in pseudo["reason"]
        if sub == 13:
            assert status.code is StatusCode.SCF_NOT_CONVERGED and status.icohp_program is None
            continue
        assert status.code is StatusCode.DONE
        assert status.icohp_program == {"name": "LOBSTER", "version": "3.0.0", "synthetic": False}
        assert len(status.charge_spilling) == len(status.total_spilling) == 1
        assert len(status.lobster_warnings) == 1 and "tetrahedron" in status.lobster_warnings[0]
        spillings[sub] = (status.charge_spilling[0], status.total_spilling[0])
        path = tmp_path / f"{sub}.status"
        write_status_file(path, status)
        assert read_status_file(path) == status
    # the values printed in each lobsterout ('abs. charge spilling:   1.60%')
    for sub, (charge, total) in spillings.items():
        text = (study_data / RUN21 / str(sub) / "lobsterout").read_text()
        assert f"abs. charge spilling:   {charge:.2f}%" in text
        assert f"abs. total  spilling:   {total:.2f}%" in text
    assert 1.4 < min(c for c, _ in spillings.values()) < max(c for c, _ in spillings.values()) < 1.7


def test_charge_spilling_above_the_threshold_is_8_with_its_value(files: Files) -> None:
    files.replace(
        files.lobster_log, "abs. charge spilling:   1.60%", "abs. charge spilling:   7.25%"
    )
    status = files.status()
    assert status.code is StatusCode.LOBSTER_QUALITY_FAILED and not status.usable
    assert "7.25% > 5%" in status.reason and status.charge_spilling == (7.25,)


def test_quality_thresholds_are_configurable(files: Files) -> None:
    strict = LobsterQuality.from_config({"max_charge_spilling_percent": 1.5})
    assert (
        determine_status(files.scf_out, files.lobster_log, files.icohplist, quality=strict).code
        is StatusCode.LOBSTER_QUALITY_FAILED
    )
    total = LobsterQuality.from_config({"max_total_spilling_percent": 3.0})
    status = determine_status(files.scf_out, files.lobster_log, files.icohplist, quality=total)
    assert "abs. total spilling 3.73% > 3%" in status.reason
    warned = LobsterQuality.from_config({"forbidden_warnings": ["tetrahedron"]})
    status = determine_status(files.scf_out, files.lobster_log, files.icohplist, quality=warned)
    assert status.code is StatusCode.LOBSTER_QUALITY_FAILED and "warning" in status.reason
    assert (
        determine_status(
            files.scf_out,
            files.lobster_log,
            files.icohplist,
            quality=LobsterQuality(None, None, ()),
        ).code
        is StatusCode.DONE
    )


def test_spin_polarised_spillings_are_read_per_channel(files: Files) -> None:
    files.replace(
        files.lobster_log,
        "abs. total  spilling:   3.73%\nabs. charge spilling:   1.60%\n",
        "spillings for spin channel 1\nabs. total  spilling:   3.73%\n"
        "abs. charge spilling:   1.60%\nspillings for spin channel 2\n"
        "abs. total  spilling:   3.80%\nabs. charge spilling:   5.10%\n",
    )
    status = files.status()
    assert status.charge_spilling == (1.6, 5.1) and status.total_spilling == (3.73, 3.8)
    assert status.code is StatusCode.LOBSTER_QUALITY_FAILED


def test_pseudopotential_found_gets_its_sha256(files: Files, tmp_path: Path) -> None:
    from glassbonds.files import sha256

    upf = tmp_path / "upf" / "Zr.aryjr-1.0.0-ld1.UPF"
    upf.parent.mkdir()
    upf.write_text("<UPF version='2.0.1'>\n")
    status = determine_status(
        files.scf_out, files.lobster_log, files.icohplist, pseudo_dirs=(upf.parent,)
    )
    records = {p["element"]: p for p in status.pw_program["pseudopotentials"]}
    assert records["Zr"]["sha256"] == sha256(upf) and records["Zr"]["reason"] is None
    assert records["Al"]["sha256"] is None
