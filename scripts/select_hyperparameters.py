"""Rule ``select_hyperparameters``: k-fold CV grid search over zeta/sigma/gamma, one bond type.

input: ``database`` (bond database store). output: ``scores`` (TSV), ``chosen`` (TSV), ``png``.
params: ``bond_type``, ``grid`` (dict zeta/sigma/gamma -> list), ``n_train``, ``folds``,
``seed``, optional ``kernel``.
"""

from glassbonds.training import load_bond_set, select_hyperparameters, write_selection

smk = snakemake  # noqa: F821 (injected by Snakemake)
params = smk.params
selection = select_hyperparameters(
    load_bond_set(smk.input.database, params.bond_type),
    grid=dict(params.grid),
    n_train=int(params.n_train),
    folds=int(params.folds),
    seed=int(params.seed),
    kernel=params.get("kernel", "soap_distance"),
)
write_selection(selection, smk.output.scores, smk.output.chosen, smk.output.png)
with open(smk.log[0], "w") as log:
    log.write(f"{params.bond_type}: chosen {selection.best} CV RMSE {selection.best_rmse:.6f} eV\n")
