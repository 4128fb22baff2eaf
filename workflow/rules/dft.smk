# DFT and bonding: pseudopotentials (ld1.x), Quantum ESPRESSO scf (pw.x), LOBSTER.

# QE's outdir of one sub-run (charge density, wavefunctions): written by rule qe_scf, read by
# rule lobster, then removed by Snakemake (temp) unless config qe.keep_scratch.
QE_SCRATCH = (
    directory(SCRATCH_DIR)
    if config["qe"]["keep_scratch"]
    else temp(directory(SCRATCH_DIR))
)


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
        scf_in=f"{SUBRUN_DIR}/{{nc}}.scf.in",  # written by rule subrun_inputs
    output:
        scf_out=f"{SUBRUN_DIR}/{{nc}}.scf.out",
        # which attempt converged and with which settings (glassbonds.io.scf_attempts);
        # the attempts' own files (<NC>.scf.{in,out}.attemptN) exist only after a retry
        attempts=f"{SUBRUN_DIR}/scf.attempts",
        scratch=QE_SCRATCH,
    log:
        f"{LOGS}/qe_scf/{{nc}}/{{nat}}/{{run}}/{{sub}}.log",
    conda:
        "../../envs/qe.yaml"
    resources:
        tasks=config["qe"]["tasks"],
        pools=config["qe"]["pools"],
        mpi="srun",
    script:
        "../../scripts/run_pw.py"


declare_producers("qe_scf", scf_in="subrun_inputs")


rule lobster:
    input:
        scf_out=rules.qe_scf.output.scf_out,
        scratch=rules.qe_scf.output.scratch,
        lobsterin=f"{SUBRUN_DIR}/lobsterin",  # written by rule subrun_inputs
    output:
        icohplist=f"{SUBRUN_DIR}/ICOHPLIST.lobster",
        lobster_log=f"{SUBRUN_DIR}/{{nc}}.lb.out",
        lobsterout=f"{SUBRUN_DIR}/lobsterout",
    log:
        f"{LOGS}/lobster/{{nc}}/{{nat}}/{{run}}/{{sub}}.log",
    conda:
        "../../envs/python.yaml"
    threads: config["lobster"]["threads"]
    params:
        command=config["lobster"]["command"],
        run_on_unconverged_scf=config["lobster"]["run_on_unconverged_scf"],
        test_double=config["lobster"]["test_double"],
    script:
        "../../scripts/run_lobster.py"


declare_producers(
    "lobster", scf_out="qe_scf", scratch="qe_scf", lobsterin="subrun_inputs"
)
