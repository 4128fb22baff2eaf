"""Bond databases: the per-bond single-SOAP database of one composition (PBSSDB) and mixed
databases (DB4, DB8, ...) sampled from several PBSSDBs.

A database holds, per bond type ``A-B``, rows (source, run, sub-run, atom A, atom B,
distance in angstrom, -ICOHP in eV) and the SOAP vectors of both atoms. It is written twice:

* the study's legacy text files (``A-B.bnd``, ``ND.info``, ``DUB.info``;
  ``DB_A-B.bnd``/``.info``), byte-compatible with create_SSDB.py, for existing scripts;
* an efficient store: ``bonds.parquet`` (one row per bond, typed columns, read in
  milliseconds by pandas) and ``soap.npy`` (one float32 row per atom, shared by all bonds of
  that atom, memory-mappable), plus ``metadata.json`` (descriptor parameters and the
  provenance of every sub-run: path and SHA-256 of its ICOHPLIST). No pickle anywhere.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from ase.io import read as read_structure

from glassbonds.composition import bond_type_of, bond_types
from glassbonds.descriptors import load_soap
from glassbonds.errors import InputError
from glassbonds.files import atomic_path, sha256, write_text
from glassbonds.io.lobster import read_icohplist, read_neighbour_list
from glassbonds.provenance import icohp_programs
from glassbonds.tree import SubRun

USABLE_STATUS_CODES = (1, 4)  # DONE, SCF_CONVERGED_LOB_NOT_FINISHED_BUT_ICOHP_OK
DEFECTIVE_CODE = 9  # StatusCode.SUBRUN_FILES_DEFECTIVE
DISTANCE_TOLERANCE = 0.01  # angstrom: neighbour-list distance vs. ICOHPLIST distance
ROW_COLUMNS = [
    "bond_type",
    "source",
    "run",
    "subrun",
    "atom_a",
    "atom_b",
    "distance",
    "icohp",
    "soap_a",
    "soap_b",
]


@dataclass
class SubRunFiles:
    """The files of one sub-run that the database reads, and its status code."""

    subrun: SubRun
    status_code: int
    status_reason: str
    xyz: Path
    icohplist: Path
    neighbours: Path
    soap: Path
    provenance: dict = field(default_factory=dict)  # SubRunStatus.provenance()


@dataclass
class BondDatabase:
    """Rows of every bond (``icohp`` holds -ICOHP, eV) and the per-atom SOAP matrix."""

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


@dataclass
class PbssdbResult:
    """A composition's database plus what did not enter it (ND.info, DUB.info)."""

    database: BondDatabase
    not_done: list[tuple[int, int, int, str]]  # run, sub-run, status code, reason
    dropped_clusters: list[tuple[int, int, str, str]]  # run, sub-run, centre label, pair label
    counts: Counter = field(default_factory=Counter)  # reported counts (distance mismatches...)


def _match_icohp(icohp: pd.DataFrame) -> dict[tuple[int, int, int, int, int], int]:
    """Index of ICOHPLIST bonds by (centre, neighbour, offset) for both atom orders.

    LOBSTER's translation T of a bond (a, b) places b at r_b - T @ cell relative to a (checked
    on the study's files), whereas the neighbour list's offset o places the neighbour at
    r + o @ cell; so (a, b, -T) and (b, a, T) are the two keys of one bond.
    """
    keys: dict[tuple[int, int, int, int, int], int] = {}
    translation = icohp[["tx", "ty", "tz"]].to_numpy()
    for index, (a, b) in enumerate(zip(icohp["atom_a"], icohp["atom_b"], strict=True)):
        tx, ty, tz = (int(v) for v in translation[index])
        keys[(a, b, -tx, -ty, -tz)] = index
        keys[(b, a, tx, ty, tz)] = index
    return keys


def read_cell(xyz: str | Path):
    """The sub-run's structure; no cell, a degenerate cell or non-finite positions raise."""
    try:
        atoms = read_structure(xyz)
    except FileNotFoundError:
        raise InputError(xyz, "missing", "the sub-run has no structure file") from None
    except Exception as error:  # ASE raises many types on a malformed file
        raise InputError(xyz, f"unreadable structure ({type(error).__name__}: {error})") from None
    if not np.isfinite(atoms.positions).all():
        raise InputError(xyz, "positions are not all finite (NaN or inf)")
    if not atoms.cell.rank == 3 or not np.isfinite(atoms.cell.array).all():
        raise InputError(xyz, "no periodic cell (Lattice=...)", "write the cell into the .xyz")
    return atoms


def _check_indices(where: Path, name: str, indices: np.ndarray, natoms: int) -> None:
    bad = indices[(indices < 0) | (indices >= natoms)]
    if len(bad):
        raise InputError(
            where,
            f"{name} atom index {int(bad[0]) + 1} outside 1..{natoms} (the atoms of the .xyz)",
            "rewrite the file from the sub-run's structure",
        )


