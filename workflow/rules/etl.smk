# ETL model: sub-run status and SOAP descriptors, per-composition PBSSDB, mixed databases.


rule describe_subrun:
    # SOAP vectors and status together: what the databases read from a sub-run. One job
    # instead of two per sub-run keeps dry-runs of 4,500 sub-runs fast; recomputing the
    # SOAP (seconds) after a LOBSTER rerun (hours) costs nothing.
    input:
        *STATUS_INPUT_FUNCTIONS,
        **STATUS_INPUT_FILES,
        xyz=subrun_file("xyz"),
    output:
        soap=SOAP_FILE,
        status=subrun_file("status"),
    log:
        f"{LOGS}/describe_subrun/{{nc}}/{{nat}}/{{run}}/{{sub}}.log",
    conda:
        "../../envs/python.yaml"
    params:
        **STATUS_PATH_PARAMS,
        species=SPECIES,
        soap=config["soap"],
        lobsterout=subrun_file("lobsterout"),
        quality=config.get("lobster", {}).get("quality", {}),
        pseudo_dirs=status_pseudo_dirs(),
    script:
        "../../scripts/describe_subrun.py"


rule pbssdb:
    input:
        unpack(pbssdb_inputs),
    output:
        **pbssdb_outputs(),
    log:
        f"{LOGS}/pbssdb/{{nc}}.log",
    conda:
        "../../envs/python.yaml"
    params:
        nc="{nc}",
        subruns=pbssdb_subruns,
        subrun_files=pbssdb_subrun_files,
        missing_runs=pbssdb_missing_runs,
        species=SPECIES,
        bond_types=BOND_TYPES,
        soap=config["soap"],
    script:
        "../../scripts/pbssdb.py"


for _spec in config.get("mixed_databases", []):

    rule:
        name:
            f"mixed_database_{_spec['name']}"
        input:
            **mixed_inputs(_spec),
        output:
            mixed_outputs(_spec["name"]),
        log:
            f"{LOGS}/mixed_database/{_spec['name']}.log",
        conda:
            "../../envs/python.yaml"
        params:
            spec=_spec,
            bond_types=mixed_bond_types(_spec),
        script:
            "../../scripts/mixed_database.py"
