"""Rule logs: a step's output goes to its log; a failure ends the job with one line on the
console (bad input, full disk) or a traceback in the log (anything else)."""

from __future__ import annotations

import pytest

from glassbonds.errors import InputError
from glassbonds.files import atomic_path
from glassbonds.rule_log import rule_log


def test_what_a_step_prints_goes_to_its_log_only(tmp_path, capfd):
    log = tmp_path / "logs" / "rule.log"
    with rule_log(log):
        print("3 sub-runs read")
    assert log.read_text() == "3 sub-runs read\n"
    captured = capfd.readouterr()
    assert "3 sub-runs read" not in captured.out + captured.err


def test_bad_input_ends_the_job_with_its_one_line_message(tmp_path, capfd):
    log = tmp_path / "rule.log"
    with pytest.raises(SystemExit) as stop, rule_log(log):
        raise InputError("config key qe.kpoints", "needs 3 integers", "write [2, 2, 2]")
    line = "ERROR: config key qe.kpoints: needs 3 integers; write [2, 2, 2]"
    assert stop.value.code == 1
    assert log.read_text() == line + "\n"
    assert line in capfd.readouterr().err


def test_another_error_keeps_its_traceback_in_the_log(tmp_path, capfd):
    log = tmp_path / "rule.log"
    with pytest.raises(SystemExit), rule_log(log):
        raise ValueError("unexpected")
    assert "Traceback" in log.read_text() and "ValueError: unexpected" in log.read_text()
    assert f"ERROR: ValueError: unexpected (details in {log})" in capfd.readouterr().err


def test_rule_log_reports_a_full_disk_in_one_line(tmp_path, capfd):
    log = tmp_path / "rule.log"
    with (
        pytest.raises(SystemExit),
        rule_log(log),
        atomic_path(tmp_path / "out" / "bonds.parquet"),
    ):
        raise OSError("420000 requested and 243680 written")
    line = f"ERROR: no space left on {tmp_path / 'out'}"
    assert line in log.read_text() and "Traceback" not in log.read_text()
    assert line in capfd.readouterr().err