def subrun_bonds(
    files: SubRunFiles, species: Sequence[str], counts: Counter | None = None
) -> tuple[list[tuple], list[tuple]]:
    """Bonds of one usable sub-run following create_SSDB.py (PB mode).

    For each centre of the explicit neighbour list, in file order: if one of its pairs is not
    in ICOHPLIST, the whole cluster is dropped (one DUB entry per missing pair, labelled
    neighbour-centre as in the study's DUB.info); otherwise each
    pair not written before for this sub-run becomes a row (centre = atom A).
    Returns (rows, dropped) with rows as (bond_type, atom_a, atom_b, distance, -ICOHP).
    ``counts["distance mismatches"]`` counts pairs matched only by their single ICOHPLIST
    listing whose distances differ by more than :data:`DISTANCE_TOLERANCE` (these count as
    missing). Unusable files raise :class:`InputError`.
    """
    counts = Counter() if counts is None else counts
    atoms = read_cell(files.xyz)
    symbols = atoms.get_chemical_symbols()
    icohp = read_icohplist(files.icohplist)
    if not Path(files.neighbours).is_file():
        raise InputError(files.neighbours, "missing", "write it from the sub-run's structure")
    neighbours = read_neighbour_list(files.neighbours)
    natoms = len(symbols)
    _check_indices(
        files.neighbours, "cohpbetween", neighbours[["centre", "neighbour"]].to_numpy(), natoms
    )
    _check_indices(files.icohplist, "ICOHPLIST", icohp[["atom_a", "atom_b"]].to_numpy(), natoms)
    lookup = _match_icohp(icohp)
    by_label_pair = Counter(zip(icohp["atom_a"], icohp["atom_b"], strict=True))
    distance = icohp["distance"].to_numpy()
    value = -icohp["icohp"].to_numpy()
    rows: list[tuple] = []
    dropped: list[tuple] = []
    written: set[int] = set()
    table = neighbours.to_numpy()
    starts = np.flatnonzero(np.r_[True, table[1:, 0] != table[:-1, 0]]) if len(table) else []
    ends = [*starts[1:], len(table)]
    for start, end in zip(starts, ends, strict=True):
        cluster = []
        missing = []
        for centre, neighbour, ox, oy, oz in table[start:end]:
            index = lookup.get((centre, neighbour, ox, oy, oz))
            if (
                index is None
                and by_label_pair[(centre, neighbour)] + by_label_pair[(neighbour, centre)] == 1
            ):
                # a single listing of the pair: translation conventions cannot be ambiguous,
                # but the image must be the same bond: compare the distances
                index = lookup.get(_only_key(icohp, centre, neighbour))
                offset = np.array([ox, oy, oz]) @ atoms.cell.array
                length = np.linalg.norm(
                    atoms.positions[neighbour] + offset - atoms.positions[centre]
                )
                if index is not None and abs(length - distance[index]) > DISTANCE_TOLERANCE:
                    counts["distance mismatches"] += 1
                    index = None
            if index is None:
                # neighbour first, as the study's DUB.info writes it (21 3 KNF: Cu95-Cu94
                # for the centre Cu94 whose pair with Cu95 is missing)
                missing.append(f"{symbols[neighbour]}{neighbour + 1}-{symbols[centre]}{centre + 1}")
            else:
                cluster.append((centre, neighbour, index))
        if missing:
            centre_label = f"{symbols[table[start, 0]]}{table[start, 0] + 1}"
            dropped.extend((centre_label, pair) for pair in missing)
            continue
        for centre, neighbour, index in cluster:
            if index in written:
                continue
            written.add(index)
            bond_type = bond_type_of(symbols[centre], symbols[neighbour], species)
            rows.append((bond_type, int(centre), int(neighbour), distance[index], value[index]))
    return rows, dropped


def _only_key(icohp: pd.DataFrame, centre: int, neighbour: int) -> tuple:
    match = icohp[
        ((icohp.atom_a == centre) & (icohp.atom_b == neighbour))
        | ((icohp.atom_a == neighbour) & (icohp.atom_b == centre))
    ].iloc[0]
    if match.atom_a == centre:
        return (centre, neighbour, -match.tx, -match.ty, -match.tz)
    return (centre, neighbour, match.tx, match.ty, match.tz)


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
    for files in progress(list(subruns)):
        run, sub = files.subrun.run, files.subrun.sub
        if files.status_code not in USABLE_STATUS_CODES:
            not_done.append((run, sub, files.status_code, files.status_reason))
            continue
        try:
            record = load_soap(files.soap)
        except InputError as error:
            not_done.append((run, sub, DEFECTIVE_CODE, str(error)))
            continue
        if dict(record.parameters) != dict(descriptor):
            raise InputError(
                files.soap,
                f"SOAP parameters {record.parameters} differ from the config's",
                "delete the <NC>-SOAPS files and rerun the soap rule",
            )
        try:
            rows, dropped = subrun_bonds(files, species, counts)
            if len(record.vectors) != len(read_cell(files.xyz)):
                raise InputError(files.soap, "SOAP rows differ from the atoms of the .xyz")
        except InputError as error:
            not_done.append((run, sub, DEFECTIVE_CODE, str(error)))
            continue
        dropped_clusters.extend((run, sub, centre, pair) for centre, pair in dropped)
        block = pd.DataFrame(rows, columns=["bond_type", "atom_a", "atom_b", "distance", "icohp"])
        block.insert(1, "source", nc)
        block.insert(2, "run", run)
        block.insert(3, "subrun", sub)
        block["soap_a"] = block["atom_a"] + atoms_so_far
        block["soap_b"] = block["atom_b"] + atoms_so_far
        row_blocks.append(block)
        soap_blocks.append(record.vectors.astype(np.float32))
        atoms_so_far += len(record.vectors)
        provenance.append(
            {
                "run": run,
                "subrun": sub,
                "status": files.status_code,
                "icohplist": str(files.icohplist),
                "icohplist_sha256": sha256(files.icohplist),
                **files.provenance,
            }
        )
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


