# ETL model: sub-run status and SOAP descriptors, per-composition PBSSDB, mixed databases.


# scf.out and its attempts record, LOBSTER's log and ICOHPLIST: written by rules qe_scf
# and lobster; inputs (of an adopted tree: those present; with sub-runs chosen one by one
# for DFT: those of the chosen sub-runs), the others read as absent (status_evidence)
STATUS_INPUT_FUNCTIONS, STATUS_INPUT_FILES, STATUS_PATH_PARAMS = status_evidence(
    scf_out=f"{SUBRUN_DIR}/{{nc}}.scf.out",
    scf_attempts=f"{SUBRUN_DIR}/scf.attempts",
    lobster_log=f"{SUBRUN_DIR}/{{nc}}.lb.out",
    icohplist=f"{SUBRUN_DIR}/ICOHPLIST.lobster",
)
# What describe_subrun writes and reads of each sub-run, as its readers name them: status
# and SOAP vectors (outputs), structure (input, written by rule subrun_inputs).
SUBRUN_STATUS = f"{STATUS_DIR}/subrun.status"
# The statuses of a describe_subrun job's sub-runs in one file, what the databases and the
# status report read (glassbonds.io.status_file): one input per MD run, not per sub-run
# (36,000 fewer inputs keep a production dry-run within 1.5x of a bare DAG, issue 14.4).
SUBRUN_STATUSES = f"{DERIVED}/subrun-statuses/{DESCRIBE_JOB}.status"
SUBRUN_SOAP = f"{SOAP_DIR}/SOAPS.npz"
SUBRUN_XYZ = f"{SUBRUN_DIR}/{{nc}}.xyz"


rule describe_subrun:
    # SOAP vectors and status together: what the databases read from a sub-run. One job per
    # run in md (DESCRIBE_JOB, `described`: 300 jobs instead of 4,500 keep dry-runs of a
    # production tree fast); recomputing a run's SOAPs (seconds) after one LOBSTER rerun
    # (hours) costs nothing.
    input:
        *STATUS_INPUT_FUNCTIONS,
        **STATUS_INPUT_FILES,
        xyz=described(SUBRUN_XYZ),
    output:
        soap=described(SUBRUN_SOAP),
        status=described(SUBRUN_STATUS),
        statuses=SUBRUN_STATUSES,
    log:
        f"{LOGS}/describe_subrun/{DESCRIBE_JOB}.log",
    conda:
        "../../envs/python.yaml"
    params:
        **STATUS_PATH_PARAMS,
        species=SPECIES,
        soap=lookup(dpath="soap", within=config),
        lobsterout=described(f"{SUBRUN_DIR}/lobsterout"),
        quality=lookup(dpath="lobster/quality", within=config, default={}),
        pseudo_dirs=status_pseudo_dirs(),
        subruns=described("{nc}/{nat}/{run}/{sub}"),  # the statuses' names in the bundle
    script:
        "../../scripts/describe_subrun.py"


declare_producers(
    "describe_subrun",
    xyz="subrun_inputs",
    scf_out="qe_scf",
    scf_attempts="qe_scf",
    lobster_log="lobster",
    icohplist="lobster",
)


# What a composition's databases (rules pbssdb, pcssdb) read of each of its sub-runs, by
# the rule that writes it.
DATABASE_INPUT_FUNCTIONS = database_inputs(
    describe_subrun={"status": SUBRUN_STATUSES, "soap": SUBRUN_SOAP},
    subrun_inputs={
        "xyz": SUBRUN_XYZ,
        "neighbours": f"{SUBRUN_DIR}/lobsterin-quippy",
    },
    lobster={"icohplist": f"{SUBRUN_DIR}/ICOHPLIST.lobster"},
)


rule pbssdb:
    input:
        *DATABASE_INPUT_FUNCTIONS,
    output:
        bnd=[f"{PBSSDB_DIR}/{bond}.bnd" for bond in BOND_TYPES],
        nd_info=f"{PBSSDB_DIR}/ND.info",
        nd_reasons=f"{PBSSDB_DIR}/ND-reasons.tsv",
        dub_info=f"{PBSSDB_DIR}/DUB.info",
        summary=f"{PBSSDB_DIR}/summary.tsv",
        store=[
            f"{PBSSDB_DIR}/bonds.parquet",
            f"{PBSSDB_DIR}/soap.npy",
            f"{PBSSDB_DIR}/metadata.json",
        ],
    log:
        f"{LOGS}/pbssdb/{{nc}}.log",
    conda:
        "../../envs/python.yaml"
    params:
        nc="{nc}",
        subruns=pbssdb_subruns,
        missing_runs=pbssdb_missing_runs,
        species=SPECIES,
        bond_types=BOND_TYPES,
        soap=lookup(dpath="soap", within=config),
    script:
        "../../scripts/pbssdb.py"


declare_producers("pbssdb")


for _spec in config.get("mixed_databases", []):

    rule:
        name:
            f"mixed_database_{_spec['name']}"
        input:
            **mixed_inputs(_spec),
        output:
            info=[
                f"{DERIVED}/{_spec['name']}/{_spec['name']}_{bond}.info"
                for bond in mixed_bond_types(_spec)
            ],
            bnd=[
                f"{DERIVED}/{_spec['name']}/{_spec['name']}_{bond}.bnd"
                for bond in mixed_bond_types(_spec)
            ],
            store=[
                f"{DERIVED}/{_spec['name']}/bonds.parquet",
                f"{DERIVED}/{_spec['name']}/soap.npy",
                f"{DERIVED}/{_spec['name']}/metadata.json",
            ],
        log:
            f"{LOGS}/mixed_database/{_spec['name']}.log",
        conda:
            "../../envs/python.yaml"
        params:
            spec=_spec,
            bond_types=mixed_bond_types(_spec),
        script:
            "../../scripts/mixed_database.py"
