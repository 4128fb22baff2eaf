"""Rule qe_scf: pw.x on one sub-run's scf input (glassbonds.io.qe.run_pw).

input.scf_in; output.scf_out; config qe.command: the launcher template, with {tasks} (the
rule's resources.tasks) and {pools} (qe.pools), e.g. "srun -n {tasks} pw.x -npool {pools}"
(read here, not passed as a param: Snakemake would take its braces for wildcards);
params.scratch: QE's outdir as written in the input. pw.x runs in the output's directory.
"""

import sys
from pathlib import Path

from glassbonds.io.qe import run_pw
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    qe = sm.config["qe"]
    command = qe["command"].format(tasks=sm.resources.tasks, pools=qe["pools"])
    outcome = run_pw(
        command,
        sm.input.scf_in,
        sm.output.scf_out,
        workdir=Path(sm.output.scf_out).parent,
        log=sys.stdout,
        scratch_dir=sm.params.get("scratch"),
    )
    print(outcome)
