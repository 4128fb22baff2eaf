"""The per-bond single-SOAP database of one composition (PBSSDB, create_SSDB.py's PB mode).

For each usable sub-run, each cluster of the explicit neighbour list whose pairs are all in
ICOHPLIST gives its bonds not written before for that sub-run (the centre as atom A); a
cluster with a missing pair goes to DUB.info whole. Rows: bond type, run, sub-run, atoms,
distance (angstrom), -ICOHP (eV), and the SOAP rows of both atoms (:mod:`store`). Written as
the study's text files (:mod:`legacy`, byte-compatible with create_SSDB.py) and the store.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from glassbonds.composition import bond_type_of, bond_types
from glassbonds.database.clusters import subrun_clusters
from glassbonds.database.legacy import bnd_text, dub_info_text, nd_info_text, nd_reasons_text
from glassbonds.database.store import ROW_COLUMNS, BondDatabase
from glassbonds.database.subruns import (
    SubRunData,
    SubRunFiles,
    provenance_record,
    read_subrun,
    usable_subruns,
)
from glassbonds.files import write_text
from glassbonds.provenance import icohp_programs


@dataclass
class PbssdbResult:
    """A composition's database plus what did not enter it (ND.info, DUB.info)."""

    database: BondDatabase
    not_done: list[tuple[int, int, int, str]]  # run, sub-run, status code, reason
    dropped_clusters: list[tuple[int, int, str, str]]  # run, sub-run, centre label, pair label
    counts: Counter = field(default_factory=Counter)  # reported counts (distance mismatches...)


def subrun_bonds(
    files: SubRunFiles, species: Sequence[str], counts: Counter | None = None
) -> tuple[list[tuple], list[tuple]]:
    """Bonds of one usable sub-run following create_SSDB.py (PB mode).

    For each centre of the explicit neighbour list, in file order: if one of its pairs is not
    in ICOHPLIST, the whole cluster is dropped (one DUB entry per missing pair, labelled
    neighbour-centre as in the study's DUB.info); otherwise each pair not written before for
    this sub-run becomes a row (centre = atom A). Returns (rows, dropped) with rows as
    (bond_type, atom_a, atom_b, distance, -ICOHP). ``counts["distance mismatches"]`` counts
    pairs matched only by their single ICOHPLIST listing whose distances differ (these count
    as missing). Unusable files raise :class:`InputError`.
    """
    return bonds_of(read_subrun(files), species, counts)


def bonds_of(
    data: SubRunData, species: Sequence[str], counts: Counter | None = None
) -> tuple[list[tuple], list[tuple]]:
    """:func:`subrun_bonds` of a sub-run already read."""
    symbols = data.atoms.get_chemical_symbols()
    distance = data.icohp["distance"].to_numpy()
    value = -data.icohp["icohp"].to_numpy()
    rows: list[tuple] = []
    dropped: list[tuple] = []
    written: set[int] = set()
    clusters = subrun_clusters(
        data.atoms, data.icohp, data.neighbours, data.files.neighbours, counts
    )
    for cluster in clusters:
        if not cluster.complete:
            centre_label = f"{symbols[cluster.centre]}{cluster.centre + 1}"
            dropped.extend((centre_label, pair) for pair in cluster.missing)
            continue
        for neighbour, index in zip(cluster.neighbours, cluster.icohp_rows, strict=True):
            if index in written:
                continue
            written.add(index)
            bond_type = bond_type_of(symbols[cluster.centre], symbols[neighbour], species)
            rows.append((bond_type, cluster.centre, neighbour, distance[index], value[index]))
    return rows, dropped


