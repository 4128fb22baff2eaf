"""Automatic scf recovery (glassbonds.io.scf_recovery): the ladder, the attempt files and
the ``scf.attempts`` record, with a fake launcher for pw.x's error messages and with the
real pw.x (Debian quantum-espresso) on a tiny cell that converges only at a later attempt,
and on one that never converges (a few seconds of pw.x in all)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from ase.build import bulk
from ase.io.espresso import read_fortran_namelist

from glassbonds.errors import InputError
from glassbonds.io.qe import PwRunError, read_scf_outcome, scf_input
from glassbonds.io.scf_attempts import read_scf_attempts
from glassbonds.io.scf_recovery import (
    DEFAULT_LADDER,
    RecoveryPolicy,
    edit_namelist,
    run_pw_with_recovery,
)
from glassbonds.io.status_file import read_status_file, write_status_file
from glassbonds.provenance import store_chain
from glassbonds.subrun_status import StatusCode, SubRunStatus, determine_status
from glassbonds.subruns import subrun_qe
from tests.factories import scf_settings

REPO = Path(__file__).resolve().parents[1]
RESOURCES = REPO / "resources" / "pseudopotentials"

SCF_ATTEMPTS_FILE = "scf.attempts"  # the name rule qe_scf gives the record


def attempts_of(scf_out: Path) -> Path:
    """The record's path beside a sub-run's scf.out, as the workflow lays it out."""
    return scf_out.parent / SCF_ATTEMPTS_FILE


def status_of(scf_out: Path) -> SubRunStatus:
    """The status of a sub-run that has only run its scf (no LOBSTER yet)."""
    return determine_status(scf_out, None, None, scf_attempts=attempts_of(scf_out))


def electrons(text: str) -> dict:
    namelists, _ = read_fortran_namelist(iter(text.splitlines(keepends=True)))
    return dict(namelists["electrons"])


def test_schema_default_is_the_policy_default() -> None:
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    recovery = schema["properties"]["qe"]["properties"]["recovery"]
    defaults = {k: v["default"] for k, v in recovery["properties"].items()}
    assert recovery["additionalProperties"] is False
    assert RecoveryPolicy.from_mapping(defaults) == RecoveryPolicy()
    assert all(v.get("description") for v in recovery["properties"].values())


def test_ladder_steps_are_cumulative() -> None:
    policy = RecoveryPolicy()
    assert policy.settings(1) == {}
    assert policy.settings(2) == DEFAULT_LADDER[0]
    assert policy.settings(3) == {"mixing_beta": 0.1, "mixing_mode": "local-TF"}
    assert policy.settings(4) == {
        "mixing_beta": 0.1,
        "mixing_mode": "local-TF",
        "diagonalization": "cg",
        "electron_maxstep": 200,
    }
    # More attempts than steps: the last step repeats.
    assert RecoveryPolicy(attempts=6).settings(6) == policy.settings(4)


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ({"attempt": 3}, "attempt"),
        ({"attempts": 0}, "attempts"),
        ({"ladder": [{"conv_thr": 1e-3}]}, r"ladder\[0\].*conv_thr"),
        ({"ladder": [{}]}, "empty"),
    ],
)
def test_bad_policy_names_the_key(values: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        RecoveryPolicy.from_mapping(values)


def test_edit_namelist_replaces_and_adds() -> None:
    text = scf_input(
        bulk("Cu", "fcc", a=3.6), scf_settings(), "cu", "/pp", "/tmp", {"Cu": "Cu.UPF"}, {"Cu": 6}
    )
    edited = edit_namelist(
        text, "ELECTRONS", {"mixing_beta": 0.1, "mixing_mode": "local-TF", "startingpot": "file"}
    )
    values = electrons(edited)
    assert values["mixing_beta"] == pytest.approx(0.1)
    assert values["mixing_mode"] == "local-TF" and values["startingpot"] == "file"
    assert values["electron_maxstep"] == 100  # untouched
    assert edited.count("mixing_beta") == 1


# --- a fake launcher that prints pw.x's real error messages ---------------------------------

FAKE_PW = """
import re, sys
mode = sys.argv[1]
text = open(sys.argv[sys.argv.index("-input") + 1]).read()
beta = float(re.search(r"mixing_beta\\s*=\\s*([0-9.]+)", text).group(1))
print("     Program PWSCF fake")
print("     iteration #  1     ecut=    30.00 Ry     beta= %.2f" % beta)
if mode == "cholesky" and beta > 0.3:
    print(" Error in routine cdiaghg (1):")
    print("  problems computing cholesky")
    sys.exit(1)
