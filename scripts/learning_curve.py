"""Rule ``learning_curve``: test RMSE vs training size over several seeds, for one bond type.

input: ``database`` (bond database store). output: ``tsv``, ``png``. params: ``bond_type``,
``sizes``, ``n_test``, ``seeds``, ``zeta``, ``sigma``, ``gamma``, optional ``kernel``.
"""

from glassbonds.training import (
    Hyperparameters,
    learning_curve,
    load_bond_set,
    summarise_learning_curve,
    write_learning_curve,
)

smk = snakemake  # noqa: F821 (injected by Snakemake)
params = smk.params
curve = learning_curve(
    load_bond_set(smk.input.database, params.bond_type),
    sizes=[int(s) for s in params.sizes],
    n_test=int(params.n_test),
    hyperparameters=Hyperparameters(
        float(params.zeta),
        float(params.sigma),
        float(params.gamma),
        params.get("kernel", "soap_distance"),
    ),
    seeds=[int(s) for s in params.seeds],
)
write_learning_curve(curve, params.bond_type, smk.output.tsv, smk.output.png)
with open(smk.log[0], "w") as log:
    log.write(summarise_learning_curve(curve).to_string(index=False) + "\n")
