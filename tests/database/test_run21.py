"""The study's run 21 end to end through the library: all 15 real sub-runs adopted as they
are (status from their files, SOAP computed for the real cells) reproduce every published
run-21 row of the PBSSDB ``.bnd`` files, ``ND.info`` and ``DUB.info`` (issue 11 item 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glassbonds.config_defaults import study_soap_parameters
from glassbonds.database.pbssdb import build_pbssdb
from glassbonds.database.store import save_store
from glassbonds.model.study_data import run21_subrun_files
from tests.factories import write_legacy_files

NC = "Zr49Cu49Al2"
SPECIES = ("Zr", "Cu", "Al")
RUN = 21


def _published(path: Path) -> list[str]:
    return [line.rstrip("\n") for line in path.open() if line.split()[:1] == [str(RUN)]]


@pytest.fixture(scope="module")
def run21(study_data, tmp_path_factory):
    """The PBSSDB of run 21 built from the 15 real sub-runs, written to tmp."""
    run_dir = study_data / "G" / NC / "c/md/lammps/100" / str(RUN) / "2000"
    assert all((run_dir / str(sub)).is_dir() for sub in range(15)), "run 21 is incomplete"
    out = tmp_path_factory.mktemp("run21")
    parameters = study_soap_parameters(SPECIES)
    # the study's names, as the rules declare them; SOAP only for usable sub-runs
    files = run21_subrun_files(study_data, out / "SOAPS")
    result = build_pbssdb(NC, files, SPECIES, parameters.as_dict())
    write_legacy_files(result, out / "db")
    save_store(result.database, out / "db")
    return result, out / "db"


def test_every_published_bnd_row_of_run21_is_reproduced(run21, study_data):
    _, db = run21
    published_dir = study_data / "ETL_model" / f"{NC}-PBSSDB"
    compared = 0
    for bnd in sorted(published_dir.glob("*.bnd")):
        published = _published(bnd)
        mine = _published(db / bnd.name)
        assert mine == published, bnd.name  # same rows in the same order
        compared += len(published)
    assert compared == 4256  # every published run-21 row (Zr-Cu.bnd was never published)
    assert not (published_dir / "Zr-Cu.bnd").exists()
    assert len(_published(db / "Zr-Cu.bnd")) > 0


def test_nd_info_and_dub_info_rows_of_run21_are_the_published_ones(run21, study_data):
    result, db = run21
    published_dir = study_data / "ETL_model" / f"{NC}-PBSSDB"
    assert _published(db / "ND.info") == _published(published_dir / "ND.info") == ["21 13 2"]
    assert _published(db / "DUB.info") == _published(published_dir / "DUB.info")
    assert len(_published(db / "DUB.info")) == 2
    reasons = (db / "ND-reasons.tsv").read_text().splitlines()
    assert reasons[0] == "run\tsubrun\tcode\treason"
    assert reasons[1].startswith("21\t13\t2\t") and "80 iterations" in reasons[1]
    assert result.counts["distance mismatches"] == 0


def test_provenance_of_run21_names_lobster_3_and_pwscf_6_2(run21):
    _result, db = run21
    records = json.loads((db / "metadata.json").read_text())["provenance"]
    assert [r["subrun"] for r in records] == [s for s in range(15) if s != 13]
    for record in records:
        assert record["icohp_program"] == {
            "name": "LOBSTER",
            "version": "3.0.0",
            "synthetic": False,
        }
        assert (record["pw_program"]["name"], record["pw_program"]["version"]) == ("PWSCF", "6.2")
        assert len(record["pw_program"]["pseudopotentials"]) == 3
        assert 1.4 < record["charge_spilling_percent"][0] < 1.7
        assert len(record["icohplist_sha256"]) == 64


def test_provenance_command_on_the_run21_database(run21, capsys):
    from glassbonds.cli import main

    _, db = run21
    assert main(["provenance", str(db / "Zr-Zr.bnd")]) == 0
    out = capsys.readouterr().out
    assert "-ICOHP programs: LOBSTER 3.0.0 x14" in out and "synthetic" not in out
    assert out.count("pw.x PWSCF 6.2 [Al.aryjr-1.0.0-ld1.UPF sha256 not recorded") == 14


def test_summary_reports_missing_runs_mismatches_and_programs(run21):
    from glassbonds.database.pbssdb import summary_table

    result, _ = run21
    summary = summary_table(result, 15, missing_runs=[22, 23]).set_index("item")["count"]
    assert summary["configured but missing on disk"] == 2
    assert summary["distance mismatches (counted as missing)"] == 0
    assert summary["in database"] == 14 and summary["status 2 (ND.info)"] == 1
    assert summary["-ICOHP from LOBSTER 3.0.0"] == 14
