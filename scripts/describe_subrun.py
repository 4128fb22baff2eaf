"""Rule describe_subrun: a sub-run's status (from its scf, LOBSTER log and ICOHPLIST) and the
L2-normalised SOAP vector of each of its atoms (DScribe).

Status files that may be absent in an adopted tree cannot be Snakemake inputs: they come from
input when present there, else from params (and are then read as absent).
"""

from ase.io import read

from glassbonds.descriptors import SoapParameters, save_soap, soap_vectors
from glassbonds.rule_log import rule_log
from glassbonds.subrun_status import determine_status, write_status_file

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    paths = [
        sm.input.get(kind) or sm.params.get(kind)
        for kind in ("scf_out", "lobster_log", "icohplist")
    ]
    status = determine_status(*paths)
    write_status_file(sm.output.status, status)
    print(f"status {int(status.code)} {status.code.name} ({status.reason})")

    parameters = SoapParameters.from_config(sm.params.species, sm.params.soap)
    atoms = read(sm.input.xyz)
    vectors = soap_vectors(atoms, parameters)
    save_soap(sm.output.soap, vectors, parameters, atoms.get_chemical_symbols())
    print(f"{len(atoms)} atoms x {vectors.shape[1]} SOAP features, parameters {parameters}")
