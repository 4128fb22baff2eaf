"""The files of a sub-run that the databases read, and reading them with every check.

A sub-run enters a database when its status is usable (1 DONE or 4) and its files can be
read: structure with a periodic cell and finite positions, ICOHPLIST, explicit neighbour
list with atom indices inside the structure, SOAP vectors made with the configured
parameters, one per atom. A file that cannot be read makes the sub-run *defective*
(:data:`DEFECTIVE_CODE`, with the reason), so one bad sub-run never blocks its composition;
SOAP made with other parameters stops the rule (the whole composition must be redone).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
from ase import Atoms
from ase.io import read as read_structure

from glassbonds.descriptors import check_same_descriptor, load_soap
from glassbonds.errors import InputError
from glassbonds.files import sha256
from glassbonds.io.lobster import read_icohplist
from glassbonds.io.lobster_inputs import read_neighbour_list
from glassbonds.io.status_file import bundled_statuses, status_key
from glassbonds.subrun_status import StatusCode, SubRunStatus
from glassbonds.tree import SubRun

# The status codes are defined once, in glassbonds.subrun_status.
USABLE_STATUS_CODES = tuple(int(code) for code in StatusCode if code.usable)
DEFECTIVE_CODE = int(StatusCode.SUBRUN_FILES_DEFECTIVE)
DISTANCE_TOLERANCE = 0.01  # angstrom: neighbour-list distance vs. ICOHPLIST distance

T = TypeVar("T")


@dataclass
class SubRunFiles:
    """The files of one sub-run that the database reads, and its status code."""

    subrun: SubRun
    status_code: int
    status_reason: str
    xyz: Path
    icohplist: Path | None  # None: absent from an adopted sub-run (its status says so)
    neighbours: Path | None
    soap: Path
    provenance: dict = field(default_factory=dict)  # SubRunStatus.provenance()


@dataclass
class SubRunData:
    """A usable sub-run read and checked: structure, ICOHPLIST and neighbour tables, SOAP."""

    files: SubRunFiles
    atoms: Atoms
    icohp: pd.DataFrame
    neighbours: pd.DataFrame
    soap: np.ndarray | None = None  # (n_atoms, n_features), when read with a descriptor


class DescriptorMismatch(InputError):
    """SOAP vectors made with other parameters than the config's."""


def read_cell(xyz: str | Path) -> Atoms:
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


def check_indices(where: str | Path, name: str, indices: np.ndarray, natoms: int) -> None:
    """Raise when a 0-based atom index is outside the structure (index 0 never wraps)."""
    bad = indices[(indices < 0) | (indices >= natoms)]
    if len(bad):
        raise InputError(
            where,
            f"{name} atom index {int(bad[0]) + 1} outside 1..{natoms} (the atoms of the .xyz)",
            "rewrite the file from the sub-run's structure",
        )


def read_subrun(files: SubRunFiles, descriptor: Mapping | None = None) -> SubRunData:
    """Read and check a sub-run's files; with ``descriptor`` also its SOAP vectors.

    Raises :class:`InputError` for a defective file and :class:`DescriptorMismatch` when the
    SOAP vectors were made with parameters other than ``descriptor``.
    """
    atoms = read_cell(files.xyz)
    for path, kind in ((files.icohplist, "ICOHPLIST"), (files.neighbours, "neighbour list")):
        if path is None:
            raise InputError(Path(files.xyz).parent, f"no {kind} in this sub-run directory")
    icohp = read_icohplist(files.icohplist)
    if not Path(files.neighbours).is_file():
        raise InputError(files.neighbours, "missing", "write it from the sub-run's structure")
    neighbours = read_neighbour_list(files.neighbours)
    natoms = len(atoms)
    check_indices(
        files.neighbours, "cohpbetween", neighbours[["centre", "neighbour"]].to_numpy(), natoms
    )
    check_indices(files.icohplist, "ICOHPLIST", icohp[["atom_a", "atom_b"]].to_numpy(), natoms)
    data = SubRunData(files, atoms, icohp, neighbours)
    if descriptor is not None:
        record = load_soap(files.soap)
        check_same_descriptor(
            files.soap,
            record.parameters,
            descriptor,
            "delete the <NC>-SOAPS files and rerun the describe_subrun rule",
            DescriptorMismatch,
        )
        if len(record.vectors) != natoms:
            raise InputError(
                files.soap,
                f"{len(record.vectors)} SOAP vectors for the {natoms} atoms of {files.xyz}",
                "rerun the describe_subrun job of this sub-run's run",
            )
        data.soap = record.vectors
    return data


