"""The replay's report page: the sub-runs each strategy needs, the curves, the plot."""

from __future__ import annotations

import pandas as pd
from PIL import Image

from glassbonds.model.active_learning_replay import CURVE_COLUMNS, summarise_curves
from glassbonds.report.active_learning import reach_table, write_replay_report


def curves() -> pd.DataFrame:
    """Two seeds, one fold: acquisition reaches 0.07 eV at 4 sub-runs, random at 6."""
    rmse = {"acquisition": [0.20, 0.09, 0.065, 0.06], "random": [0.20, 0.12, 0.08, 0.06]}
    rows = [
        (strategy, seed, 0, size, "Zr-Cu", 10 * size, 40, value + 0.002 * seed, "")
        for strategy, values in rmse.items()
        for seed in (0, 1)
        for size, value in zip((2, 3, 4, 6), values, strict=True)
    ]
    return pd.DataFrame(rows, columns=CURVE_COLUMNS)


def test_the_table_gives_the_subruns_each_strategy_needs():
    table = reach_table(summarise_curves(curves()), {"Zr-Cu": 0.07}).iloc[0]
    assert table["to published: acquisition"] == 4
    assert table["to published: random"] == 6
    assert table["largest size (sub-runs)"] == 6


def test_page_and_plot_are_written(tmp_path):
    html, png = tmp_path / "replay.html", tmp_path / "replay.png"
    write_replay_report(summarise_curves(curves()), {"Zr-Cu": 0.07}, html, png, (), "PROTOCOL")
    page = html.read_text()
    assert "PROTOCOL" in page and "Sub-runs needed: acquisition vs random" in page
    assert "0.0660 ± 0.0010" in page  # acquisition at 4 sub-runs: mean ± std of 0.065, 0.067
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size[0] > 200
