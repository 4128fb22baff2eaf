# Train/Tune: kernel regression per bond type, learning curves, hyperparameter selection,
# and validation of whole cells against their ICOHPLIST.


for _bond in model_bond_types():
    if _bond not in MODEL["hyperparameters"]:
        raise ValueError(
            f"config key model.hyperparameters: no entry for bond type {_bond}"
        )

    rule:
        name:
            f"fit_{_bond.replace('-', '_')}"
        input:
            **fit_inputs(),
        output:
            dat=f"{fit_stem(_bond)}.dat",
            info=f"{fit_stem(_bond)}.info",
            png=report(
                f"{fit_stem(_bond)}.png",
                caption="../report/parity.rst",
                category="Models",
                subcategory="Parity plots",
                labels={"bond type": _bond},
            ),
            model=fitted_model(_bond),
        log:
            f"{LOGS}/fit/{TRAIN_LABEL}-{_bond}.log",
        conda:
            "../../envs/python.yaml"
        params:
            **MODEL["hyperparameters"][_bond],
            bond_type=_bond,
            n_train=MODEL["ntrain"],
            n_test=MODEL["ntest"],
            seed=MODEL["seed"],
            kernel=MODEL["kernel"],
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
        n_test=MODEL["ntest"],
        seeds=list(range(MODEL["learning_curve"]["seeds"])),
        kernel=MODEL["kernel"],
        zeta=hyperparameter("zeta"),
        sigma=hyperparameter("sigma"),
        gamma=hyperparameter("gamma"),
    script:
        "../../scripts/learning_curve.py"


rule select_hyperparameters:
    input:
        database=f"{database_store(TRAIN_DB)}/metadata.json",
        files=database_files(TRAIN_DB),
    output:
        scores=f"{TT_DIR}/hyperparameters-{TRAIN_LABEL}/{TRAIN_LABEL}-{{bond}}-scores.tsv",
        chosen=f"{TT_DIR}/hyperparameters-{TRAIN_LABEL}/{TRAIN_LABEL}-{{bond}}-chosen.tsv",
        png=report(
            f"{TT_DIR}/hyperparameters-{TRAIN_LABEL}/{TRAIN_LABEL}-{{bond}}.png",
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
        grid={key: MODEL["grid"][key] for key in ("zeta", "sigma", "gamma")},
        n_train=MODEL["ntrain"],
        folds=MODEL["grid"]["folds"],
        seed=MODEL["seed"],
        kernel=MODEL["kernel"],
    script:
        "../../scripts/select_hyperparameters.py"


rule validate_cell:
    input:
        models=[fitted_model(bond) for bond in model_bond_types()],
        xyz=subrun_file("xyz"),
        soap=SOAP_FILE,
        icohplist=subrun_file("icohplist"),
    output:
        rmsd=f"{TT_DIR}/validation-{TRAIN_LABEL}/{{nc}}-{{nat}}-{{run}}-{{sub}}.tsv",
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
