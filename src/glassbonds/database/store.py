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


def save_store(database: BondDatabase, directory: str | Path) -> None:
    """Write ``bonds.parquet``, ``soap.npy`` and ``metadata.json`` atomically."""
    directory = Path(directory)
    with atomic_path(directory / "bonds.parquet") as tmp:
        database.rows.to_parquet(tmp, index=False)
    with atomic_path(directory / "soap.npy") as tmp:
        np.save(tmp, database.soap)
    metadata = {
        "name": database.name,
        "species": database.species,
        "sources": database.sources,
        "descriptor": database.descriptor,
        "bond_counts": {k: int(v) for k, v in database.rows["bond_type"].value_counts().items()},
        "provenance": database.provenance,
    }
    write_text(directory / "metadata.json", json.dumps(metadata, indent=1) + "\n")


def load_store(directory: str | Path, mmap: bool = True) -> BondDatabase:
    """Read a store written by :func:`save_store` (SOAP matrix memory-mapped by default)."""
    directory = Path(directory)
    try:
        metadata = json.loads((directory / "metadata.json").read_text())
        rows = pd.read_parquet(directory / "bonds.parquet")
        soap = np.load(directory / "soap.npy", mmap_mode="r" if mmap else None, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise InputError(
            directory,
            f"not a complete bond database store ({error})",
            "rerun the rule that builds it",
        ) from None
    return BondDatabase(
        name=metadata["name"],
        rows=rows.rename(columns=OLD_COLUMN_NAMES),
        soap=soap,
        descriptor=metadata["descriptor"],
        species=metadata["species"],
        provenance=metadata["provenance"],
        sources=metadata["sources"],
    )
