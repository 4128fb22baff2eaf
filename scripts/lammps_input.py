"""Rule lammps_input: write <NC>.lmp.inp and copy the potential into the run directory."""

from glassbonds.io.lammps import prepare_run
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    w = snakemake.wildcards  # noqa: F821
    prepare_run(
        w.nc,
        int(w.run),
        int(w.nat),
        snakemake.params.species,  # noqa: F821
        snakemake.params.lammps,  # noqa: F821
        snakemake.output.inp,  # noqa: F821
        snakemake.output.potential,  # noqa: F821
    )