def usable_subruns(
    subruns: Iterable[SubRunFiles],
    descriptor: Mapping,
    not_done: list[tuple[int, int, int, str]],
    process: Callable[[SubRunData], T],
) -> Iterator[tuple[SubRunData, T]]:
    """Each sub-run that enters a database, read (:func:`read_subrun`) and ``process``-ed.

    A sub-run whose status is not usable is appended to ``not_done`` as (run, sub-run,
    status code, reason); one whose files or ``process`` raise :class:`InputError` as
    defective (:data:`DEFECTIVE_CODE`, the error as reason). SOAP made with other
    parameters (:class:`DescriptorMismatch`) stops the build.
    """
    for files in subruns:
        run, sub = files.subrun.run, files.subrun.sub
        if files.status_code not in USABLE_STATUS_CODES:
            not_done.append((run, sub, files.status_code, files.status_reason))
            continue
        try:
            data = read_subrun(files, descriptor)
            result = process(data)
        except DescriptorMismatch:
            raise
        except InputError as error:
            not_done.append((run, sub, DEFECTIVE_CODE, str(error)))
            continue
        yield data, result


def provenance_record(files: SubRunFiles) -> dict:
    """What a database records of a sub-run it took bonds from (checksum, programs...)."""
    return {
        "run": files.subrun.run,
        "subrun": files.subrun.sub,
        "status": files.status_code,
        "icohplist": str(files.icohplist),
        "icohplist_sha256": sha256(files.icohplist),
        **files.provenance,
    }


def subrun_statuses(subruns: Sequence[SubRun], bundles: Sequence[str | Path]) -> list[SubRunStatus]:
    """The status of each sub-run, in sub-run order, from the status bundles a rule declared
    (rule describe_subrun writes one per job: :mod:`glassbonds.io.status_file`)."""
    keys = [status_key(s.nc, s.nat, s.run, s.sub) for s in subruns]
    return bundled_statuses(keys, bundles)


def declared_subrun_files(
    subruns: Sequence[SubRun],
    statuses: Sequence[SubRunStatus],
    xyz_files: Sequence[str | Path],
    soap_files: Sequence[str | Path],
    neighbour_files: Sequence[str | Path],
    icohplists: Sequence[str | Path],
) -> list[SubRunFiles]:
    """One :class:`SubRunFiles` per sub-run from the paths a rule declared, in sub-run order.

    ``statuses`` (read by :func:`subrun_statuses` from the status bundles, or from status
    files), ``xyz_files`` and ``soap_files`` hold one entry per sub-run; ``neighbour_files`` and
    ``icohplists`` only those that exist (an adopted sub-run may hold only its structure),
    matched to their sub-run by the directory of its ``.xyz``. A sub-run without one gets
    ``None`` there (its status says why; reading it raises).
    """
    if not len(subruns) == len(statuses) == len(xyz_files) == len(soap_files):
        raise InputError("database inputs", "one status, structure and SOAP file per sub-run")
    neighbours_in = {Path(p).parent: Path(p) for p in neighbour_files if Path(p).is_file()}
    icohplist_in = {Path(p).parent: Path(p) for p in icohplists if Path(p).is_file()}
    files = []
    for subrun, status, xyz, soap in zip(subruns, statuses, xyz_files, soap_files, strict=True):
        directory = Path(xyz).parent
        files.append(
            SubRunFiles(
                subrun=subrun,
                status_code=status.code.study_code,
                status_reason=status.reason,
                xyz=Path(xyz),
                icohplist=icohplist_in.get(directory),
                neighbours=neighbours_in.get(directory),
                soap=Path(soap),
                provenance=status.provenance(),
            )
        )
    return files
