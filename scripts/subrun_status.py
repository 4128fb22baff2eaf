"""Rule subrun_status: a sub-run's status file (glassbonds.subrun_status).

scf_out, lobster_log, icohplist: from input when present there, else from params (a file
that may be absent cannot be a Snakemake input); output.status.
"""

from glassbonds.rule_log import rule_log
from glassbonds.subrun_status import determine_status, write_status_file

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    paths = [sm.input.get(kind) or sm.params.get(kind)
             for kind in ("scf_out", "lobster_log", "icohplist")]
    status = determine_status(*paths)
    write_status_file(sm.output.status, status)
    print(f"{sm.output.status}: {int(status.code)} {status.code.name} ({status.reason})")
