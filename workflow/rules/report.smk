# Report artifacts for `snakemake --report`: sub-run status, bond databases, test RMSE per
# bond type against the published values, and ETL inference summaries (HTML tables and PNG
# plots; the logic is in glassbonds.report).
REPORT_DIR = f"{DERIVED}/report"


rule report_status:
    input:
        # a function, so that its producer can be named (declare_producers)
        produced_by("describe_subrun", report_status_inputs),
    output:
        html=report(
            f"{REPORT_DIR}/subrun-status.html",
            caption="../report/status.rst",
            category="Data",
            subcategory="Sub-run status",
            labels={"content": "table"},
        ),
        png=report(
            f"{REPORT_DIR}/subrun-status.png",
            caption="../report/status.rst",
            category="Data",
            subcategory="Sub-run status",
            labels={"content": "plot"},
        ),
    log:
        f"{LOGS}/report/status.log",
    conda:
        "../../envs/python.yaml"
    params:
        subruns=[
            [s.nc, s.nat, s.run, s.sub]
            for nc in config["compositions"]
            for s in subruns_of(nc)
        ],
        compositions=config["compositions"],
    script:
        "../../scripts/report_status.py"


declare_producers("report_status")


rule report_databases:
    input:
        summaries=expand(rules.pbssdb.output.summary, nc=config["compositions"]),
        pbssdb_metadata=[
            f"{PBSSDB_DIR.format(nc=nc)}/metadata.json"
            for nc in config["compositions"]
        ],
        mixed_metadata=[
            f"{MIXED_DIR.format(db=spec['name'])}/metadata.json"
            for spec in config.get("mixed_databases", [])
        ],
    output:
        html=report(
            f"{REPORT_DIR}/bond-databases.html",
            caption="../report/databases.rst",
            category="Data",
            subcategory="Bond databases",
            labels={"content": "table"},
        ),
        png=report(
            f"{REPORT_DIR}/bond-databases.png",
            caption="../report/databases.rst",
            category="Data",
            subcategory="Bond databases",
            labels={"content": "plot"},
        ),
    log:
        f"{LOGS}/report/databases.log",
    conda:
        "../../envs/python.yaml"
    params:
        compositions=config["compositions"],
        mixed=[spec["name"] for spec in config.get("mixed_databases", [])],
        bond_types=BOND_TYPES,
    script:
        "../../scripts/report_databases.py"


rule report_rmse:
    input:
        info=[fit_stem(bond) + ".info" for bond in model_bond_types()],
        training=f"{database_store(TRAIN_DB)}/metadata.json",
    output:
        html=report(
            f"{REPORT_DIR}/test-rmse.html",
            caption="../report/rmse.rst",
            category="Models",
            subcategory="Test RMSE",
            labels={"content": "table"},
        ),
        png=report(
            f"{REPORT_DIR}/test-rmse.png",
            caption="../report/rmse.rst",
            category="Models",
            subcategory="Test RMSE",
            labels={"content": "plot"},
        ),
    log:
        f"{LOGS}/report/rmse.log",
    conda:
        "../../envs/python.yaml"
    params:
        fits=[
            {
                "bond_type": bond,
                "database": label(TRAIN_DB),
                "n_train": per_type(MODEL["ntrain"], bond),
                "n_test": per_type(MODEL["ntest"], bond),
                "selected": MODEL["hyperparameters_source"] == "selected",
                **{
                    k: MODEL["hyperparameters"].get(bond, {}).get(k, 0)
                    for k in ("zeta", "sigma", "gamma")
                },
            }
            for bond in model_bond_types()
        ],
        published=config["published_fits"],
    script:
        "../../scripts/report_rmse.py"


rule report_inference:
    input:
        icohps=inference_outputs("{item}"),
    output:
        **(
            {
                "std_png": report(
                    f"{REPORT_DIR}/inference/{{item}}-std.png",
                    caption="../report/inference_std.rst",
                    category="Inference",
                    subcategory="{item}",
                    labels={"content": "predictive uncertainty"},
                )
            }
            if INFERENCE["predictive_std"]
            else {}
        ),
        html=report(
            f"{REPORT_DIR}/inference/{{item}}.html",
            caption="../report/inference.rst",
            category="Inference",
            subcategory="{item}",
            labels={"content": "table"},
        ),
        icohp_png=report(
            f"{REPORT_DIR}/inference/{{item}}-icohp.png",
            caption="../report/inference_icohp.rst",
            category="Inference",
            subcategory="{item}",
            labels={"content": "-ICOHP per bond type"},
        ),
        atoms_png=report(
            f"{REPORT_DIR}/inference/{{item}}-atoms.png",
            caption="../report/inference_atoms.rst",
            category="Inference",
            subcategory="{item}",
            labels={"content": "per-atom bond strength"},
        ),
    log:
        f"{LOGS}/report/inference/{{item}}.log",
    conda:
        "../../envs/python.yaml"
    params:
        item="{item}",
        files=inference_files,
        species=SPECIES,
        bond_types=[b for b in BOND_TYPES if b in INFERENCE["windows"]],
    script:
        "../../scripts/report_inference.py"


rule report_active_learning:
    input:
        summary=f"{REPLAY_STEM}-summary.tsv",
        training=f"{database_store(TRAIN_DB)}/metadata.json",
    output:
        html=report(
            f"{REPORT_DIR}/active-learning-replay.html",
            caption="../report/active_learning_replay.rst",
            category="Active learning",
            subcategory="Acquisition vs random",
            labels={"content": "table"},
        ),
        png=report(
            f"{REPORT_DIR}/active-learning-replay.png",
            caption="../report/active_learning_replay.rst",
            category="Active learning",
            subcategory="Acquisition vs random",
            labels={"content": "plot"},
        ),
    log:
        f"{LOGS}/report/active_learning.log",
    conda:
        "../../envs/python.yaml"
    params:
        published=config["published_fits"],
        replay=REPLAY,
        database=TRAIN_LABEL,
    script:
        "../../scripts/report_active_learning.py"


# The targets of rule all (common.smk all_targets); the uncertainty plot only with std.
REPORT_TARGETS = [
    f"{REPORT_DIR}/{name}.{ext}"
    for name in ("subrun-status", "bond-databases")
    + (("test-rmse",) if model_bond_types() else ())
    for ext in ("html", "png")
] + [
    f"{REPORT_DIR}/inference/{item}{suffix}"
    for item in INFERENCE["items"]
    for suffix in (".html", "-icohp.png")
    + (("-std.png",) if INFERENCE["predictive_std"] else ())
]
# The replay page only when enabled (active_learning.smk REPLAY_TARGETS).
REPORT_TARGETS += [
    f"{REPORT_DIR}/active-learning-replay.{ext}"
    for ext in ("html", "png")
    if REPLAY_TARGETS
]