def write_pbssdb_legacy(result: PbssdbResult, directory: str | Path) -> None:
    """``A-B.bnd`` per bond type, ``ND.info`` and ``DUB.info`` in create_SSDB.py's format."""
    directory = Path(directory)
    rows = result.database.rows
    for bond_type in bond_types(result.database.species):
        selected = rows[rows["bond_type"] == bond_type]
        write_text(directory / f"{bond_type}.bnd", _bnd_text(selected, with_source=None))
    write_text(
        directory / "ND.info",
        "".join(f"{run} {sub} {code}\n" for run, sub, code, _ in result.not_done),
    )
    write_text(
        directory / "ND-reasons.tsv",
        "run\tsubrun\tcode\treason\n"
        + "".join(
            f"{run}\t{sub}\t{code}\t{' '.join(reason.split())}\n"
            for run, sub, code, reason in result.not_done
        ),
    )
    write_text(
        directory / "DUB.info",
        "".join(f"{run} {sub} KNF: {pair}\n" for run, sub, _, pair in result.dropped_clusters),
    )


def _bnd_text(rows: pd.DataFrame, with_source: Sequence[str] | None) -> str:
    columns = [rows["run"], rows["subrun"], rows["atom_a"] + 1, rows["atom_b"] + 1]
    lines = []
    if with_source is not None:
        source_index = {name: index for index, name in enumerate(with_source)}
        prefix = [source_index[s] for s in rows["source"]]
    for position, (run, sub, a, b, d, v) in enumerate(
        zip(*columns, rows["distance"], rows["icohp"], strict=True)
    ):
        head = f"{prefix[position]} " if with_source is not None else ""
        lines.append(f"{head}{run} {sub} {a} {b} {d:f} {v:f}\n")
    return "".join(lines)


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
        rows=rows,
        soap=soap,
        descriptor=metadata["descriptor"],
        species=metadata["species"],
        provenance=metadata["provenance"],
        sources=metadata["sources"],
    )


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
        if database.descriptor != reference.descriptor:
            raise InputError(
                f"mixed database {spec.name}",
                f"{nc} was built with other SOAP parameters than the first source",
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
    database: BondDatabase, spec: MixedDatabaseSpec, directory: str | Path
) -> None:
    """``<DB>_<A>-<B>.info`` (name, bond type, bonds per composition) and ``.bnd`` (rows
    prefixed by the index of their source composition), as the study wrote them."""
    directory = Path(directory)
    for bond_type in spec.bond_types:
        info = f"{spec.name} {bond_type}\n" + "".join(
            f"{nc} {count}\n" for nc, count in spec.counts.items()
        )
        write_text(directory / f"{spec.name}_{bond_type}.info", info)
        rows = database.rows[database.rows["bond_type"] == bond_type]
        write_text(
            directory / f"{spec.name}_{bond_type}.bnd",
            _bnd_text(rows, with_source=list(spec.counts)),
        )


def build_and_write_pbssdb(
    nc: str,
    subruns: Sequence[SubRun],
    root: str | Path,
    species: Sequence[str],
    descriptor: Mapping,
    directory: str | Path,
    missing_runs: Sequence[int] = (),
) -> pd.DataFrame:
    """Build a composition's PBSSDB from its sub-runs on disk and write every output file
    (legacy text, store, ``summary.tsv``); returns the summary table. ``missing_runs``:
    configured runs absent from an adopted tree (reported in the summary)."""
    from tqdm import tqdm

    from glassbonds.subrun_status import read_status_file

    files = []
    for subrun in subruns:
        status = read_status_file(subrun.file(root, "status"))
        files.append(
            SubRunFiles(
                subrun=subrun,
                status_code=status.code.study_code,
                status_reason=status.reason,
                xyz=subrun.file(root, "xyz"),
                icohplist=subrun.file(root, "icohplist"),
                neighbours=subrun.file(root, "neighbours"),
                soap=subrun.soap_file(root),
                provenance=status.provenance(),
            )
        )
    result = build_pbssdb(
        nc,
        files,
        species,
        descriptor,
        progress=lambda items: tqdm(items, desc=f"{nc} sub-runs", mininterval=2.0),
    )
    write_pbssdb_legacy(result, directory)
    save_store(result.database, directory)
    summary = summary_table(result, len(files), missing_runs)
    write_text(Path(directory) / "summary.tsv", summary.to_csv(sep="\t", index=False))
    return summary
