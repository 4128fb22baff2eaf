"""Rule qe_scf: pw.x on one sub-run's scf input, with automatic recovery
(glassbonds.io.scf_recovery.run_pw_with_recovery).

input.scf_in; output.scf_out (the converged attempt, or the last one: the status step then
records the sub-run as not converged); output.attempts: the record ``scf.attempts`` written
beside it, with the attempts' files.
config qe.command: the launcher template, with {tasks} and {pools} from the rule's
resources (config qe.tasks/qe.pools unless a profile's set-resources says otherwise), e.g.
"srun -n {tasks} pw.x -npool {pools}"; config qe.recovery: the retry ladder (both read
here, not passed as params: Snakemake would take the braces for wildcards, and a changed
ladder must not rerun converged sub-runs). output.scratch: QE's outdir as written in the
input (a temp output unless qe.keep_scratch: rule lobster reads it). pw.x runs in the
output's directory.
"""

import sys
from pathlib import Path

from glassbonds.io.scf_recovery import RecoveryPolicy, run_pw_with_recovery
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    qe = sm.config["qe"]
    command = qe["command"].format(tasks=sm.resources.tasks, pools=sm.resources.pools)
    record = run_pw_with_recovery(
        command,
        sm.input.scf_in,
        sm.output.scf_out,
        sm.output.attempts,
        workdir=Path(sm.output.scf_out).parent,
        policy=RecoveryPolicy.from_mapping(qe.get("recovery"), "config key qe.recovery"),
        log=sys.stdout,
        scratch_dir=sm.output.scratch,
    )
    for attempt in record.attempts:
        print(
            f"attempt {attempt.attempt}: {attempt.result} {attempt.settings} {attempt.error or ''}"
        )
    print(f"converged attempt: {record.converged_attempt}")
