"""Shared test factories: the study's settings (from the config schema, their one source),
random bonds for the model tests, output paths laid out as the workflow's rules declare them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from glassbonds.composition import bond_types
from glassbonds.config_defaults import study_scf_settings, study_species, study_windows
from glassbonds.database.pbssdb import PbssdbResult, write_pbssdb_legacy
from glassbonds.io.qe import ScfSettings

#: The study's element order and bond windows (angstrom), from the config schema.
SPECIES = study_species()
WINDOWS = study_windows()


def scf_settings(**changes: object) -> ScfSettings:
    """The study's pw.x settings (config section ``qe``) with ``changes``."""
    return replace(study_scf_settings(), **changes)


def write_legacy_files(result: PbssdbResult, directory: Path) -> None:
    """The study's text files of a PBSSDB in ``directory``, named as rule pbssdb names them."""
    write_pbssdb_legacy(
        result,
        {b: directory / f"{b}.bnd" for b in bond_types(result.database.species)},
        directory / "ND.info",
        directory / "ND-reasons.tsv",
        directory / "DUB.info",
    )
