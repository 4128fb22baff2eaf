"""Report figures: colours by position, not by element names; figures for empty inputs."""

from __future__ import annotations

import pandas as pd

from glassbonds.report.plots import bond_colours, database_figure, rmse_figure


def test_bond_colours_follow_the_given_order_for_any_species():
    colours = bond_colours(["Ni-Ni", "Ni-P", "P-P"])
    assert len(set(colours.values())) == 3
    assert bond_colours(["Zr-Zr", "Zr-Cu"])["Zr-Zr"] == colours["Ni-Ni"]


def test_empty_inputs_give_a_message_not_an_empty_frame():
    figure = rmse_figure(pd.DataFrame())
    assert figure.texts and "no fits" in figure.texts[0].get_text()
    table = pd.DataFrame({"database": ["X-PBSSDB"], "Ni-P": [5]})
    assert database_figure(table, ["Ni-P"]).axes  # a real plot for any bond type
