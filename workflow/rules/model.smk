# Train/Tune: kernel regression per bond type, hyperparameters chosen by grouped CV, the
# grouped-CV comparison of models, learning curves, and validation of whole cells.
# Validation sub-runs (model.validation_subruns) are left out of every fit, selection and CV.

if MODEL["hyperparameters_source"] == "config":
    for _bond in model_bond_types():
        if _bond not in MODEL["hyperparameters"]:
            raise ValueError(
                f"config key model.hyperparameters: no entry for bond type {_bond}"
            )


rule fit:
    input:
        unpack(fit_inputs),
    output:
        dat=f"{FIT_PATTERN}.dat",
        info=f"{FIT_PATTERN}.info",
        png=report(
            f"{FIT_PATTERN}.png",
            caption="../report/parity.rst",
            category="Models",
            subcategory="Parity plots",
            labels={"bond type": "{bond}"},
        ),
        model=f"{FIT_PATTERN}.model.npz",
    log:
        f"{LOGS}/fit/{TRAIN_LABEL}-{{bond}}-{{ntrain}}-{{fields}}-{{ntest}}.log",
    wildcard_constraints:
        **FIT_WILDCARD_CONSTRAINTS,
    conda:
        "../../envs/python.yaml"
    params:
        zeta=lookup(dpath="model/hyperparameters/{bond}/zeta", within=config, default=0),
        sigma=lookup(
            dpath="model/hyperparameters/{bond}/sigma", within=config, default=0
        ),
        gamma=lookup(
            dpath="model/hyperparameters/{bond}/gamma", within=config, default=0
        ),
        bond_type="{bond}",
        n_train=lambda wildcards: per_type(MODEL["ntrain"], wildcards.bond),
        n_test=lambda wildcards: per_type(MODEL["ntest"], wildcards.bond),
        seed=MODEL["seed"],
        kernel=MODEL["kernel"],
        exclude_cells=MODEL["validation_subruns"],
    script:
        "../../scripts/fit.py"


rule learning_curve:
    input:
        database=f"{database_store(TRAIN_DB)}/metadata.json",
        files=database_files(TRAIN_DB),
    output:
        tsv=f"{TT_DIR}/learning-curves-{TRAIN_LABEL}/{TRAIN_LABEL}-{{bond}}.tsv",
        png=report(
            f"{TT_DIR}/learning-curves-{TRAIN_LABEL}/{TRAIN_LABEL}-{{bond}}.png",
            caption="../report/learning_curve.rst",
            category="Models",
            subcategory="Learning curves",
            labels={"bond type": "{bond}"},
        ),
    log:
        f"{LOGS}/learning_curve/{TRAIN_LABEL}-{{bond}}.log",
    conda:
        "../../envs/python.yaml"
    params:
        bond_type="{bond}",
        sizes=MODEL["learning_curve"]["sizes"],
        n_test=lambda wildcards: per_type(MODEL["ntest"], wildcards.bond),
        seeds=list(range(MODEL["learning_curve"]["seeds"])),
        kernel=MODEL["kernel"],
        zeta=lookup(dpath="model/hyperparameters/{bond}/zeta", within=config, default=0),
        sigma=lookup(
            dpath="model/hyperparameters/{bond}/sigma", within=config, default=0
        ),
        gamma=lookup(
            dpath="model/hyperparameters/{bond}/gamma", within=config, default=0
        ),
    script:
        "../../scripts/learning_curve.py"


rule select_hyperparameters:
    input:
        database=f"{database_store(TRAIN_DB)}/metadata.json",
        files=database_files(TRAIN_DB),
    output:
        scores=f"{SELECTION_DIR}/{TRAIN_LABEL}-{{bond}}-scores.tsv",
        chosen=f"{SELECTION_DIR}/{TRAIN_LABEL}-{{bond}}-chosen.json",
        png=report(
            f"{SELECTION_DIR}/{TRAIN_LABEL}-{{bond}}.png",
            caption="../report/hyperparameters.rst",
            category="Models",
            subcategory="Hyperparameter selection",
            labels={"bond type": "{bond}"},
        ),
    log:
        f"{LOGS}/select_hyperparameters/{TRAIN_LABEL}-{{bond}}.log",
    conda:
        "../../envs/python.yaml"
    params:
        bond_type="{bond}",
        bond_types=model_bond_types(),
        grid={k: MODEL["grid"][k] for k in ("zeta", "sigma", "gamma", "baseline")},
        joint=MODEL["grid"]["joint"],
        level=MODEL["grid"]["level"],
        folds=MODEL["grid"]["folds"],
        cap=MODEL["grid"]["cap"],
        seed=MODEL["seed"],
        kernel=MODEL["kernel"],
        exclude_cells=MODEL["validation_subruns"],
    script:
        "../../scripts/select_hyperparameters.py"


rule grouped_cv:
    input:
        database=f"{database_store(TRAIN_DB)}/metadata.json",
        files=database_files(TRAIN_DB),
        chosen=[chosen_file(bond) for bond in model_bond_types()],
    output:
        metrics=f"{GROUPED_CV}-metrics.tsv",
        curve=f"{GROUPED_CV}-subrun-learning-curve.tsv",
        png=report(
            f"{GROUPED_CV}-rmse.png",
            caption="../report/grouped_cv.rst",
            category="Models",
            subcategory="Grouped cross-validation",
            labels={"content": "RMSE per model"},
        ),
        curve_png=report(
            f"{GROUPED_CV}-subrun-learning-curve.png",
            caption="../report/grouped_cv.rst",
            category="Models",
            subcategory="Grouped cross-validation",
            labels={"content": "learning curve vs sub-runs"},
        ),
        html=report(
            f"{GROUPED_CV}.html",
            caption="../report/grouped_cv.rst",
            category="Models",
            subcategory="Grouped cross-validation",
            labels={"content": "tables"},
        ),
    log:
        f"{LOGS}/grouped_cv/{TRAIN_LABEL}.log",
    conda:
        "../../envs/python.yaml"
    params:
        bond_types=model_bond_types(),
        study={b: MODEL["hyperparameters"].get(b) for b in model_bond_types()},
        kernel=MODEL["kernel"],
        models=MODEL["evaluation"]["models"],
        level=MODEL["evaluation"]["level"],
        folds=MODEL["evaluation"]["folds"],
        cap=MODEL["evaluation"]["cap"],
        seed=MODEL["seed"],
        subrun_counts=MODEL["evaluation"]["subrun_counts"],
        exclude_cells=MODEL["validation_subruns"],
        published=config["published_fits"],
    script:
        "../../scripts/grouped_cv.py"


rule validate_cell:
    input:
        models=[fitted_model(bond) for bond in model_bond_types()],
        xyz=SUBRUN_XYZ,
        soap=SUBRUN_SOAP,
        icohplist=f"{SUBRUN_DIR}/ICOHPLIST.lobster",  # written by rule lobster
    output:
        rmsd=f"{TT_DIR}/validation-{TRAIN_LABEL}/{{nc}}-{{nat}}-{{run}}-{{sub}}.tsv",
        bonds=f"{TT_DIR}/validation-{TRAIN_LABEL}/{{nc}}-{{nat}}-{{run}}-{{sub}}-bonds.tsv",
        png=report(
            f"{TT_DIR}/validation-{TRAIN_LABEL}/{{nc}}-{{nat}}-{{run}}-{{sub}}.png",
            caption="../report/validation.rst",
            category="Models",
            subcategory="Cell validation",
        ),
    log:
        f"{LOGS}/validate_cell/{{nc}}-{{nat}}-{{run}}-{{sub}}.log",
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/validate_cell.py"