def build_pbssdb(
    nc: str,
    subruns: Iterable[SubRunFiles],
    species: Sequence[str],
    descriptor: Mapping,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> PbssdbResult:
    """The PBSSDB of one composition from all its sub-runs (only codes 1 and 4 enter)."""
    row_blocks: list[pd.DataFrame] = []
    soap_blocks: list[np.ndarray] = []
    not_done: list[tuple[int, int, int, str]] = []
    dropped_clusters: list[tuple[int, int, str, str]] = []
    provenance: list[dict] = []
    counts: Counter = Counter()
    atoms_so_far = 0
    subrun_data = usable_subruns(
        progress(list(subruns)), descriptor, not_done, lambda data: bonds_of(data, species, counts)
    )
    for data, (rows, dropped) in subrun_data:
        files = data.files
        run, sub = files.subrun.run, files.subrun.sub
        dropped_clusters.extend((run, sub, centre, pair) for centre, pair in dropped)
        block = pd.DataFrame(
            rows, columns=["bond_type", "atom_a", "atom_b", "distance", "minus_icohp"]
        )
        block.insert(1, "source", nc)
        block.insert(2, "run", run)
        block.insert(3, "subrun", sub)
        block["soap_a"] = block["atom_a"] + atoms_so_far
        block["soap_b"] = block["atom_b"] + atoms_so_far
        row_blocks.append(block)
        soap_blocks.append(data.soap.astype(np.float32))
        atoms_so_far += len(data.soap)
        provenance.append(provenance_record(files))
    rows = (
        pd.concat(row_blocks, ignore_index=True)
        if row_blocks
        else pd.DataFrame(columns=ROW_COLUMNS)
    )
    rows = rows.astype(
        {
            "run": "int32",
            "subrun": "int32",
            "atom_a": "int32",
            "atom_b": "int32",
            "soap_a": "int64",
            "soap_b": "int64",
        }
    )
    width = len(soap_blocks[0][0]) if soap_blocks else 0
    soap = np.concatenate(soap_blocks) if soap_blocks else np.zeros((0, width), np.float32)
    database = BondDatabase(
        name=f"{nc}-PBSSDB",
        rows=rows[ROW_COLUMNS],
        soap=soap,
        descriptor=dict(descriptor),
        species=list(species),
        provenance=provenance,
        sources=[nc],
    )
    return PbssdbResult(database, not_done, dropped_clusters, counts)


def write_pbssdb_legacy(
    result: PbssdbResult,
    bnd_files: Mapping[str, str | Path],
    nd_info: str | Path,
    nd_reasons: str | Path,
    dub_info: str | Path,
) -> None:
    """``<A>-<B>.bnd`` (``bnd_files``: bond type -> path, every type of the species),
    ``ND.info``, ``ND-reasons.tsv`` and ``DUB.info`` in create_SSDB.py's formats."""
    rows = result.database.rows
    for bond_type, path in bnd_files.items():
        write_text(path, bnd_text(rows[rows["bond_type"] == bond_type], with_source=None))
    write_text(nd_info, nd_info_text(result.not_done))
    write_text(nd_reasons, nd_reasons_text(result.not_done))
    write_text(dub_info, dub_info_text(result.dropped_clusters))


def summary_table(
    result: PbssdbResult, all_subruns: int, missing_runs: Sequence[int] = ()
) -> pd.DataFrame:
    """Counts per status code and per bond type (what entered and what did not), the
    configured runs absent from disk and the pairs whose single listing had another
    distance."""
    entries = [
        ("subruns", "total", all_subruns),
        ("subruns", "in database", len(result.database.provenance)),
    ]
    for code, count in sorted(Counter(code for _, _, code, _ in result.not_done).items()):
        entries.append(("subruns", f"status {code} (ND.info)", count))
    entries.append(("runs", "configured but missing on disk", len(missing_runs)))
    entries.append(("clusters", "dropped pairs (DUB.info)", len(result.dropped_clusters)))
    entries.append(
        ("pairs", "distance mismatches (counted as missing)", result.counts["distance mismatches"])
    )
    programs = icohp_programs(result.database.provenance)
    for program, count in sorted(programs.items()):
        entries.append(("subruns", f"-ICOHP from {program}", count))
    counts = result.database.rows["bond_type"].value_counts()
    for bond_type in bond_types(result.database.species):
        entries.append(("bonds", bond_type, int(counts.get(bond_type, 0))))
    return pd.DataFrame(entries, columns=["what", "item", "count"])
