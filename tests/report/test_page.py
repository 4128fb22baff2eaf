"""HTML tables of the report (pandas Styler): numbers, missing values, text cells, escaping."""

from __future__ import annotations

import numpy as np
import pandas as pd

from glassbonds.report.page import Section, html_page, table_html


def test_floats_take_their_digits_and_nan_is_a_dash():
    table = pd.DataFrame({"bond type": ["Zr-Cu", "Cu-Al"], "RMSE (eV)": [0.08261, np.nan]})
    text = table_html(table, text_columns=["bond type"], digits=3)
    assert "0.083" in text and "0.08261" not in text
    assert "–" in text
    assert text.count(' text"') == 2  # one left-aligned name cell per row
    assert text == table_html(table, text_columns=["bond type"], digits=3)  # deterministic


def test_column_digits_override_and_cells_are_escaped():
    table = pd.DataFrame({"reason": ["<b>cut</b> at 80"], "ratio": [1.23456]})
    text = table_html(table, ["reason"], digits=4, column_digits={"ratio": 1})
    assert "&lt;b&gt;cut&lt;/b&gt;" in text and "<b>" not in text
    assert ">1.2<" in text


def test_page_is_self_contained():
    page = html_page("Title & more", [Section("Heading", "<p>body</p>", "a note")], "intro")
    assert page.startswith("<!DOCTYPE html>")
    assert "Title &amp; more" in page and "<p>body</p>" in page
    assert "<script" not in page and "http" not in page
