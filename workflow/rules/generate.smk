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
    shell:
        # Every path quoted (:q): a root with spaces or shell characters stays one word.
        '(cd "$(dirname {input.inp:q})" && '
        + LAMMPS_COMMAND
        + ' -in "$(basename {input.inp:q})"'
        ' -log log.lammps > "$(basename {output.out:q})") > {log:q} 2>&1'
        " || (tail -n 20 {output.out:q} >> {log:q}; exit 1)"


declare_producers("lammps_run", inp="lammps_input", potential="lammps_input")


rule subrun_inputs:
    # One job per run writes the input files of its 15 sub-runs (one dump frame, 15 cells:
    # seconds): 300 jobs instead of 4,500 in a production DAG keep its dry-run fast.
    input:
        dump=rules.lammps_run.output.dump,
        # named in every <NC>.scf.in: a changed UPF reruns the inputs and so the scf. Here
        # (300 jobs) rather than on qe_scf (4,500): a smaller production DAG.
        pseudopotentials=PSEUDOPOTENTIAL_FILES,
    output:
        xyz=each_subrun(f"{SUBRUN_DIR}/{{nc}}.xyz"),
        scf_in=each_subrun(f"{SUBRUN_DIR}/{{nc}}.scf.in"),
        lobsterin=each_subrun(f"{SUBRUN_DIR}/lobsterin"),
        neighbours=each_subrun(f"{SUBRUN_DIR}/lobsterin-quippy"),
    log:
        f"{LOGS}/subrun_inputs/{{nc}}/{{nat}}/{{run}}.log",
    conda:
        "../../envs/python.yaml"
    params:
        species=SPECIES,
        subruns=config["subruns"],
        subrun_numbers=SUBRUN_NUMBERS,
        # not qe.recovery (read by qe_scf) nor qe.overrides (read by the script per
        # sub-run): changing them must not rerun every sub-run
        qe={k: v for k, v in config["qe"].items() if k not in ("recovery", "overrides")},
        lobster=config["lobster"],
        pseudo_dir=pseudo_dir(),
        scratch=each_subrun(SCRATCH_DIR),
        neighbour_cutoff=config["soap"]["r_cut"],
    script:
        "../../scripts/subrun_inputs.py"


declare_producers("subrun_inputs", dump="lammps_run")
