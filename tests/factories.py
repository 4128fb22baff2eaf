"""Shared test factories: output paths laid out as the workflow's rules declare them."""

from __future__ import annotations

from pathlib import Path

from glassbonds.composition import bond_types
from glassbonds.database.pbssdb import PbssdbResult, write_pbssdb_legacy
from glassbonds.model.fitting import FitOutputs


def write_legacy_files(result: PbssdbResult, directory: Path) -> None:
    """The study's text files of a PBSSDB in ``directory``, named as rule pbssdb names them."""
    write_pbssdb_legacy(
        result,
        {b: directory / f"{b}.bnd" for b in bond_types(result.database.species)},
        directory / "ND.info",
        directory / "ND-reasons.tsv",
        directory / "DUB.info",
    )


def fit_outputs(directory: Path, stem: str) -> FitOutputs:
    """The four outputs of one fit in ``directory``, with rule fit's suffixes."""
    base = Path(directory) / stem
    return FitOutputs(*(base.with_name(stem + s) for s in (".dat", ".info", ".png", ".model.npz")))