if mode == "unknown":
    print(" Error in routine readpp (1):")
    print("  file Zr.UPF not found")
    sys.exit(1)
print("     convergence has been achieved in   1 iterations")
print("   JOB DONE.")
"""


@pytest.fixture
def fake(tmp_path: Path) -> tuple[Path, Path]:
    sub = tmp_path / "sub"
    sub.mkdir()
    scf_in = sub / "X.scf.in"
    scf_in.write_text(
        scf_input(
            bulk("Cu", "fcc", a=3.6),
            scf_settings(),
            "X",
            "/pp",
            tmp_path / "s",
            {"Cu": "C"},
            {"Cu": 6},
        )
    )
    (tmp_path / "fake_pw.py").write_text(FAKE_PW)
    return scf_in, sub / "X.scf.out"


def fake_command(tmp_path: Path, mode: str) -> str:
    return f"{sys.executable} {tmp_path / 'fake_pw.py'} {mode}"


def test_cholesky_error_is_recovered_with_lower_mixing(
    tmp_path: Path, fake: tuple[Path, Path]
) -> None:
    scf_in, scf_out = fake
    record = run_pw_with_recovery(
        fake_command(tmp_path, "cholesky"), scf_in, scf_out, attempts_of(scf_out), tmp_path
    )
    assert record.converged_attempt == 2 and record.final_attempt == 2 and record.recovered
    first, second = record.attempts
    assert first.result == "recoverable_error" and "cholesky" in (first.error or "")
    assert first.exit_status == 1 and first.input == "X.scf.in.attempt1"
    assert second.result == "converged" and second.settings == {"mixing_beta": 0.2}
    assert record.converged_settings == {"mixing_beta": 0.2}
    sub = scf_out.parent
    assert "problems computing cholesky" in (sub / "X.scf.out.attempt1").read_text()
    assert (sub / "X.scf.in.attempt1").read_text() == scf_in.read_text()
    assert electrons((sub / "X.scf.in.attempt2").read_text())["mixing_beta"] == 0.2
    assert scf_out.read_text() == (sub / "X.scf.out.attempt2").read_text()
    assert read_scf_attempts(sub / SCF_ATTEMPTS_FILE) == record
    assert json.loads((sub / SCF_ATTEMPTS_FILE).read_text())["converged_attempt"] == 2


def test_status_and_database_provenance_record_the_recovery(
    tmp_path: Path, fake: tuple[Path, Path]
) -> None:
    scf_in, scf_out = fake
    run_pw_with_recovery(
        fake_command(tmp_path, "cholesky"), scf_in, scf_out, attempts_of(scf_out), tmp_path
    )
    status = status_of(scf_out)
    assert status.scf_converged and status.code == StatusCode.SCF_CONVERGED_BUT_NO_ICOHP
    assert "scf converged at attempt 2 of 2 (mixing_beta=0.2)" in status.reason
    attempts = status.scf_attempts
    assert attempts is not None
    assert attempts["converged_attempt"] == 2 and attempts["attempts"] == 2
    assert attempts["converged_settings"] == {"mixing_beta": 0.2}
    assert [r["result"] for r in attempts["runs"]] == ["recoverable_error", "converged"]
    assert "cholesky" in attempts["runs"][0]["error"]
    # the status file keeps it (one JSON line), and so does the database provenance record
    write_status_file(tmp_path / "subrun.status", status)
    assert read_status_file(tmp_path / "subrun.status") == status
    assert status.provenance()["scf_attempts"] == attempts
    store = tmp_path / "store"
    store.mkdir()
    for name in ("bonds.parquet", "soap.npy"):
        (store / name).write_bytes(b"")
    records = [{"run": 1, "subrun": 3, **status.provenance()}]
    (store / "metadata.json").write_text(json.dumps({"name": "X", "provenance": records}))
    line = store_chain(store)[-1]
    assert "run 1 sub-run 3" in line
    assert "scf RECOVERED at attempt 2 of 2" in line and "{'mixing_beta': 0.2}" in line


def test_status_without_record_or_with_a_broken_one(
    tmp_path: Path, fake: tuple[Path, Path]
) -> None:
    scf_in, scf_out = fake
    run_pw_with_recovery(
        fake_command(tmp_path, "ok"), scf_in, scf_out, attempts_of(scf_out), tmp_path
    )
    assert status_of(scf_out).scf_attempts["converged_attempt"] == 1
    (scf_out.parent / SCF_ATTEMPTS_FILE).unlink()
    status = status_of(scf_out)
    assert status.scf_attempts is None and "attempt" not in status.reason
    (scf_out.parent / SCF_ATTEMPTS_FILE).write_text("{cut")
    status = status_of(scf_out)
    assert SCF_ATTEMPTS_FILE in status.scf_attempts["unreadable"]
    assert "not a readable scf attempts record" in status.reason


def test_override_of_one_subrun() -> None:
    qe = {"electron_maxstep": 100, "mixing_beta": 0.4, "ecutwfc": 30}
    overrides = {"Zr50Cu50/1/3": {"electron_maxstep": 5}}
    assert subrun_qe(qe, overrides, "Zr50Cu50/1/3") == {**qe, "electron_maxstep": 5}
    assert subrun_qe(qe, overrides, "Zr50Cu50/1/4") == qe
    assert subrun_qe(qe, None, "Zr50Cu50/1/3") == qe
    with pytest.raises(InputError, match=r"qe.overrides.Zr50Cu50/1/3.*ecutwfc"):
        subrun_qe(qe, {"Zr50Cu50/1/3": {"ecutwfc": 20}}, "Zr50Cu50/1/3")


def test_schema_refuses_a_bad_override() -> None:
    import jsonschema

    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    overrides = schema["properties"]["qe"]["properties"]["overrides"]
    assert overrides["default"] == {} and overrides["description"]
    jsonschema.validate({"Zr49Cu49Al2/21/13": {"mixing_beta": 0.1}}, overrides)
    for bad in (
        {"Zr49Cu49Al2/21": {"mixing_beta": 0.1}},
        {"Zr49Cu49Al2/21/13": {"ecutwfc": 20}},
        {"Zr49Cu49Al2/21/13": {}},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, overrides)


def test_first_attempt_converged_leaves_no_attempt_files(
    tmp_path: Path, fake: tuple[Path, Path]
) -> None:
    scf_in, scf_out = fake
    (scf_out.parent / "X.scf.out.attempt3").write_text("stale, from an earlier run")
    record = run_pw_with_recovery(
        fake_command(tmp_path, "ok"), scf_in, scf_out, attempts_of(scf_out), tmp_path
    )
    assert record.converged_attempt == 1 and not record.recovered
    assert record.attempts[0].input == "X.scf.in" and record.attempts[0].output == "X.scf.out"
    assert {p.name for p in scf_out.parent.iterdir()} == {
        SCF_ATTEMPTS_FILE,
        "X.scf.in",
        "X.scf.out",
    }


def test_unknown_error_is_not_retried_and_is_kept(tmp_path: Path, fake: tuple[Path, Path]) -> None:
    scf_in, scf_out = fake
    with pytest.raises(PwRunError, match=r"does not handle.*Error in routine readpp"):
        run_pw_with_recovery(
            fake_command(tmp_path, "unknown"), scf_in, scf_out, attempts_of(scf_out), tmp_path
        )
    assert not scf_out.exists()
    record = read_scf_attempts(attempts_of(scf_out))
    assert record is not None and len(record.attempts) == 1
    assert record.attempts[0].result == "error" and record.converged_attempt is None
    assert "Zr.UPF not found" in (scf_out.parent / "X.scf.out.attempt1").read_text()


def test_missing_or_foreign_record(tmp_path: Path) -> None:
    assert read_scf_attempts(tmp_path / SCF_ATTEMPTS_FILE) is None
    (tmp_path / SCF_ATTEMPTS_FILE).write_text('{"format": "other"}')
    with pytest.raises(InputError, match=SCF_ATTEMPTS_FILE):
        read_scf_attempts(tmp_path / SCF_ATTEMPTS_FILE)


# --- the real pw.x ----------------------------------------------------------------------------

needs_qe = pytest.mark.skipif(
    not (shutil.which("pw.x") and shutil.which("ld1.x")),
    reason="Quantum ESPRESSO (pw.x, ld1.x) not installed",
)


@pytest.fixture(scope="module")
def cu_pseudo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from glassbonds.io.pseudopotentials import generate_pseudopotential

    work = tmp_path_factory.mktemp("pseudo")
    generate_pseudopotential(RESOURCES / "Cu.ld1.in", work / "pseudo" / "Cu.UPF", work)
    return work / "pseudo"


def tiny_subrun(tmp_path: Path, pseudo: Path, maxstep: int) -> tuple[Path, Path, Path]:
    """An 8-atom rattled Cu cell at the gamma point, 30 Ry (the fixture's cheap settings),
    allowed only ``maxstep`` scf iterations (it needs about 20)."""
    atoms = bulk("Cu", "fcc", a=3.63, cubic=True) * (2, 1, 1)
    atoms.rattle(0.1, seed=1)
    sub = tmp_path / "Cu8" / "0"
    sub.mkdir(parents=True)
    scratch = tmp_path / "scratch"
    settings = scf_settings(ecutwfc=30, ecutrho=120, gamma_only=True, electron_maxstep=maxstep)
    scf_in = sub / "Cu8.scf.in"
    scf_in.write_text(
        scf_input(atoms, settings, "Cu8", pseudo, scratch, {"Cu": "Cu.UPF"}, {"Cu": 6})
    )
    return scf_in, sub / "Cu8.scf.out", scratch


@needs_qe
def test_real_pw_converges_at_a_later_attempt(tmp_path: Path, cu_pseudo: Path) -> None:
    scf_in, scf_out, scratch = tiny_subrun(tmp_path, cu_pseudo, maxstep=4)
    policy = RecoveryPolicy.from_mapping(
        {"attempts": 3, "ladder": [{"mixing_beta": 0.3}, {"electron_maxstep": 100}]}
    )
    log = tmp_path / "pw.log"
    record = run_pw_with_recovery(
        "pw.x", scf_in, scf_out, attempts_of(scf_out), scf_out.parent, policy, log, scratch
    )
    assert [a.result for a in record.attempts] == ["not_converged", "not_converged", "converged"]
    assert record.converged_attempt == 3 and record.final_attempt == 3
    # Attempts 2 and 3 restart from the charge density pw.x left after the attempt before.
    for n in (2, 3):
        assert (
            electrons(scf_out.with_name(f"Cu8.scf.in.attempt{n}").read_text())["startingpot"]
            == "file"
        )
    assert record.converged_settings == {
        "mixing_beta": 0.3,
        "electron_maxstep": 100,
        "startingpot": "file",
    }
    for n in (1, 2):
        outcome = read_scf_outcome(scf_out.with_name(f"Cu8.scf.out.attempt{n}"))
        assert outcome.not_converged and outcome.iterations == 4
    final = read_scf_outcome(scf_out)
    assert final.converged and final.total_energy_ry is not None
    assert scf_out.read_text() == scf_out.with_name("Cu8.scf.out.attempt3").read_text()
    assert "The initial density is read from file" in scf_out.read_text()
    assert status_of(scf_out).code == StatusCode.SCF_CONVERGED_BUT_NO_ICOHP
    assert read_scf_attempts(attempts_of(scf_out)) == record
    assert "scf attempt 3/3" in log.read_text()


@needs_qe
def test_real_pw_that_never_converges_ends_with_the_study_status(
    tmp_path: Path, cu_pseudo: Path
) -> None:
    scf_in, scf_out, scratch = tiny_subrun(tmp_path, cu_pseudo, maxstep=2)
    policy = RecoveryPolicy.from_mapping({"attempts": 2, "ladder": [{"mixing_beta": 0.2}]})
    record = run_pw_with_recovery(
        "pw.x", scf_in, scf_out, attempts_of(scf_out), scf_out.parent, policy, None, scratch
    )
    assert record.converged_attempt is None and record.final_attempt == 2
    assert [a.result for a in record.attempts] == ["not_converged", "not_converged"]
    assert scf_out.read_text() == scf_out.with_name("Cu8.scf.out.attempt2").read_text()
    status = status_of(scf_out)
    assert not status.scf_converged
    assert status.code in (StatusCode.SCF_NOT_CONVERGED, StatusCode.SCF_NOT_CONVERGED_AND_NO_ICOHP)
