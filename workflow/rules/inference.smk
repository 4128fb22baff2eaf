# ETL inference: predicted -ICOHP of every bond of large structures (LAMMPS dumps or data
# files), with the models fitted on the training database.


rule std_factors:
    input:
        model=f"{FIT_PATTERN}.model.npz",
    output:
        factors=f"{FIT_PATTERN}.std.npz",
    log:
        f"{LOGS}/std_factors/{TRAIN_LABEL}-{{bond}}-{{ntrain}}-{{fields}}-{{ntest}}.log",
    wildcard_constraints:
        **FIT_WILDCARD_CONSTRAINTS,
    conda:
        "../../envs/python.yaml"
    params:
        bond_type="{bond}",
        window=lookup(dpath="inference/windows/{bond}", within=config, default=None),
        # glassbonds.model.std_factors.FORMAT: a new file format reruns this rule (params
        # trigger) instead of leaving infer jobs with files they refuse.
        file_format="glassbonds low-rank std 3",
    script:
        "../../scripts/std_factors.py"


rule infer:
    input:
        structure=inference_item("path"),
        models=[fitted_model(bond) for bond in model_bond_types()],
        std_factors=std_factor_files(),
    output:
        icohps=directory(inference_outputs("{item}")),
    log:
        f"{LOGS}/infer/{{item}}.log",
    conda:
        "../../envs/python.yaml"
    params:
        item="{item}",
        files=inference_files,
        format=inference_item("format"),
        type_map=inference_item("type_map"),
        frames=inference_item("frames"),
        species=SPECIES,
        windows={b: w for b, w in INFERENCE["windows"].items() if b in BOND_TYPES},
        soap=config["soap"],
        predictive_std=INFERENCE["predictive_std"],
        std_tolerance=INFERENCE["std_tolerance"],
    script:
        "../../scripts/infer.py"
