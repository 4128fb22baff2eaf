"""Rule lammps_input: write <NC>.lmp.inp and copy the potential into the run directory."""

from glassbonds.io.lammps import prepare_run
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    w = sm.wildcards
    prepare_run(
        w.nc,
        int(w.run),
        int(w.nat),
        sm.params.species,
        sm.params.lammps,
        sm.output.inp,
        sm.output.potential,
    )
