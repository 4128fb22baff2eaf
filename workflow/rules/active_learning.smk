# Active learning: which sub-runs to send to DFT next (config active_learning).


rule suggest_subruns:
    input:
        **fit_inputs(),
        models=[fitted_model(bond) for bond in model_bond_types()],
        candidates=[subrun_path(SUBRUN_XYZ, s) for s in candidate_subruns()],
    output:
        table=SUGGESTED_SUBRUNS,
        fragment=NEXT_DFT_CONFIG,
        png=report(
            f"{ACTIVE_LEARNING_DIR}/acquisition.png",
            category="Active learning",
            subcategory="Suggested sub-runs",
            caption="../report/active_learning.rst",
        ),
    log:
        f"{LOGS}/suggest_subruns.log",
    conda:
        "../../envs/python.yaml"
    params:
        candidates=[[s.nc, s.run, s.sub] for s in candidate_subruns()],
        bond_types=model_bond_types(),
        species=SPECIES,
        soap=config["soap"],
        windows=INFERENCE["windows"],
        suggest=config["active_learning"]["suggest"],
        dft_subruns=DFT_SUBRUNS,
    script:
        "../../scripts/suggest_subruns.py"


# Does choosing by uncertainty pay? The loop replayed on the training database's computed
# sub-runs (config active_learning.replay; glassbonds.model.active_learning_replay).
REPLAY_STEM = f"{ACTIVE_LEARNING_DIR}/replay-{TRAIN_LABEL}/{TRAIN_LABEL}-replay"
REPLAY = config["active_learning"]["replay"]
REPLAY_TARGETS = (
    [f"{REPLAY_STEM}-{name}" for name in ("summary.tsv", "curves.tsv", "curves.png")]
    if REPLAY["enabled"] and model_bond_types()
    else []
)


rule active_learning_replay:
    input:
        train=f"{database_store(TRAIN_DB)}/metadata.json",
        files=database_files(TRAIN_DB),
    output:
        summary=f"{REPLAY_STEM}-summary.tsv",
        curves=f"{REPLAY_STEM}-curves.tsv",
        png=f"{REPLAY_STEM}-curves.png",
    log:
        f"{LOGS}/active_learning_replay/{TRAIN_LABEL}.log",
    conda:
        "../../envs/python.yaml"
    params:
        bond_types=model_bond_types(),
        study={b: MODEL["hyperparameters"].get(b) for b in model_bond_types()},
        kernel=MODEL["kernel"],
        replay=REPLAY,
        seed=MODEL["seed"],
        exclude_cells=MODEL["validation_subruns"],
        published=config["published_fits"],
    script:
        "../../scripts/active_learning_replay.py"
