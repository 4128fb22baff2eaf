# ETL model: sub-run status, SOAP descriptors, per-composition PBSSDB, mixed databases.


# With sub-runs made here, rule lobster writes the status; adopted sub-runs need this rule.
if config["subrun_source"] == "existing":

    rule subrun_status:
        input:
            unpack(status_inputs),
        output:
            status=subrun_file("status"),
        log:
            f"{LOGS}/subrun_status/{{nc}}/{{nat}}/{{run}}/{{sub}}.log",
        conda:
            "../../envs/python.yaml"
        params:
            scf_out=subrun_file("scf_out"),
            lobster_log=subrun_file("lobster_log"),
            icohplist=subrun_file("icohplist"),
        script:
            "../../scripts/subrun_status.py"


rule soap:
    input:
        xyz=subrun_file("xyz"),
    output:
        soap=SOAP_FILE,
    log:
        f"{LOGS}/soap/{{nc}}/{{nat}}/{{run}}/{{sub}}.log",
    conda:
        "../../envs/python.yaml"
    params:
        species=SPECIES,
        soap=config["soap"],
    script:
        "../../scripts/soap.py"


rule pbssdb:
    input:
        unpack(pbssdb_inputs),
    output:
        pbssdb_outputs(),
    log:
        f"{LOGS}/pbssdb/{{nc}}.log",
    conda:
        "../../envs/python.yaml"
    params:
        nc="{nc}",
        subruns=pbssdb_subruns,
        species=SPECIES,
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
