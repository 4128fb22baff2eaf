"""Rule select_hyperparameters: k-fold CV grid search over zeta/sigma/gamma, one bond type.

input: ``database`` (metadata.json of a bond database store). output: ``scores`` (TSV),
``chosen`` (TSV), ``png``. params: ``bond_type``, ``grid``, ``n_train``, ``folds``, ``seed``,
``kernel``.
"""

from pathlib import Path

from glassbonds.model.training import load_bond_set, select_hyperparameters, write_selection
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    smk = snakemake  # noqa: F821
    params = smk.params
    selection = select_hyperparameters(
        load_bond_set(Path(smk.input.database).parent, params.bond_type),
        grid=dict(params.grid),
        n_train=int(params.n_train),
        folds=int(params.folds),
        seed=int(params.seed),
        kernel=params.kernel,
    )
    write_selection(selection, smk.output.scores, smk.output.chosen, smk.output.png)
    print(f"{params.bond_type}: chosen {selection.best} CV RMSE {selection.best_rmse:.6f} eV")
