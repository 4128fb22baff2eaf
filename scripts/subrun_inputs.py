"""Rule subrun_inputs: one deformed cell of the run's last dump frame and its input files.

params.qe: the qe section without recovery and overrides; this sub-run's entry of config
qe.overrides ("NC/RUN/SUB": {electron_maxstep: ...}) is read from the config here, so that
adding an override does not rerun every other sub-run (rerun this one with --forcerun on its
<NC>.scf.in).
"""

from glassbonds.rule_log import rule_log
from glassbonds.subruns import SubRunOutputs, reference_cell, subrun_qe, write_subrun_inputs

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    reference = reference_cell(sm.input.dump, sm.params.species)
    key = f"{sm.wildcards.nc}/{sm.wildcards.run}/{sm.wildcards.sub}"
    qe = subrun_qe(sm.params.qe, sm.config["qe"].get("overrides"), key)
    if qe != sm.params.qe:
        print(f"config qe.overrides for {key}: {sm.config['qe']['overrides'][key]}")
    atoms = write_subrun_inputs(
        reference,
        int(sm.wildcards.sub),
        SubRunOutputs(sm.output.xyz, sm.output.scf_in, sm.output.lobsterin, sm.output.neighbours),
        nc=sm.wildcards.nc,
        transformations=sm.params.subruns,
        qe=qe,
        lobster=sm.params.lobster,
        pseudo_dir=sm.params.pseudo_dir,
        scratch=sm.params.scratch,
        neighbour_cutoff=sm.params.neighbour_cutoff,
    )
    print(f"sub-run {sm.wildcards.sub}: {len(atoms)} atoms, cell (A):\n{atoms.cell.array}")
