"""Rule describe_subrun: the status (from scf, LOBSTER log and ICOHPLIST, with programs,
pseudopotentials and LOBSTER quality) and the SOAP vectors of each sub-run of the job (one
MD run's sub-runs; one sub-run in an adopted tree): glassbonds.subrun_description.

Each evidence kind is one path per sub-run in output order: the params when the rule gives
them (files that may be absent, read as absent then), else the inputs. Besides each
sub-run's status file, the job's status bundle (output ``statuses``, params ``subruns``:
one ``status_key`` per sub-run) holds them all: what the databases and reports read.
"""

from glassbonds.descriptors import SoapParameters
from glassbonds.io.status_file import status_key, write_status_bundle
from glassbonds.rule_log import rule_log
from glassbonds.subrun_description import StatusEvidence, describe_subrun
from glassbonds.subrun_status import LobsterQuality

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    kinds = ("scf_out", "scf_attempts", "lobster_log", "icohplist")
    paths = {kind: list(sm.params.get(kind) or sm.input.get(kind)) for kind in kinds}
    parameters = SoapParameters.from_config(sm.params.species, sm.params.soap)
    quality = LobsterQuality.from_config(sm.params.quality)
    statuses = []
    for index, (xyz, status_file, soap_file) in enumerate(
        zip(sm.input.xyz, sm.output.status, sm.output.soap, strict=True)
    ):
        evidence = StatusEvidence(
            **{kind: paths[kind][index] for kind in kinds},
            lobsterout=sm.params.lobsterout[index],
        )
        described = describe_subrun(
            xyz,
            evidence,
            parameters,
            status_file,
            soap_file,
            quality=quality,
            pseudo_dirs=tuple(sm.params.pseudo_dirs),
        )
        status = described.status
        statuses.append((status_key(*sm.params.subruns[index].split("/")), status))
        print(f"{status_file}: status {int(status.code)} {status.code.name} ({status.reason})")
        if status.icohp_program and status.icohp_program.get("synthetic"):
            print("WARNING: this sub-run's -ICOHP comes from the LOBSTER TEST DOUBLE, NOT LOBSTER")
        atoms, features = described.soap_shape
        print(f"{soap_file}: {atoms} atoms x {features} SOAP features, parameters {parameters}")
    write_status_bundle(sm.output.statuses, statuses)
