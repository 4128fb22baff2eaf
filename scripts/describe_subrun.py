"""Rule describe_subrun: a sub-run's status (from its scf, LOBSTER log and ICOHPLIST, with
programs, pseudopotentials and LOBSTER quality) and the L2-normalised SOAP vector of each of
its atoms (DScribe).

Status files that may be absent in an adopted tree cannot be Snakemake inputs: they come from
input when present there, else from params (and are then read as absent). A structure that
cannot be described (NaN, no cell) gets status 9 with its reason and an empty SOAP file, so
the composition's database is still built from the other sub-runs.
"""

from dataclasses import replace

import numpy as np

from glassbonds.database.subruns import read_cell
from glassbonds.descriptors import SoapParameters, save_soap, soap_vectors
from glassbonds.errors import InputError
from glassbonds.rule_log import rule_log
from glassbonds.subrun_status import (
    LobsterQuality,
    StatusCode,
    determine_status,
    write_status_file,
)

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    paths = [
        sm.input.get(kind) or sm.params.get(kind)
        for kind in ("scf_out", "lobster_log", "icohplist")
    ]
    status = determine_status(
        *paths,
        lobsterout=sm.params.lobsterout,
        quality=LobsterQuality.from_config(sm.params.quality),
        pseudo_dirs=tuple(sm.params.pseudo_dirs),
        scf_attempts=sm.input.get("scf_attempts") or sm.params.get("scf_attempts"),
    )
    parameters = SoapParameters.from_config(sm.params.species, sm.params.soap)
    try:
        atoms = read_cell(sm.input.xyz)
        vectors = soap_vectors(atoms, parameters)
        symbols = atoms.get_chemical_symbols()
    except InputError as error:
        status = replace(status, code=StatusCode.SUBRUN_FILES_DEFECTIVE, reason=str(error))
        symbols, vectors = [], np.zeros((0, 0), np.float32)
    write_status_file(sm.output.status, status)
    print(f"status {int(status.code)} {status.code.name} ({status.reason})")
    if status.icohp_program and status.icohp_program.get("synthetic"):
        print("WARNING: the -ICOHP of this sub-run comes from the LOBSTER TEST DOUBLE, NOT LOBSTER")
    save_soap(sm.output.soap, vectors, parameters, symbols)
    print(f"{len(symbols)} atoms x {vectors.shape[1]} SOAP features, parameters {parameters}")
