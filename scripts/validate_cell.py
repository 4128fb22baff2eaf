"""Rule ``validate_cell`` (the study's ML-ICOHP_RMSD): predicted vs LOBSTER -ICOHP of one
sub-run, RMSD per bond type.

input: ``models`` (list of model .npz), ``xyz``, ``soap`` (SOAP .npz), ``icohplist``.
output: ``rmsd`` (TSV), ``png``.
"""

from glassbonds.training import run_validate_cell

smk = snakemake  # noqa: F821 (injected by Snakemake)
rmsd = run_validate_cell(
    list(smk.input.models),
    smk.input.xyz,
    smk.input.soap,
    smk.input.icohplist,
    smk.output.rmsd,
    smk.output.png,
)
with open(smk.log[0], "w") as log:
    log.write(rmsd.to_string(index=False) + "\n")
