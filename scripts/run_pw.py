"""Rule qe_scf: pw.x on one sub-run's scf input (glassbonds.qe_io.run_pw).

input.scf_in; output.scf_out; params.command: the launcher (e.g. "srun -n 4 pw.x -npool 2");
params.scratch: QE's outdir as written in the input. pw.x runs in the output's directory.
"""

import sys
from pathlib import Path

from glassbonds.qe_io import run_pw
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    outcome = run_pw(
        sm.params.command,
        sm.input.scf_in,
        sm.output.scf_out,
        workdir=Path(sm.output.scf_out).parent,
        log=sys.stdout,
        scratch_dir=sm.params.get("scratch"),
    )
    print(outcome)
