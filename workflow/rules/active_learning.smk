# Active learning: which sub-runs to send to DFT next (config active_learning).


rule suggest_subruns:
    input:
        **fit_inputs(),
        models=[fitted_model(bond) for bond in model_bond_types()],
        candidates=[
            subrun_path(rules.describe_subrun.input.xyz, s)
            for s in candidate_subruns()
        ],
    output:
        table=SUGGESTED_SUBRUNS,
        fragment=NEXT_DFT_CONFIG,
        png=report(
            f"{ACTIVE_LEARNING_DIR}/acquisition.png",
            category="Active learning",
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
