"""Snakemake rule script: the low-rank predictive std of one fitted model, built once.

input:  model (the fit's .model.npz)
output: factors (.std.npz, read by every infer job: glassbonds.model.std_factors)
params: bond_type, window ([d_min, d_max] of the bond type's inference window, angstrom;
        None: the training distances' range), file_format (the package's FORMAT)
log:    what was built (SOAP directions, distance directions, eigenvectors) and its time
"""

import time

from glassbonds.model.files import load_model
from glassbonds.model.std_factors import FORMAT, write_std_factors
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    if sm.params.file_format != FORMAT:
        raise RuntimeError(
            f"workflow/rules/inference.smk names std-factor format {sm.params.file_format!r}, "
            f"the package writes {FORMAT!r}: update params.file_format of rule std_factors"
        )
    start = time.perf_counter()
    model, _ = load_model(sm.input.model)
    window = None if sm.params.window is None else tuple(float(d) for d in sm.params.window)
    low_rank = write_std_factors(model, sm.input.model, window, sm.output.factors)
    seconds = time.perf_counter() - start
    if low_rank is None:
        print(f"{sm.params.bond_type}: exact std (no low-rank structure that would be cheaper)")
    else:
        print(f"{sm.params.bond_type}: low-rank std, {low_rank.sizes}, built in {seconds:.1f} s")
