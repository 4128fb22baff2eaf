# Per-cluster branch (create_SSDB.py's PC mode): each centre atom with its neighbours and the
# sum of its bonds' -ICOHP, and a per-atom model of that sum judged on held-out sub-runs.


rule pcssdb:
    input:
        *DATABASE_INPUT_FUNCTIONS,
    output:
        xyz=[f"{PCSSDB_DIR}/{element}.xyz" for element in SPECIES],
        idx=[f"{PCSSDB_DIR}/{element}.xyz.idx" for element in SPECIES],
        nd_info=f"{PCSSDB_DIR}/ND.info",
        dub_info=f"{PCSSDB_DIR}/DUB.info",
        store=[
            f"{PCSSDB_DIR}/clusters.parquet",
            f"{PCSSDB_DIR}/soap.npy",
            f"{PCSSDB_DIR}/metadata.json",
        ],
    log:
        f"{LOGS}/pcssdb/{{nc}}.log",
    conda:
        "../../envs/python.yaml"
    params:
        nc="{nc}",
        subruns=pbssdb_subruns,
        species=SPECIES,
        soap=lookup(dpath="soap", within=config),
    script:
        "../../scripts/pcssdb.py"


declare_producers("pcssdb")


rule per_atom_model:
    input:
        store=rules.pcssdb.output.store,
    output:
        summary=f"{TT_DIR}/per-atom-{{nc}}/{{nc}}-per-atom-grouped-cv.tsv",
        held_out=f"{TT_DIR}/per-atom-{{nc}}/{{nc}}-per-atom-held-out.tsv",
        png=report(
            f"{TT_DIR}/per-atom-{{nc}}/{{nc}}-per-atom-parity.png",
            category="Per-atom model",
            caption="../report/per_atom.rst",
        ),
    log:
        f"{LOGS}/per_atom_model/{{nc}}.log",
    conda:
        "../../envs/python.yaml"
    params:
        species=SPECIES,
        settings=lookup(dpath="per_cluster/model", within=config),
    script:
        "../../scripts/per_atom_model.py"
