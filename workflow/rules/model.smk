# Train/Tune: kernel regression per bond type, learning curves, hyperparameter selection,
# and validation of whole cells against their ICOHPLIST.
MODEL = config["model"]
TRAIN_DB = MODEL["database"]
TEST_DB = MODEL["test_database"]
TT_DIR = f"{ROOT}/TT"


def label(database):
    """Name used in output files: a PBSSDB is named after its composition, as in the study."""
    return database[: -len("-PBSSDB")] if database.endswith("-PBSSDB") else database


def model_bond_types():
    return MODEL["bond_types"] or [b for b in BOND_TYPES if b in MODEL["hyperparameters"]]


def fit_stem(bond):
    h = MODEL["hyperparameters"][bond]
    databases = label(TRAIN_DB) + (f"-{label(TEST_DB)}" if TEST_DB else "")
    fields = f"{float(h['zeta'])}-{float(h['sigma'])}-{float(h['gamma'])}"
    return f"{TT_DIR}/fit-results-{databases}/{databases}-{bond}-{MODEL['ntrain']}-{fields}-{MODEL['ntest']}"


def fitted_model(bond):
    return fit_stem(bond) + ".model.npz"


for _bond in model_bond_types():
    if _bond not in MODEL["hyperparameters"]:
        raise ValueError(f"config key model.hyperparameters: no entry for bond type {_bond}")

    rule:
        name:
            f"fit_{_bond.replace('-', '_')}"
        input:
            train=f"{database_store(TRAIN_DB)}/metadata.json",
            train_files=database_files(TRAIN_DB),
            **({"test": f"{database_store(TEST_DB)}/metadata.json"} if TEST_DB else {}),
        output:
            dat=fit_stem(_bond) + ".dat",
            info=fit_stem(_bond) + ".info",
            png=report(
                fit_stem(_bond) + ".png",
                caption="../report/parity.rst",
                category="Models",
                subcategory="Parity plots",
                labels={"bond type": _bond},
            ),
            model=fitted_model(_bond),
        params:
            bond_type=_bond,
            n_train=MODEL["ntrain"],
            n_test=MODEL["ntest"],
            seed=MODEL["seed"],
            kernel=MODEL["kernel"],
            **MODEL["hyperparameters"][_bond],
        log:
            f"{LOGS}/fit/{label(TRAIN_DB)}-{_bond}.log",
        script:
            "../../scripts/fit.py"


rule learning_curve:
    input:
        database=f"{database_store(TRAIN_DB)}/metadata.json",
        files=database_files(TRAIN_DB),
    output:
        tsv=f"{TT_DIR}/learning-curves-{label(TRAIN_DB)}/{label(TRAIN_DB)}-{{bond}}.tsv",
        png=report(
            f"{TT_DIR}/learning-curves-{label(TRAIN_DB)}/{label(TRAIN_DB)}-{{bond}}.png",
            caption="../report/learning_curve.rst",
            category="Models",
            subcategory="Learning curves",
            labels={"bond type": "{bond}"},
        ),
    params:
        bond_type="{bond}",
        sizes=MODEL["learning_curve"]["sizes"],
        n_test=MODEL["ntest"],
        seeds=lambda wildcards: list(range(MODEL["learning_curve"]["seeds"])),
        kernel=MODEL["kernel"],
        zeta=lambda wildcards: MODEL["hyperparameters"][wildcards.bond]["zeta"],
        sigma=lambda wildcards: MODEL["hyperparameters"][wildcards.bond]["sigma"],
        gamma=lambda wildcards: MODEL["hyperparameters"][wildcards.bond]["gamma"],
    log:
        f"{LOGS}/learning_curve/{label(TRAIN_DB)}-{{bond}}.log",
    script:
        "../../scripts/learning_curve.py"


rule select_hyperparameters:
    input:
        database=f"{database_store(TRAIN_DB)}/metadata.json",
        files=database_files(TRAIN_DB),
    output:
        scores=f"{TT_DIR}/hyperparameters-{label(TRAIN_DB)}/{label(TRAIN_DB)}-{{bond}}-scores.tsv",
        chosen=f"{TT_DIR}/hyperparameters-{label(TRAIN_DB)}/{label(TRAIN_DB)}-{{bond}}-chosen.tsv",
        png=report(
            f"{TT_DIR}/hyperparameters-{label(TRAIN_DB)}/{label(TRAIN_DB)}-{{bond}}.png",
            caption="../report/hyperparameters.rst",
            category="Models",
            subcategory="Hyperparameter selection",
            labels={"bond type": "{bond}"},
        ),
    params:
        bond_type="{bond}",
        grid=lambda wildcards: {k: MODEL["grid"][k] for k in ("zeta", "sigma", "gamma")},
        n_train=MODEL["ntrain"],
        folds=MODEL["grid"]["folds"],
        seed=MODEL["seed"],
        kernel=MODEL["kernel"],
    log:
        f"{LOGS}/select_hyperparameters/{label(TRAIN_DB)}-{{bond}}.log",
    script:
        "../../scripts/select_hyperparameters.py"


rule validate_cell:
    input:
        models=[fitted_model(bond) for bond in model_bond_types()],
        xyz=subrun_file("xyz"),
        soap=SOAP_FILE,
        icohplist=subrun_file("icohplist"),
    output:
        rmsd=f"{TT_DIR}/validation-{label(TRAIN_DB)}/{{nc}}-{{nat}}-{{run}}-{{sub}}.tsv",
        png=report(
            f"{TT_DIR}/validation-{label(TRAIN_DB)}/{{nc}}-{{nat}}-{{run}}-{{sub}}.png",
            caption="../report/validation.rst",
            category="Models",
            subcategory="Cell validation",
        ),
    log:
        f"{LOGS}/validate_cell/{{nc}}-{{nat}}-{{run}}-{{sub}}.log",
    script:
        "../../scripts/validate_cell.py"


def model_targets():
    targets = []
    for bond in model_bond_types():
        targets += [fit_stem(bond) + ext for ext in (".dat", ".info", ".png", ".model.npz")]
        stem = f"{TT_DIR}/learning-curves-{label(TRAIN_DB)}/{label(TRAIN_DB)}-{bond}"
        targets += [stem + ".tsv", stem + ".png"]
        stem = f"{TT_DIR}/hyperparameters-{label(TRAIN_DB)}/{label(TRAIN_DB)}-{bond}"
        targets += [stem + "-chosen.tsv", stem + ".png"]
    for entry in MODEL["validation_subruns"]:
        nc, run, sub = entry.split("/")
        targets.append(f"{TT_DIR}/validation-{label(TRAIN_DB)}/{nc}-{NATOMS}-{run}-{sub}.tsv")
    return targets
