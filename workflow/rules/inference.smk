# ETL inference: predicted -ICOHP of every bond of large structures (LAMMPS dumps or data
# files), with the models fitted on the training database.
INFERENCE = config["inference"]


def inference_summary(item):
    return f"{ROOT}/ETL_inference/{item}/icohps/{item}_inference_summary.tsv"


rule infer:
    input:
        structure=lambda wildcards: INFERENCE["items"][wildcards.item]["path"],
        models=[fitted_model(bond) for bond in model_bond_types()],
    output:
        summary=inference_summary("{item}"),
    params:
        item="{item}",
        format=lambda wildcards: INFERENCE["items"][wildcards.item]["format"],
        type_map=lambda wildcards: INFERENCE["items"][wildcards.item]["type_map"],
        frames=lambda wildcards: INFERENCE["items"][wildcards.item].get("frames") or None,
        species=SPECIES,
        windows={b: w for b, w in INFERENCE["windows"].items() if b in BOND_TYPES},
        soap=config["soap"],
        predictive_std=INFERENCE["predictive_std"],
    log:
        LOGS + "/infer/{item}.log",
    script:
        "../../scripts/infer.py"


def inference_targets():
    return [inference_summary(item) for item in INFERENCE["items"]]
