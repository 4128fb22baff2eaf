"""inference/writers.py: the ICOHPLIST layout of a real LOBSTER file, output names."""

from __future__ import annotations

import numpy as np
import pytest

from glassbonds.inference.writers import ICOHPLIST_HEADER, OutputNames
from glassbonds.io.lobster import read_icohplist
from tests.inference.test_frames import REAL_ICOHPLIST


def test_header_matches_a_real_icohplist() -> None:
    if not REAL_ICOHPLIST.is_file():
        pytest.skip(f"shared data absent: {REAL_ICOHPLIST}")
    real = REAL_ICOHPLIST.read_text().splitlines()
    assert real[0] == ICOHPLIST_HEADER
    # Column layout: reformatting a real line with the writer's widths reproduces it.
    from glassbonds.inference.writers import icohplist_text
    from glassbonds.neighbours import Bonds

    table = read_icohplist(REAL_ICOHPLIST).head(20)
    symbols = {int(i): s for i, s in zip(table["atom_a"], table["symbol_a"], strict=True)}
    symbols.update({int(i): s for i, s in zip(table["atom_b"], table["symbol_b"], strict=True)})
    names = ["X"] * (max(symbols) + 1)
    for index, symbol in symbols.items():
        names[index] = symbol
    bonds = Bonds(
        table["atom_a"].to_numpy(),
        table["atom_b"].to_numpy(),
        table["distance"].to_numpy(),
        -table[["tx", "ty", "tz"]].to_numpy(),  # the shift S = -T of LOBSTER's translation
        np.zeros(len(table), dtype=int),
        ("any",),
    )
    text = icohplist_text(bonds, names, table["icohp"].to_numpy())
    assert text.splitlines()[1:] == real[1:21]


def test_output_names_fill_the_step_of_each_frame() -> None:
    names = OutputNames("1", "1_summary.tsv", "1_{step}.lobster", "1_{step}.info",
                        "1_{step}.std", "1_{step}_atoms.xyz")  # fmt: skip
    frame = names.frame(250)
    assert (frame.icohplist, frame.info, frame.std, frame.atoms) == (
        "1_250.lobster",
        "1_250.info",
        "1_250.std",
        "1_250_atoms.xyz",
    )
