# DFT and bonding: pseudopotentials (ld1.x), Quantum ESPRESSO scf (pw.x), LOBSTER, status.


rule pseudopotential:
    input:
        ld1=f"{workflow.basedir}/resources/pseudopotentials/{{element}}.ld1.in",
    output:
        upf=ROOT + "/pseudo/{element}.UPF",
    log:
        LOGS + "/pseudopotential/{element}.log",
    script:
        "../../scripts/write_pseudopotential.py"


def pseudopotential_files(wildcards):
    elements = parse_composition(wildcards.nc).elements
    upfs = config["qe"]["pseudopotentials"]
    return [f"{pseudo_dir(absolute=False)}/{upfs[element]}" for element in elements]


rule qe_scf:
    input:
        scf_in=subrun_file("scf_in"),
        pseudopotentials=pseudopotential_files,
    output:
        scf_out=subrun_file("scf_out"),
    params:
        command=lambda wildcards, resources: config["qe"]["command"].format(
            tasks=resources.tasks, pools=config["qe"]["pools"]
        ),
        scratch=lambda wildcards: scratch_dir(wildcards),
    resources:
        tasks=config["qe"]["tasks"],
        mpi="srun",
    log:
        LOGS + "/qe_scf/{nc}/{nat}/{run}/{sub}.log",
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
    params:
        command=config["lobster"]["command"],
        run_on_unconverged_scf=config["lobster"]["run_on_unconverged_scf"],
        scratch=lambda wildcards: scratch_dir(wildcards),
        keep_scratch=config["qe"]["keep_scratch"],
    threads: config["lobster"]["threads"]
    log:
        LOGS + "/lobster/{nc}/{nat}/{run}/{sub}.log",
    script:
        "../../scripts/run_lobster.py"
