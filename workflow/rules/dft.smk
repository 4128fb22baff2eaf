# DFT and bonding: pseudopotentials (ld1.x), Quantum ESPRESSO scf (pw.x), LOBSTER.


rule pseudopotential:
    input:
        ld1=f"{workflow.basedir}/resources/pseudopotentials/{{element}}.ld1.in",
    output:
        upf=f"{ROOT}/pseudo/{{element}}.UPF",
    log:
        f"{LOGS}/pseudopotential/{{element}}.log",
    conda:
        "../../envs/qe.yaml"
    script:
        "../../scripts/write_pseudopotential.py"


rule qe_scf:
    input:
        scf_in=subrun_file("scf_in"),
    output:
        scf_out=subrun_file("scf_out"),
        # which attempt converged and with which settings (glassbonds.io.scf_attempts);
        # the attempts' own files (<NC>.scf.{in,out}.attemptN) exist only after a retry
        attempts=f"{SUBRUN_DIR}/scf.attempts",
    log:
        f"{LOGS}/qe_scf/{{nc}}/{{nat}}/{{run}}/{{sub}}.log",
    conda:
        "../../envs/qe.yaml"
    resources:
        tasks=config["qe"]["tasks"],
        pools=config["qe"]["pools"],
        mpi="srun",
    params:
        scratch=SCRATCH_DIR,
    script:
        "../../scripts/run_pw.py"


rule lobster:
    input:
        scf_out=subrun_file("scf_out"),
        lobsterin=subrun_file("lobsterin"),
    output:
        icohplist=subrun_file("icohplist"),
        lobster_log=subrun_file("lobster_log"),
        lobsterout=subrun_file("lobsterout"),
    log:
        f"{LOGS}/lobster/{{nc}}/{{nat}}/{{run}}/{{sub}}.log",
    conda:
        "../../envs/python.yaml"
    threads: config["lobster"]["threads"]
    params:
        command=config["lobster"]["command"],
        run_on_unconverged_scf=config["lobster"]["run_on_unconverged_scf"],
        test_double=config["lobster"]["test_double"],
        scratch=SCRATCH_DIR,
        keep_scratch=config["qe"]["keep_scratch"],
    script:
        "../../scripts/run_lobster.py"
