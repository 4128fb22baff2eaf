"""The study's run 21 adopted as a bond database store (skipped when ../shared is absent)."""

from __future__ import annotations

from glassbonds.model.bonds import load_bond_set

RUN21_COUNTS = {"Zr-Cu": 4931, "Zr-Zr": 2246, "Cu-Cu": 1652, "Zr-Al": 222, "Cu-Al": 136}


def test_run21_store_has_the_published_bond_counts_without_subrun_13(run21_store):
    for bond_type, count in RUN21_COUNTS.items():
        bonds = load_bond_set(run21_store, bond_type)
        assert len(bonds) == count
        assert "Zr49Cu49Al2/21/13" not in set(bonds.groups)
        assert len(set(bonds.groups)) == 14
