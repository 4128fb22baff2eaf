"""The study's text formats of a bond database (.bnd), against the study's own file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glassbonds.database.pbssdb import PbssdbResult
from glassbonds.database.store import BondDatabase
from tests.factories import SPECIES, write_legacy_files

DATA = Path(__file__).resolve().parents[2].parent / "shared/data/prm-4-113603"
REAL_PBSSDB = DATA / "ETL_model/Zr49Cu49Al2-PBSSDB"


def test_legacy_bnd_format_matches_the_study(tmp_path):
    if not REAL_PBSSDB.is_dir():
        pytest.skip("study data ../shared/data/prm-4-113603 is absent")
    study_line = next(iter((REAL_PBSSDB / "Cu-Al.bnd").open())).rstrip("\n")
    run, sub, a, b, distance, value = study_line.split()
    rows = pd.DataFrame(
        {
            "bond_type": ["Cu-Al"],
            "source": ["X"],
            "run": [int(run)],
            "subrun": [int(sub)],
            "atom_a": [int(a) - 1],
            "atom_b": [int(b) - 1],
            "distance": [float(distance)],
            "minus_icohp": [float(value)],
            "soap_a": [0],
            "soap_b": [0],
        }
    )
    database = BondDatabase("X-PBSSDB", rows, np.zeros((1, 3), np.float32), {}, list(SPECIES))
    write_legacy_files(PbssdbResult(database, [], []), tmp_path)
    assert (tmp_path / "Cu-Al.bnd").read_text() == study_line + "\n"
    assert (tmp_path / "Al-Al.bnd").read_text() == ""
