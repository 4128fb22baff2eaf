# ETL model: sub-run status, SOAP descriptors, per-composition PBSSDB, mixed databases.


def status_inputs(wildcards):
    """The outputs a status is read from. Adopted trees may lack some: only existing ones."""
    files = {
        kind: subrun_file(kind).format(**wildcards)
        for kind in ("scf_out", "lobster_log", "icohplist")
    }
    if config["subrun_source"] == "existing":
        files = {kind: path for kind, path in files.items() if Path(path).exists()}
    return files


rule subrun_status:
    input:
        unpack(status_inputs),
    output:
        status=subrun_file("status"),
    params:
        scf_out=subrun_file("scf_out"),
        lobster_log=subrun_file("lobster_log"),
        icohplist=subrun_file("icohplist"),
    log:
        LOGS + "/subrun_status/{nc}/{nat}/{run}/{sub}.log",
    script:
        "../../scripts/subrun_status.py"


rule soap:
    input:
        xyz=subrun_file("xyz"),
    output:
        soap=SOAP_FILE,
    params:
        species=SPECIES,
        soap=config["soap"],
    log:
        LOGS + "/soap/{nc}/{nat}/{run}/{sub}.log",
    script:
        "../../scripts/soap.py"


def pbssdb_inputs(wildcards):
    nc = wildcards.nc
    inputs = {
        "status": expand_subruns(nc, "status"),
        "xyz": expand_subruns(nc, "xyz"),
        "neighbours": expand_subruns(nc, "neighbours"),
        "soap": expand_subruns(nc, "soap"),
    }
    icohplists = expand_subruns(nc, "icohplist")
    if config["subrun_source"] == "existing":
        icohplists = [path for path in icohplists if Path(path).exists()]
    inputs["icohplist"] = icohplists
    if not inputs["status"]:
        raise ValueError(f"composition {nc}: no sub-run found under {ROOT}/{nc}")
    return inputs


rule pbssdb:
    input:
        unpack(pbssdb_inputs),
    output:
        pbssdb_outputs(),
    params:
        nc="{nc}",
        subruns=lambda wildcards: [
            [s.run, s.sub, s.nat, s.snapshot] for s in subruns_of(wildcards.nc)
        ],
        root=ROOT,
        species=SPECIES,
        soap=config["soap"],
        directory=PBSSDB_DIR,
    log:
        LOGS + "/pbssdb/{nc}.log",
    script:
        "../../scripts/pbssdb.py"


for _spec in config.get("mixed_databases", []):

    rule:
        name:
            f"mixed_database_{_spec['name']}"
        input:
            [
                f"{PBSSDB_DIR.format(nc=nc)}/{file}"
                for nc in _spec["counts"]
                for file in PBSSDB_STORE
            ],
        output:
            mixed_outputs(_spec["name"]),
        params:
            spec=_spec,
            bond_types=mixed_bond_types(_spec),
            root=ROOT,
            directory=MIXED_DIR.format(db=_spec["name"]),
        log:
            f"{LOGS}/mixed_database/{_spec['name']}.log",
        script:
            "../../scripts/mixed_database.py"
