"""Bond database store: round trip, and stores written with the earlier column name."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from glassbonds.database.store import ROW_COLUMNS, load_store, save_store
from tests.factories import random_database


def test_store_round_trip_keeps_rows_soap_and_metadata(tmp_path):
    database = random_database("X", {"Zr-Cu": 5, "Cu-Cu": 3}, seed=2)
    save_store(database, tmp_path)
    loaded = load_store(tmp_path, mmap=False)
    assert list(loaded.rows.columns) == ROW_COLUMNS
    pd.testing.assert_frame_equal(loaded.rows, database.rows)
    np.testing.assert_array_equal(loaded.soap, database.soap)
    metadata = json.loads((tmp_path / "metadata.json").read_text())
    assert metadata["bond_counts"] == {"Zr-Cu": 5, "Cu-Cu": 3}


def test_store_with_the_earlier_icohp_column_loads_as_minus_icohp(tmp_path):
    """Stores written before the rename hold -ICOHP in a column named icohp."""
    database = random_database("X", {"Zr-Cu": 4}, seed=3)
    save_store(database, tmp_path)
    old = pd.read_parquet(tmp_path / "bonds.parquet").rename(columns={"minus_icohp": "icohp"})
    old.to_parquet(tmp_path / "bonds.parquet", index=False)
    loaded = load_store(tmp_path)
    assert "icohp" not in loaded.rows.columns
    np.testing.assert_array_equal(loaded.rows["minus_icohp"], database.rows["minus_icohp"])
    assert (loaded.rows["minus_icohp"] >= 0).all()  # -ICOHP: positive bond strength
