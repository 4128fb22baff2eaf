# Generate (DataOps): LAMMPS melt-quench of each run, then the sub-run input files.


rule lammps_input:
    output:
        inp=f"{RUN_DIR}/{{nc}}.lmp.inp",
        potential=f"{RUN_DIR}/{POTENTIAL_NAME}",
    log:
        f"{LOGS}/lammps_input/{{nc}}/{{nat}}/{{run}}.log",
    conda:
        "../../envs/python.yaml"
    params:
        species=SPECIES,
        lammps=config["lammps"],
    script:
        "../../scripts/lammps_input.py"


rule lammps_run:
    input:
        inp=rules.lammps_input.output.inp,
        potential=rules.lammps_input.output.potential,
    output:
        out=f"{RUN_DIR}/{{nc}}.lmp.out",
        log=f"{RUN_DIR}/log.lammps",
        dump=f"{RUN_DIR}/zca-th300.dump",
    log:
        f"{LOGS}/lammps_run/{{nc}}/{{nat}}/{{run}}.log",
    conda:
        "../../envs/lammps.yaml"
    resources:
        tasks=config["lammps"]["tasks"],
        mpi="srun",
    params:
        command=lammps_command,
    shell:
        # Every path quoted (:q): a root with spaces or shell characters stays one word.
        '(cd "$(dirname {input.inp:q})" && {params.command} -in "$(basename {input.inp:q})"'
        ' -log log.lammps > "$(basename {output.out:q})") > {log:q} 2>&1'
        " || (tail -n 20 {output.out:q} >> {log:q}; exit 1)"


rule subrun_inputs:
    input:
        dump=rules.lammps_run.output.dump,
    output:
        xyz=subrun_file("xyz"),
        scf_in=subrun_file("scf_in"),
        lobsterin=subrun_file("lobsterin"),
        neighbours=subrun_file("neighbours"),
    log:
        f"{LOGS}/subrun_inputs/{{nc}}/{{nat}}/{{run}}/{{sub}}.log",
    conda:
        "../../envs/python.yaml"
    params:
        species=SPECIES,
        subruns=config["subruns"],
        # not qe.recovery (read by qe_scf) nor qe.overrides (read by the script for its
        # own sub-run): changing them must not rerun every sub-run
        qe={k: v for k, v in config["qe"].items() if k not in ("recovery", "overrides")},
        lobster=config["lobster"],
        pseudo_dir=pseudo_dir(),
        scratch=SCRATCH_DIR,
        neighbour_cutoff=config["soap"]["r_cut"],
    script:
        "../../scripts/subrun_inputs.py"
