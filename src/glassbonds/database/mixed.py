"""Mixed databases (DB4, DB8, ...): a seeded sample of bonds per bond type from each
composition's PBSSDB, with the provenance of every sub-run a sampled bond comes from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from glassbonds.database.legacy import bnd_text
from glassbonds.database.store import ROW_COLUMNS, BondDatabase
from glassbonds.descriptors import check_same_descriptor
from glassbonds.errors import InputError
from glassbonds.files import write_text


@dataclass(frozen=True)
class MixedDatabaseSpec:
    """A mixed database: ``counts[composition]`` bonds of each bond type from each PBSSDB."""

    name: str
    bond_types: tuple[str, ...]
    counts: Mapping[str, int]
    seed: int


def mix_databases(spec: MixedDatabaseSpec, sources: Mapping[str, BondDatabase]) -> BondDatabase:
    """Sample bonds without replacement, seeded: the same spec gives the same database."""
    reference = next(iter(sources.values()))
    for nc, database in sources.items():
        check_same_descriptor(
            f"mixed database {spec.name}: {nc}",
            database.descriptor,
            reference.descriptor,
            "rebuild the PBSSDBs with one descriptor setting",
        )
    rng = np.random.default_rng(spec.seed)
    row_blocks, soap_blocks = [], []
    offset = 0
    for bond_type in spec.bond_types:
        for nc, count in spec.counts.items():
            rows, soap_a, soap_b = sources[nc].bond_arrays(bond_type)
            if count > len(rows):
                raise InputError(
                    f"mixed database {spec.name}",
                    f"{count} {bond_type} bonds requested from {nc} but only {len(rows)} exist",
                    "lower the count in config key mixed_databases",
                )
            chosen = np.sort(rng.choice(len(rows), size=count, replace=False))
            block = rows.iloc[chosen].copy()
            # one SOAP row per bond end keeps the store self-contained after sampling
            block["soap_a"] = offset + np.arange(count)
            block["soap_b"] = offset + count + np.arange(count)
            soap_blocks += [soap_a[chosen].astype(np.float32), soap_b[chosen].astype(np.float32)]
            offset += 2 * count
            row_blocks.append(block)
    provenance = _sampled_provenance(row_blocks, sources)
    width = reference.soap.shape[1]
    return BondDatabase(
        name=spec.name,
        rows=pd.concat(row_blocks, ignore_index=True)[ROW_COLUMNS]
        if row_blocks
        else pd.DataFrame(columns=ROW_COLUMNS),
        soap=np.concatenate(soap_blocks) if soap_blocks else np.zeros((0, width), np.float32),
        descriptor=reference.descriptor,
        species=reference.species,
        provenance=provenance,
        sources=list(spec.counts),
    )


def _sampled_provenance(
    row_blocks: Sequence[pd.DataFrame], sources: Mapping[str, BondDatabase]
) -> list[dict]:
    """The source sub-run records (programs, checksums...) of every sub-run that gave a
    sampled bond, with ``source`` (composition) and ``sampled_bonds`` per bond type."""
    if not row_blocks:
        return []
    rows = pd.concat(row_blocks, ignore_index=True)
    sampled = rows.groupby(["source", "run", "subrun", "bond_type"]).size()
    keys = set(sampled.index.droplevel(3))
    records = []
    for nc, database in sources.items():
        for record in database.provenance:
            key = (nc, int(record["run"]), int(record["subrun"]))
            if key not in keys:
                continue
            counts = sampled.loc[key]
            records.append(
                {
                    "source": nc,
                    **record,
                    "sampled_bonds": {str(b): int(n) for b, n in counts.items()},
                }
            )
    return records


def write_mixed_legacy(
    database: BondDatabase,
    spec: MixedDatabaseSpec,
    info_files: Mapping[str, str | Path],
    bnd_files: Mapping[str, str | Path],
) -> None:
    """The study's text files of each bond type of ``spec``: ``info_files[bond_type]`` (name,
    bond type, bonds per composition; ``<DB>_<A>-<B>.info`` in the workflow) and
    ``bnd_files[bond_type]`` (rows prefixed by the index of their source composition)."""
    for bond_type in spec.bond_types:
        info = f"{spec.name} {bond_type}\n" + "".join(
            f"{nc} {count}\n" for nc, count in spec.counts.items()
        )
        write_text(info_files[bond_type], info)
        rows = database.rows[database.rows["bond_type"] == bond_type]
        write_text(bnd_files[bond_type], bnd_text(rows, with_source=list(spec.counts)))
