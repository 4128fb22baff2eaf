"""Shared test factories: output paths laid out as the workflow's rules declare them."""

from __future__ import annotations

from pathlib import Path

from glassbonds.composition import bond_types
from glassbonds.database.pbssdb import PbssdbResult, write_pbssdb_legacy


def write_legacy_files(result: PbssdbResult, directory: Path) -> None:
    """The study's text files of a PBSSDB in ``directory``, named as rule pbssdb names them."""
    write_pbssdb_legacy(
        result,
        {b: directory / f"{b}.bnd" for b in bond_types(result.database.species)},
        directory / "ND.info",
        directory / "ND-reasons.tsv",
        directory / "DUB.info",
    )
