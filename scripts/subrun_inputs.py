"""Rule subrun_inputs: one deformed cell of the run's last dump frame and its input files."""

from glassbonds.rule_log import rule_log
from glassbonds.subruns import SubRunOutputs, reference_cell, write_subrun_inputs

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    reference = reference_cell(sm.input.dump, sm.params.species)
    atoms = write_subrun_inputs(
        reference,
        int(sm.wildcards.sub),
        SubRunOutputs(sm.output.xyz, sm.output.scf_in, sm.output.lobsterin, sm.output.neighbours),
        nc=sm.wildcards.nc,
        transformations=sm.params.subruns,
        qe=sm.params.qe,
        lobster=sm.params.lobster,
        pseudo_dir=sm.params.pseudo_dir,
        scratch=sm.params.scratch,
        neighbour_cutoff=sm.params.neighbour_cutoff,
    )
    print(f"sub-run {sm.wildcards.sub}: {len(atoms)} atoms, cell (A):\n{atoms.cell.array}")
