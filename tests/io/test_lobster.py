"""LOBSTER I/O: the real LOBSTER 3.0.0 files of the study, ICOHPLIST layouts 2.x-5.x built
from the documented formats, neighbour lists, screen logs, and running LOBSTER."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glassbonds.errors import InputError
from glassbonds.io.lobster import (
    ICOHP_COLUMNS,
    count_icohp_bonds,
    icohplist_text,
    read_icohplist,
    read_lobster_log,
    run_lobster,
)

HEADER_3 = (
    "  COHP#  atomMU  atomNU     distance     translation      ICOHP (at) eF   for spin  {}\n"
)
HEADER_5 = " COHP#  atomMU  atomNU     distance     translation  ICOHP (at) eF for spin  1\n"
HEADER_5_SPIN = (
    " COHP#  atomMU  atomNU     distance     translation  ICOHP (at) eF for spin  1"
    "  ICOHP (at) eF for spin  2\n"
)


def _label_index(label: str) -> tuple[str, int]:
    match = re.fullmatch(r"([A-Z][a-z]?)(\d+)", label)
    assert match, label
    return match.group(1), int(match.group(2)) - 1


def _write(tmp_path: Path, text: str, name: str = "ICOHPLIST.lobster") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# -- the real ICOHPLIST ----------------------------------------------------------------------


def test_real_icohplist_has_738_bonds_with_labels_parsed_to_0_based_indices(subrun_dir):
    table = read_icohplist(subrun_dir / "ICOHPLIST.lobster")
    assert list(table.columns) == ICOHP_COLUMNS
    assert len(table) == 738
    first, last = table.iloc[0], table.iloc[-1]
    # "      1     Cu1     Zr2      3.26048       0   0   0           -0.41728"
    assert (first.atom_a, first.atom_b, first.symbol_a, first.symbol_b) == (0, 1, "Cu", "Zr")
    assert first.distance == pytest.approx(3.26048)
    assert (first.tx, first.ty, first.tz) == (0, 0, 0)
    assert first.icohp == pytest.approx(-0.41728)
    # "    738    Cu99   Zr100      2.57934       0   0   0           -1.62844"
    assert (last.atom_a, last.atom_b, last.symbol_a, last.symbol_b) == (98, 99, "Cu", "Zr")
    assert last.distance == pytest.approx(2.57934)
    assert last.icohp == pytest.approx(-1.62844)


def test_real_icohplist_every_row_matches_the_file(subrun_dir):
    path = subrun_dir / "ICOHPLIST.lobster"
    table = read_icohplist(path)
    rows = [line.split() for line in path.read_text().splitlines()[1:] if line.strip()]
    assert len(rows) == len(table)
    for fields, row in zip(rows, table.itertuples(index=False), strict=True):
        symbol_a, atom_a = _label_index(fields[1])
        symbol_b, atom_b = _label_index(fields[2])
        assert (row.symbol_a, row.atom_a, row.symbol_b, row.atom_b) == (
            symbol_a,
            atom_a,
            symbol_b,
            atom_b,
        )
        assert (row.tx, row.ty, row.tz) == tuple(int(v) for v in fields[4:7])
        assert row.distance == float(fields[3])
        assert row.icohp == float(fields[7])


def test_real_icohplist_text_round_trips_byte_for_byte(subrun_dir):
    path = subrun_dir / "ICOHPLIST.lobster"
    assert icohplist_text(read_icohplist(path)).encode() == path.read_bytes()


def test_icohplist_text_round_trips_through_read(tmp_path):
    bonds = pd.DataFrame(
        [(0, 11, "B", "P", 2.1, 0, -1, 1, -1.25), (99, 9999, "Zr", "Al", 3.9, 1, 0, 0, -0.5)],
        columns=ICOHP_COLUMNS,
    )
    path = _write(tmp_path, icohplist_text(bonds))
    pd.testing.assert_frame_equal(read_icohplist(path), bonds, check_dtype=False)


# -- documented layouts ----------------------------------------------------------------------


def test_spin_polarised_3x_4x_sums_the_two_blocks(tmp_path):
    text = (
        HEADER_3.format(1)
        + "      1     Cu1     Zr2      3.26048       0   0   0           -0.41728 \n"
        + "      2     Cu1     Cu3      2.47778       0   0  -1           -0.48810 \n"
        + HEADER_3.format(2)
        + "      1     Cu1     Zr2      3.26048       0   0   0           -0.40000 \n"
        + "      2     Cu1     Cu3      2.47778       0   0  -1           -0.50000 \n"
    )
    table = read_icohplist(_write(tmp_path, text))
    assert len(table) == 2
    np.testing.assert_allclose(table["icohp"], [-0.81728, -0.98810])
    assert (table.iloc[1].tx, table.iloc[1].ty, table.iloc[1].tz) == (0, 0, -1)
    assert list(table["atom_b"]) == [1, 2]


def test_spin_blocks_listing_different_bonds_raise_input_error(tmp_path):
    text = (
        HEADER_3.format(1)
        + "      1     Cu1     Zr2      3.26048       0   0   0           -0.41728 \n"
        + HEADER_3.format(2)
        + "      1     Cu1     Zr5      3.26048       0   0   0           -0.40000 \n"
    )
    with pytest.raises(InputError, match="ICOHPLIST"):
        read_icohplist(_write(tmp_path, text))


def test_5x_nine_columns_sum_both_spins_of_one_line(tmp_path):
    text = (
        HEADER_5_SPIN
        + "     1     Fe1     Fe2      2.83124  -1  -1  -1     -0.20000     -0.30000\n"
        + "     2     Fe1     Fe2      2.83124   0   0   1     -0.10000     -0.05000\n"
    )
    table = read_icohplist(_write(tmp_path, text))
    assert len(table) == 2
    np.testing.assert_allclose(table["icohp"], [-0.5, -0.15])
    assert tuple(table.iloc[0][["tx", "ty", "tz"]]) == (-1, -1, -1)


@pytest.mark.parametrize("spins", [1, 2])
def test_5x_orbital_resolved_lines_are_skipped(tmp_path, spins):
    second = "     -0.00100" if spins == 2 else ""
    lines = [
        ("1", "Cu1", "Zr2", "-0.41728"),
        ("1", "Cu1_3s", "Zr2_4s", "-0.01000"),
        ("1", "Cu1_3d_xy", "Zr2_4d_xy", "-0.05000"),
        ("1", "Cu1_3d_x^2-y^2", "Zr2_5s", "-0.02000"),
        ("2", "Cu1", "Al3", "-0.30000"),
        ("2", "Cu1_4s", "Al3_3p_y", "-0.07000"),
    ]
    text = HEADER_5_SPIN if spins == 2 else HEADER_5
    for number, a, b, value in lines:
        text += f"     {number}     {a}     {b}      2.60000   0   0   0     {value}{second}\n"
    table = read_icohplist(_write(tmp_path, text))
    assert len(table) == 2
    assert list(table["symbol_b"]) == ["Zr", "Al"]
    assert list(table["atom_b"]) == [1, 2]
    offset = -0.001 if spins == 2 else 0.0
    np.testing.assert_allclose(table["icohp"], [-0.41728 + offset, -0.3 + offset])


def test_2x_six_column_layout_has_no_translation(tmp_path):
    text = (
        "  COHP#  atomMU  atomNU     distance      ICOHP (at) eF  for spin  1   number of bonds\n"
        "      1     Na1     Cl2      2.82000     -0.38462      6\n"
        "      2     Cl2     Cl3      3.98808     -0.01000     12\n"
    )
    table = read_icohplist(_write(tmp_path, text))
    assert len(table) == 2
    np.testing.assert_allclose(table["icohp"], [-0.38462, -0.01])
    np.testing.assert_allclose(table["distance"], [2.82, 3.98808])
    assert (table[["tx", "ty", "tz"]].to_numpy() == 0).all()
    assert list(table["symbol_a"]) == ["Na", "Cl"]


def test_one_letter_symbols_are_parsed(tmp_path):
    text = (
        HEADER_3.format(1)
        + "      1      B1     P12      1.95000       0   0   0           -2.10000 \n"
        + "      2     P12    Fe20      2.30000       1   0   0           -1.00000 \n"
        + "      3      N3      V4      2.10000       0   0   0           -1.50000 \n"
    )
    table = read_icohplist(_write(tmp_path, text))
    assert list(zip(table["symbol_a"], table["atom_a"], strict=True)) == [
        ("B", 0),
        ("P", 11),
        ("N", 2),
    ]
    assert list(zip(table["symbol_b"], table["atom_b"], strict=True)) == [
        ("P", 11),
        ("Fe", 19),
        ("V", 3),
    ]


def test_an_empty_icohplist_gives_an_empty_table(tmp_path):
    table = read_icohplist(_write(tmp_path, ""))
    assert len(table) == 0
    assert list(table.columns) == ICOHP_COLUMNS


def test_a_missing_icohplist_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="ICOHPLIST"):
        read_icohplist(tmp_path / "ICOHPLIST.lobster")


FULL_LAST_LINE = "      3     Cu99   Zr100      2.57934       0   0   0           -1.62844 \n"


def _cut_variants() -> dict[str, str]:
    """The last line of a 3.x file cut after each of its fields."""
    variants = {}
    fields = FULL_LAST_LINE.split()
    for keep in range(1, len(fields)):
        variants[f"{keep}-fields"] = "    " + "    ".join(fields[:keep])
    variants["label-without-index"] = "      3     Cu99   Zr"
    return variants


@pytest.mark.parametrize("cut", list(_cut_variants()))
def test_a_cut_line_raises_input_error_naming_file_and_line(tmp_path, cut):
    text = (
        HEADER_3.format(1)
        + "      1     Cu1     Zr2      3.26048       0   0   0           -0.41728 \n"
        + "      2     Cu1     Cu3      2.47778       0   0   0           -0.48810 \n"
        + _cut_variants()[cut]
    )
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        read_icohplist(path)
    assert f"{path}:4" in str(caught.value)


# -- counting and logs -----------------------------------------------------------------------


def test_count_icohp_bonds_of_the_real_file(subrun_dir):
    path = subrun_dir / "ICOHPLIST.lobster"
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    assert count_icohp_bonds(path) == len(lines) - 1 == 738


def test_count_icohp_bonds_of_a_missing_and_an_empty_file(tmp_path):
    assert count_icohp_bonds(tmp_path / "ICOHPLIST.lobster") is None
    assert count_icohp_bonds(_write(tmp_path, "")) is None
    assert count_icohp_bonds(_write(tmp_path, HEADER_3.format(1))) == 0


def test_read_lobster_log_of_the_real_run(subrun_dir):
    log = read_lobster_log(subrun_dir / "Zr49Cu49Al2.lb.out")
    assert log.interactions == 738
    assert log.finished is True


def test_read_lobster_log_of_a_cut_run(subrun_dir, tmp_path):
    text = (subrun_dir / "Zr49Cu49Al2.lb.out").read_text()
    cut = text[: text.index("finished in")]
    log = read_lobster_log(_write(tmp_path, cut, "Zr49Cu49Al2.lb.out"))
    assert log.interactions == 738
    assert log.finished is False


def test_read_lobster_log_cut_before_the_interactions(subrun_dir, tmp_path):
    text = (subrun_dir / "Zr49Cu49Al2.lb.out").read_text()
    cut = text[: text.index("setting up CO interactions")]
    log = read_lobster_log(_write(tmp_path, cut, "x.lb.out"))
    assert log.interactions is None
    assert log.finished is False


def test_read_lobster_log_of_a_missing_or_empty_file(tmp_path):
    for log in (
        read_lobster_log(tmp_path / "none.lb.out"),
        read_lobster_log(_write(tmp_path, "", "empty.lb.out")),
    ):
        assert log.interactions is None
        assert log.finished is False


# -- running LOBSTER -------------------------------------------------------------------------


def test_run_lobster_skips_after_an_unconverged_scf(tmp_path):
    marker = tmp_path / "lobster-was-run"
    command = f"{sys.executable} -c \"open('{marker}', 'w')\""
    log_path = tmp_path / "Zr49Cu49Al2.lb.out"
    message = run_lobster(command, tmp_path, log_path, threads=2, scf_converged=False)
    assert not marker.exists()
    assert (tmp_path / "ICOHPLIST.lobster").read_text() == ""
    assert count_icohp_bonds(tmp_path / "ICOHPLIST.lobster") is None
    log = log_path.read_text()
    assert "scf" in log and "not converge" in log
    assert "scf" in message
    assert read_lobster_log(log_path).finished is False


FAKE_LOBSTER = """
import os, pathlib
pathlib.Path("ICOHPLIST.lobster").write_text("  COHP#\\n")
pathlib.Path("lobsterout").write_text("fake\\n")
print("threads", os.environ["OMP_NUM_THREADS"])
print("setting up CO interactions... found 0 interactions.")
print("finished in 0 h 0 min 0 s 1 ms of wall time")
"""


def test_run_lobster_runs_the_command_after_an_unconverged_scf_when_asked(tmp_path):
    script = _write(tmp_path, FAKE_LOBSTER, "fake_lobster.py")
    work = tmp_path / "sub"
    work.mkdir()
    log_path = work / "X.lb.out"
    run_lobster(
        f"{sys.executable} {script}",
        work,
        log_path,
        threads=3,
        scf_converged=False,
        run_on_unconverged_scf=True,
    )
    assert "threads 3" in log_path.read_text()


def test_run_lobster_saves_the_screen_output_as_the_log(tmp_path):
    script = _write(tmp_path, FAKE_LOBSTER, "fake_lobster.py")
    work = tmp_path / "sub"
    work.mkdir()
    log_path = work / "X.lb.out"
    run_lobster(f"{sys.executable} {script}", work, log_path, threads=3, scf_converged=True)
    assert "threads 3" in log_path.read_text()
    log = read_lobster_log(log_path)
    assert log.interactions == 0
    assert log.finished is True


def test_run_lobster_with_a_command_that_does_not_exist_raises_a_clear_error(tmp_path):
    missing = str(tmp_path / "no-such-lobster-3.0.0")
    with pytest.raises(InputError) as caught:
        run_lobster(missing, tmp_path, tmp_path / "X.lb.out", threads=1, scf_converged=True)
    message = str(caught.value)
    assert "no-such-lobster-3.0.0" in message
    assert "lobster.command" in message


def test_run_lobster_failure_reports_the_last_lines(tmp_path):
    command = f"{sys.executable} -c \"print('ERROR: no WAVECAR-like data'); raise SystemExit(3)\""
    with pytest.raises(RuntimeError, match="no WAVECAR-like data"):
        run_lobster(command, tmp_path, tmp_path / "X.lb.out", threads=1, scf_converged=True)


def test_run_lobster_that_writes_no_icohplist_is_an_error(tmp_path):
    command = f"{sys.executable} -c \"print('finished in 0 s')\""
    with pytest.raises(RuntimeError, match="ICOHPLIST"):
        run_lobster(command, tmp_path, tmp_path / "X.lb.out", threads=1, scf_converged=True)
