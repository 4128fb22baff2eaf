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


def write_synthetic_bond_store(
    directory: Path,
    cells: list[tuple[str, int, int]],
    bonds_per_cell: int = 12,
    bond_types: tuple[str, ...] = ("Cu-Cu", "Zr-Cu"),
    seed: int = 0,
    width: int = 6,
) -> Path:
    """A bond database store (bonds.parquet, soap.npy, metadata.json) of synthetic bonds: for
    each DFT cell (source, run, subrun) and bond type ``bonds_per_cell`` bonds between fresh
    atoms, the cell's bond lengths (angstrom) in its own range, -ICOHP (eV) a smooth function
    of length and environment. Synthetic numbers for tests of the store's consumers."""
    import numpy as np
    import pandas as pd

    from glassbonds.database.store import ROW_COLUMNS, BondDatabase, save_store

    rng = np.random.default_rng(seed)
    rows, soap = [], []
    for k, (source, run, subrun) in enumerate(cells):
        low = 2.3 + 0.12 * (k % 7)  # cells differ in their bond lengths, like deformed cells
        for bond_type in bond_types:
            distance = rng.uniform(low, low + 0.5, bonds_per_cell)
            vectors = np.abs(rng.normal(size=(2 * bonds_per_cell, width)))
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            first = sum(len(block) for block in soap)
            soap.append(vectors)
            for i, d in enumerate(distance):
                a, b = first + 2 * i, first + 2 * i + 1
                icohp = 2.0 * np.exp(-(d - 2.5)) * (1 + 0.2 * vectors[2 * i, 0])
                rows.append((bond_type, source, run, subrun, a, b, d, icohp, a, b))
    database = BondDatabase(
        name="SYNTH",
        rows=pd.DataFrame(rows, columns=ROW_COLUMNS),
        soap=np.concatenate(soap).astype(np.float32),
        descriptor={"synthetic": True},
        species=["Zr", "Cu"],
    )
    directory.mkdir(parents=True, exist_ok=True)
    save_store(database, directory)
    return directory
