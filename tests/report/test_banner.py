"""The report's test-double banner and LOBSTER charge-spilling section (fast, no fixture)."""

from __future__ import annotations

import json

from glassbonds.provenance import SYNTHETIC_PROGRAM
from glassbonds.report.databases import spilling_section, write_database_report
from glassbonds.report.fits import FitRecord, PublishedFit, write_rmse_report
from glassbonds.report.page import synthetic_banner

DOUBLE = {"name": SYNTHETIC_PROGRAM, "version": "0.1.0", "synthetic": True}
LOBSTER = {"name": "LOBSTER", "version": "3.0.0", "synthetic": False}


def _metadata(path, name, programs, spilling=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    records = [
        {"run": 1, "subrun": sub, "icohp_program": program, "charge_spilling_percent": spilling}
        for sub, program in enumerate(programs)
    ]
    path.write_text(
        json.dumps(
            {"name": name, "sources": [name], "bond_counts": {"Zr-Zr": 3}, "provenance": records}
        )
    )
    return path


def test_banner_only_when_a_subrun_is_synthetic(tmp_path):
    real = _metadata(tmp_path / "a/metadata.json", "A-PBSSDB", [LOBSTER, LOBSTER])
    mixed = _metadata(tmp_path / "b/metadata.json", "DB2", [LOBSTER, DOUBLE])
    assert synthetic_banner([real]) == ""
    banner = synthetic_banner([real, mixed])
    assert "NOT LOBSTER" in banner and "DB2: 1 sub-run(s)" in banner


def test_pages_show_the_banner_from_the_store_metadata(tmp_path, study_data):
    pbssdb = _metadata(tmp_path / "Zr50Cu50-PBSSDB/metadata.json", "Zr50Cu50-PBSSDB", [DOUBLE])
    summary = tmp_path / "Zr50Cu50-PBSSDB/summary.tsv"
    summary.write_text("what\titem\tcount\nsubruns\ttotal\t1\nsubruns\tin database\t1\n")
    html_path = tmp_path / "db.html"
    write_database_report(
        {"Zr50Cu50": (summary, pbssdb)}, {}, ["Zr-Zr"], html_path, tmp_path / "db.png"
    )
    assert 'id="synthetic-banner"' in html_path.read_text()
    # a real fit .info of the study, reported as if trained on the synthetic store
    info = next((study_data / "TT/fit-results-Zr49Cu49Al2").glob("*-Zr-Zr-*.info"))
    fit = FitRecord("Zr-Zr", info, "Zr50Cu50", 2000, 1000, 1.0, 0.5, 0.01)
    rmse_html = tmp_path / "rmse.html"
    published = {"Zr-Zr": PublishedFit(0.0906, 0.5, 0.01, 1.0, 2000, 1000)}
    write_rmse_report([fit], published, rmse_html, tmp_path / "rmse.png", [pbssdb])
    assert 'id="synthetic-banner"' in rmse_html.read_text()
    write_rmse_report([fit], published, rmse_html, tmp_path / "rmse.png", [])
    assert "synthetic-banner" not in rmse_html.read_text()


def test_spilling_section_of_real_looking_values(tmp_path):
    path = _metadata(tmp_path / "m.json", "A-PBSSDB", [LOBSTER] * 3, spilling=[1.6])
    section = spilling_section({"A": path})
    assert section is not None and "1.60" in section.body and "data:image/png" in section.body
    none = _metadata(tmp_path / "n.json", "B-PBSSDB", [DOUBLE])
    assert spilling_section({"B": none}) is None
