"""Rule subrun_inputs: the deformed cells of one run's last dump frame, one per configured
sub-run (params.subrun_numbers, in the order of the outputs and of params.scratch, their QE
outdirs), and their input files.

params.qe: the qe section without recovery and overrides; each sub-run's entry of config
qe.overrides ("NC/RUN/SUB": {electron_maxstep: ...}) is read from the config here, so that
adding an override does not rerun every other sub-run (rerun this one with --forcerun on its
<NC>.scf.in).
"""

from glassbonds.rule_log import rule_log
from glassbonds.subruns import SubRunOutputs, reference_cell, subrun_qe, write_subrun_inputs

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    reference = reference_cell(sm.input.dump, sm.params.species)
    outputs = zip(
        sm.params.subrun_numbers,
        sm.output.xyz,
        sm.output.scf_in,
        sm.output.lobsterin,
        sm.output.neighbours,
        sm.params.scratch,
        strict=True,
    )
    for sub, xyz, scf_in, lobsterin, neighbours, scratch in outputs:
        key = f"{sm.wildcards.nc}/{sm.wildcards.run}/{sub}"
        qe = subrun_qe(sm.params.qe, sm.config["qe"].get("overrides"), key)
        if qe != sm.params.qe:
            print(f"config qe.overrides for {key}: {sm.config['qe']['overrides'][key]}")
        atoms = write_subrun_inputs(
            reference,
            int(sub),
            SubRunOutputs(xyz, scf_in, lobsterin, neighbours),
            nc=sm.wildcards.nc,
            transformations=sm.params.subruns,
            qe=qe,
            lobster=sm.params.lobster,
            pseudo_dir=sm.params.pseudo_dir,
            scratch=scratch,
            neighbour_cutoff=sm.params.neighbour_cutoff,
        )
        print(f"sub-run {sub}: {len(atoms)} atoms, cell (A):\n{atoms.cell.array}")
