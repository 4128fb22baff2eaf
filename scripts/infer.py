"""Snakemake rule script: ETL inference of one structure file (dump or data file).

input:  structure (LAMMPS dump or data file), models (list of model .npz, one per bond type;
        the bond type is read from each file's metadata), std_factors (the models' low-rank
        std files of rule std_factors; empty without the low-rank std)
output: icohps (directory: the summary and the per-frame files named by params.files)
params: format ("lammps-dump" | "lammps-data"), type_map ({type: element}), species,
        windows ({"A-B": [d_min, d_max]}), soap (SoapParameters keys), item,
        frames (list of 0-based frame indices or None), predictive_std (bool),
        std_tolerance (relative accuracy of the low-rank std; None: exact std),
        files (file names inside the directory, per-frame ones with a {step} field)
log:    progress bar and messages
"""

import sys

from glassbonds.descriptors import SoapParameters
from glassbonds.inference.frames import infer_frames
from glassbonds.inference.models import FittedModels
from glassbonds.inference.writers import OutputNames
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    params = sm.params
    soap_parameters = SoapParameters.from_config(params.species, dict(params.soap))
    models = FittedModels.load(list(sm.input.models), params.species)
    infer_frames(
        sm.input.structure,
        params.format,
        {int(t): str(element) for t, element in dict(params.type_map).items()},
        models,
        dict(params.windows),
        soap_parameters,
        sm.output.icohps,
        OutputNames(item=str(params.item), **dict(params.files)),
        frames=params.frames,
        predictive_std=bool(params.predictive_std),
        std_tolerance=params.std_tolerance,
        std_factors=list(sm.input.std_factors),
        log=sys.stderr,  # the rule log (rule_log redirects stderr)
    )
