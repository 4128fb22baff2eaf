"""Rule validate_cell (the study's ML-ICOHP_RMSD): predicted against LOBSTER -ICOHP of every
bond of one sub-run, RMSD per bond type.

input: ``models`` (model .npz files), ``xyz``, ``soap`` (SOAP .npz), ``icohplist``.
output: ``rmsd`` (TSV per bond type), ``png``, ``bonds`` (TSV per bond: predicted -ICOHP and
its calibrated std, eV).
"""

from glassbonds.model.validation import run_validate_cell
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    rmsd = run_validate_cell(
        list(sm.input.models),
        sm.input.xyz,
        sm.input.soap,
        sm.input.icohplist,
        sm.output.rmsd,
        sm.output.png,
        sm.output.bonds,
    )
    print(rmsd.to_string(index=False))
