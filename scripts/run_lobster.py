"""Rule lobster: LOBSTER (lobster.command), or, only with lobster.test_double: true, the
project's synthetic test double (NOT LOBSTER), in the sub-run directory.

input.scratch is QE's outdir (wavefunctions); Snakemake removes it once this rule is done
(temp output of rule qe_scf) unless config qe.keep_scratch."""

from pathlib import Path

from glassbonds.io.lobster import run_lobster
from glassbonds.io.qe import read_scf_outcome
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    outcome = read_scf_outcome(sm.input.scf_out)
    print(
        run_lobster(
            sm.params.command,
            Path(sm.input.scf_out).parent,
            sm.output.lobster_log,
            sm.threads,
            scf_converged=outcome.converged,
            run_on_unconverged_scf=sm.params.run_on_unconverged_scf,
            test_double=sm.params.test_double,
        )
    )
