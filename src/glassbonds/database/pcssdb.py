"""The per-cluster single-SOAP database of one composition (PCSSDB, create_SSDB.py's PC mode).

For every centre atom of every usable sub-run (status 1 or 4), the cluster of its
neighbours from ``lobsterin-quippy`` with ``SUM_ICOHP``, the sum of the -ICOHP (eV) of the
centre's bonds to them, and the SOAP vector of the centre. Written as

* ``<El>.xyz`` per centre element: extended XYZ in the study's layout (the sub-run's cell,
  centre first, neighbours at ``r + offset @ cell``; ``ID_RUN``, ``SUB_STEP``,
  ``ID_CENTRAL_ATOM`` (1-based) and ``SUM_ICOHP`` in the comment line), readable by ASE;
  ``<El>.xyz.idx``: the number of clusters, then the byte offset and atom count of each;
* ``ND.info`` (sub-runs not used, with their status code) and ``DUB.info`` (clusters with a
  pair missing from ICOHPLIST, one line per missing pair), as for the per-bond database;
* a store: ``clusters.parquet`` (element, run, sub-run, centre, neighbours, sum_minus_icohp,
  soap_row), ``soap.npy`` (float32, one row per cluster) and ``metadata.json``. No pickle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from ase import Atoms

from glassbonds.database.clusters import cluster_atoms, subrun_clusters
from glassbonds.database.legacy import dub_info_text, nd_info_text
from glassbonds.database.store import read_table_store, write_table_store
from glassbonds.database.subruns import (
    SubRunFiles,
    provenance_record,
    usable_subruns,
)
from glassbonds.errors import InputError
from glassbonds.files import write_text

#: Columns of stores written by earlier versions -> today's name (same values).
OLD_COLUMN_NAMES = {"sum_icohp": "sum_minus_icohp"}

CLUSTER_COLUMNS = [
    "element",
    "run",
    "subrun",
    "centre",
    "neighbours",
    "sum_minus_icohp",
    "soap_row",
]


@dataclass
class ClusterRecord:
    """One complete cluster: its structure (centre first) and summed -ICOHP in eV."""

    run: int
    subrun: int
    centre: int  # 0-based index of the centre in its sub-run
    atoms: Atoms
    sum_minus_icohp: float


@dataclass
class PcssdbResult:
    """A composition's clusters, the centres' SOAP rows, and what did not enter."""

    name: str
    species: list[str]
    descriptor: dict
    clusters: list[ClusterRecord]
    soap: np.ndarray  # (n_clusters, n_features) float32, row i is cluster i's centre
    not_done: list[tuple[int, int, int, str]]  # run, sub-run, status code, reason
    dropped_clusters: list[tuple[int, int, str, str]]  # run, sub-run, centre, missing pair
    provenance: list[dict]

    def table(self) -> pd.DataFrame:
        """One row per cluster (CLUSTER_COLUMNS); ``soap_row`` indexes :attr:`soap`."""
        return pd.DataFrame(
            [
                (
                    r.atoms[0].symbol,
                    r.run,
                    r.subrun,
                    r.centre,
                    len(r.atoms) - 1,
                    r.sum_minus_icohp,
                    i,
                )
                for i, r in enumerate(self.clusters)
            ],
            columns=CLUSTER_COLUMNS,
        )


def build_pcssdb(
    nc: str,
    subruns: Iterable[SubRunFiles],
    species: Sequence[str],
    descriptor: Mapping,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> PcssdbResult:
    """The PCSSDB of one composition from its sub-runs (only codes 1 and 4 enter)."""
    clusters: list[ClusterRecord] = []
    soap_rows: list[np.ndarray] = []
    not_done: list[tuple[int, int, int, str]] = []
    dropped: list[tuple[int, int, str, str]] = []
    provenance: list[dict] = []
    for data, _ in usable_subruns(progress(list(subruns)), descriptor, not_done, lambda _: None):
        files = data.files
        run, sub = files.subrun.run, files.subrun.sub
        value = -data.icohp["icohp"].to_numpy()
        symbols = data.atoms.get_chemical_symbols()
        for cluster in subrun_clusters(data.atoms, data.icohp, data.neighbours, files.neighbours):
            if not cluster.complete:
                centre_label = f"{symbols[cluster.centre]}{cluster.centre + 1}"
                dropped.extend((run, sub, centre_label, pair) for pair in cluster.missing)
                continue
            clusters.append(
                ClusterRecord(
                    run=run,
                    subrun=sub,
                    centre=cluster.centre,
                    atoms=cluster_atoms(data.atoms, cluster),
                    sum_minus_icohp=float(value[list(cluster.icohp_rows)].sum()),
                )
            )
            soap_rows.append(data.soap[cluster.centre].astype(np.float32))
        provenance.append(provenance_record(files))
    width = len(soap_rows[0]) if soap_rows else 0
    return PcssdbResult(
        name=f"{nc}-PCSSDB",
        species=list(species),
        descriptor=dict(descriptor),
        clusters=clusters,
        soap=np.array(soap_rows, dtype=np.float32).reshape(len(soap_rows), width),
        not_done=not_done,
        dropped_clusters=dropped,
        provenance=provenance,
    )


def _lattice(cell: np.ndarray) -> str:
    return "  ".join(" ".join(f"{v:10.6f}" for v in vector) for vector in cell)


def cluster_xyz_text(record: ClusterRecord) -> str:
    """One cluster in the study's extended-XYZ layout (ASE reads the comment line's keys)."""
    header = (
        f'Lattice="{_lattice(record.atoms.cell.array)}" Properties=species:S:1:pos:R:3 '
        f'pbc="T T T" ID_RUN={record.run} SUB_STEP={record.subrun} '
        f"ID_CENTRAL_ATOM={record.centre + 1} SUM_ICOHP={record.sum_minus_icohp:f}"
    )
    lines = [f"{len(record.atoms)}", header]
    lines += [
        f"{symbol:<2s} {x:10.6f} {y:10.6f} {z:10.6f}"
        for symbol, (x, y, z) in zip(
            record.atoms.get_chemical_symbols(), record.atoms.positions, strict=True
        )
    ]
    return "\n".join(lines) + "\n"


def write_pcssdb(
    result: PcssdbResult,
    xyz_files: Mapping[str, str | Path],
    nd_info: str | Path,
    dub_info: str | Path,
    store: str | Path,
) -> None:
    """Write ``<El>.xyz`` (+ ``.idx`` beside each), ND.info, DUB.info and the store.

    ``xyz_files`` maps every centre element of the species to its output path; an element
    without clusters gets an empty file, so the outputs are the same for every composition.
    """
    unknown = sorted({r.atoms[0].symbol for r in result.clusters} - set(xyz_files))
    if unknown:
        raise InputError("pcssdb outputs", f"no output file for centre element(s) {unknown}")
    for element, path in xyz_files.items():
        blocks = [cluster_xyz_text(r) for r in result.clusters if r.atoms[0].symbol == element]
        offsets = np.cumsum([0] + [len(block.encode()) for block in blocks[:-1]])
        index = [f"{len(blocks)}"] + [
            f"{offset} {block.split(chr(10), 1)[0]}"
            for offset, block in zip(offsets, blocks, strict=True)
        ]
        write_text(path, "".join(blocks))
        write_text(f"{path}.idx", "\n".join(index) + "\n")
    write_text(nd_info, nd_info_text(result.not_done))
    write_text(dub_info, dub_info_text(result.dropped_clusters))
    metadata = {
        "name": result.name,
        "species": result.species,
        "descriptor": result.descriptor,
        "cluster_counts": result.table()["element"].value_counts().to_dict(),
        "provenance": result.provenance,
    }
    write_table_store(store, "clusters.parquet", result.table(), result.soap, metadata)


@dataclass
class ClusterSet:
    """Clusters of one centre element read from a store: table rows and centre SOAP."""

    rows: pd.DataFrame
    soap: np.ndarray  # float64, row i belongs to rows.iloc[i]
    descriptor: dict


def load_clusters(store: str | Path, element: str) -> ClusterSet:
    """The clusters of one centre element from a store written by :func:`write_pcssdb`."""
    table, soap, metadata = read_table_store(
        store, "clusters.parquet", OLD_COLUMN_NAMES, "PCSSDB store", "rerun the pcssdb rule"
    )
    rows = table[table["element"] == element].reset_index(drop=True)
    return ClusterSet(
        rows=rows,
        soap=np.asarray(soap[rows["soap_row"].to_numpy()], dtype=np.float64),
        descriptor=metadata["descriptor"],
    )
