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


def inference_names(item: str):
    """The file names of one inference item as the ``infer`` rule declares them
    (``INFERENCE_FILES`` in ``workflow/rules/inference.smk``; the workflow test checks the
    tree)."""
    from glassbonds.inference.writers import OutputNames

    return OutputNames(
        item=item,
        summary=f"{item}_inference_summary.tsv",
        icohplist=f"{item}_{{step}}_ICOHPLIST.lobster",
        info=f"{item}_{{step}}_ICOHPLIST.info",
        std=f"{item}_{{step}}_ICOHPLIST.std",
        atoms=f"{item}_{{step}}_atoms.xyz",
    )
