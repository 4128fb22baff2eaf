"""The store of a bond database: ``bonds.parquet`` (one typed row per bond), ``soap.npy``
(one float32 SOAP row per atom, shared by the atom's bonds, memory-mappable) and
``metadata.json`` (descriptor parameters, bond counts, provenance of every sub-run). No pickle:
both formats load in milliseconds and cannot execute code. -ICOHP in eV (column
``minus_icohp``, positive = bonding; the project's sign convention: a column named ``icohp``
holds ICOHP as LOBSTER writes it, ``minus_icohp`` its negative), distances in angstrom.
Stores written before the column was named ``minus_icohp`` (``icohp``, same values) load
with the column renamed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from glassbonds.errors import InputError
from glassbonds.files import atomic_path, write_text

ROW_COLUMNS = [
    "bond_type",
    "source",
    "run",
    "subrun",
    "atom_a",
    "atom_b",
    "distance",
    "minus_icohp",
    "soap_a",
    "soap_b",
]


#: Columns of stores written by earlier versions -> today's name (same values).
OLD_COLUMN_NAMES = {"icohp": "minus_icohp"}


@dataclass
class BondDatabase:
    """Rows of every bond (``minus_icohp``: -ICOHP, eV) and the per-atom SOAP matrix."""

    name: str
    rows: pd.DataFrame  # ROW_COLUMNS; soap_a/soap_b index rows of ``soap``
    soap: np.ndarray  # (n_atoms, n_features) float32, L2-normalised
    descriptor: dict
    species: list[str]
    provenance: list[dict] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def bond_arrays(self, bond_type: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """Rows of one bond type and the SOAP vectors (float64) of their atoms A and B."""
        selected = self.rows[self.rows["bond_type"] == bond_type]
        soap_a = np.asarray(self.soap[selected["soap_a"].to_numpy()], dtype=np.float64)
        soap_b = np.asarray(self.soap[selected["soap_b"].to_numpy()], dtype=np.float64)
        return selected.reset_index(drop=True), soap_a, soap_b


def write_table_store(
    directory: str | Path, table_name: str, table: pd.DataFrame, soap: np.ndarray, metadata: dict
) -> None:
    """Write a store's three files atomically: ``table_name`` (Parquet), ``soap.npy``,
    ``metadata.json`` (the layout of the bond and the cluster stores)."""
    directory = Path(directory)
    with atomic_path(directory / table_name) as tmp:
        table.to_parquet(tmp, index=False)
    with atomic_path(directory / "soap.npy") as tmp:
        np.save(tmp, soap)
    write_text(directory / "metadata.json", json.dumps(metadata, indent=1) + "\n")


def read_table_store(
    directory: str | Path,
    table_name: str,
    old_columns: dict[str, str],
    what: str,
    fix: str,
    mmap: bool = False,
) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """Read the files of :func:`write_table_store`: (table with ``old_columns`` renamed,
    SOAP matrix, memory-mapped with ``mmap``, metadata). A missing or unreadable file is an
    :class:`InputError` saying the directory is not a complete ``what``, with ``fix``."""
    directory = Path(directory)
    try:
        metadata = json.loads((directory / "metadata.json").read_text())
        table = pd.read_parquet(directory / table_name).rename(columns=old_columns)
        soap = np.load(directory / "soap.npy", mmap_mode="r" if mmap else None, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise InputError(directory, f"not a complete {what} ({error})", fix) from None
    return table, soap, metadata


def save_store(database: BondDatabase, directory: str | Path) -> None:
    """Write ``bonds.parquet``, ``soap.npy`` and ``metadata.json`` atomically."""
    metadata = {
        "name": database.name,
        "species": database.species,
        "sources": database.sources,
        "descriptor": database.descriptor,
        "bond_counts": {k: int(v) for k, v in database.rows["bond_type"].value_counts().items()},
        "provenance": database.provenance,
    }
    write_table_store(directory, "bonds.parquet", database.rows, database.soap, metadata)


def load_store(directory: str | Path, mmap: bool = True) -> BondDatabase:
    """Read a store written by :func:`save_store` (SOAP matrix memory-mapped by default)."""
    rows, soap, metadata = read_table_store(
        directory,
        "bonds.parquet",
        OLD_COLUMN_NAMES,
        "bond database store",
        "rerun the rule that builds it",
        mmap,
    )
    return BondDatabase(
        name=metadata["name"],
        rows=rows,
        soap=soap,
        descriptor=metadata["descriptor"],
        species=metadata["species"],
        provenance=metadata["provenance"],
        sources=metadata["sources"],
    )
