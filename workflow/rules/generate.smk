# Generate (DataOps): LAMMPS melt-quench of each run, then the sub-run input files.
from pathlib import Path as _Path

POTENTIAL_NAME = _Path(config["lammps"]["potential"]).name


rule lammps_input:
    output:
        inp=RUN_DIR + "/{nc}.lmp.inp",
        potential=RUN_DIR + "/" + POTENTIAL_NAME,
    params:
        species=SPECIES,
        lammps=config["lammps"],
    log:
        LOGS + "/lammps_input/{nc}/{nat}/{run}.log",
    script:
        "../../scripts/lammps_input.py"


rule lammps_run:
    input:
        inp=rules.lammps_input.output.inp,
        potential=rules.lammps_input.output.potential,
    output:
        out=RUN_DIR + "/{nc}.lmp.out",
        log=RUN_DIR + "/log.lammps",
        dump=RUN_DIR + "/zca-th300.dump",
    params:
        command=lambda wildcards, resources: config["lammps"]["command"].format(
            tasks=resources.tasks
        ),
    resources:
        tasks=config["lammps"]["tasks"],
        mpi="srun",
    log:
        LOGS + "/lammps_run/{nc}/{nat}/{run}.log",
    shell:
        "(cd $(dirname {input.inp}) && {params.command} -in $(basename {input.inp})"
        " -log log.lammps > $(basename {output.out})) > {log} 2>&1"
        " || (tail -n 20 {output.out} >> {log}; exit 1)"


rule subrun_inputs:
    input:
        dump=rules.lammps_run.output.dump,
    output:
        xyz=subrun_file("xyz"),
        scf_in=subrun_file("scf_in"),
        lobsterin=subrun_file("lobsterin"),
        neighbours=subrun_file("neighbours"),
    params:
        species=SPECIES,
        subruns=config["subruns"],
        qe=config["qe"],
        lobster=config["lobster"],
        pseudo_dir=lambda wildcards: pseudo_dir(),
        scratch=lambda wildcards: scratch_dir(wildcards),
        neighbour_cutoff=config["soap"]["r_cut"],
    log:
        LOGS + "/subrun_inputs/{nc}/{nat}/{run}/{sub}.log",
    script:
        "../../scripts/subrun_inputs.py"
