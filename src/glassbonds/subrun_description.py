"""What rule describe_subrun writes of each sub-run: its status (:mod:`subrun_status`) and the
L2-normalised SOAP vector of each of its atoms (:mod:`descriptors`), the two files a
composition's databases read of a sub-run besides its DFT files.

One job of the rule describes the sub-runs of one MD run (a production tree: 15 per run), so
the status evidence and the structures come as one path per sub-run, in output order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from glassbonds.database.subruns import read_cell
from glassbonds.descriptors import SoapParameters, save_soap, soap_vectors
from glassbonds.errors import InputError
from glassbonds.io.status_file import write_status_file
from glassbonds.subrun_status import LobsterQuality, StatusCode, SubRunStatus, determine_status


@dataclass(frozen=True)
class StatusEvidence:
    """The files a sub-run's status is read from; None, or a path that does not exist,
    counts as absent (:func:`~glassbonds.subrun_status.determine_status`)."""

    scf_out: str | Path | None
    scf_attempts: str | Path | None
    lobster_log: str | Path | None
    icohplist: str | Path | None
    lobsterout: str | Path | None


@dataclass(frozen=True)
class Description:
    """What :func:`describe_subrun` wrote: the status and the SOAP matrix's shape
    (atoms x features; 0 x 0 when the structure cannot be described)."""

    status: SubRunStatus
    soap_shape: tuple[int, int]


def describe_subrun(
    xyz: str | Path,
    evidence: StatusEvidence,
    parameters: SoapParameters,
    status_file: str | Path,
    soap_file: str | Path,
    quality: LobsterQuality | None = None,
    pseudo_dirs: tuple[str | Path, ...] = (),
) -> Description:
    """Write a sub-run's status file and SOAP file (``save_soap``: one vector per atom of
    ``xyz``, recorded with ``parameters``).

    A structure that cannot be described (NaN, no cell, missing) gets status 9
    (SUBRUN_FILES_DEFECTIVE) with its reason and an empty SOAP file, so that the
    composition's database is still built from the other sub-runs.
    """
    status = determine_status(
        evidence.scf_out,
        evidence.lobster_log,
        evidence.icohplist,
        lobsterout=evidence.lobsterout,
        quality=quality,
        pseudo_dirs=pseudo_dirs,
        scf_attempts=evidence.scf_attempts,
    )
    try:
        atoms = read_cell(xyz)
        vectors = soap_vectors(atoms, parameters)
        symbols = atoms.get_chemical_symbols()
    except InputError as error:
        status = replace(status, code=StatusCode.SUBRUN_FILES_DEFECTIVE, reason=str(error))
        symbols, vectors = [], np.zeros((0, 0), np.float32)
    write_status_file(status_file, status)
    save_soap(soap_file, vectors, parameters, symbols)
    return Description(status, (int(vectors.shape[0]), int(vectors.shape[1])))
