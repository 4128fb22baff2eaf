# ETL inference: predicted -ICOHP of every bond of large structures (LAMMPS dumps or data
# files), with the models fitted on the training database.

# The files of one item's directory output (ETL_inference/<ITEM>/icohps/): the summary and,
# per frame of MD timestep <STEP>, the ICOHPLIST, its .info, the predictive std and the
# per-atom map (library: glassbonds.inference.frames.infer_frames, writers, atom_maps).
INFERENCE_FILES = {
    "summary": "{item}_inference_summary.tsv",
    "icohplist": "{item}_{step}_ICOHPLIST.lobster",
    "info": "{item}_{step}_ICOHPLIST.info",
    "std": "{item}_{step}_ICOHPLIST.std",
    "atoms": "{item}_{step}_atoms.xyz",
}


def inference_files(wildcards):
    """INFERENCE_FILES of one item ({step} stays a template field for the library)."""
    return {k: v.replace("{item}", wildcards.item) for k, v in INFERENCE_FILES.items()}



rule infer:
    input:
        structure=inference_item("path"),
        models=[fitted_model(bond) for bond in model_bond_types()],
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
    script:
        "../../scripts/infer.py"
