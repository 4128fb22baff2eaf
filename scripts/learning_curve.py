"""Rule learning_curve: test RMSE against training size over several seeds, one bond type.

input: ``database`` (metadata.json of a bond database store). output: ``tsv``, ``png``.
params: ``bond_type``, ``sizes``, ``n_test``, ``seeds``, ``zeta``, ``sigma``, ``gamma``,
``kernel``.
"""

from pathlib import Path

from glassbonds.model.bonds import Hyperparameters, load_bond_set
from glassbonds.model.learning_curve import (
    learning_curve,
    summarise_learning_curve,
    write_learning_curve,
)
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    params = sm.params
    curve = learning_curve(
        load_bond_set(Path(sm.input.database).parent, params.bond_type),
        sizes=[int(s) for s in params.sizes],
        n_test=int(params.n_test),
        hyperparameters=Hyperparameters(
            float(params.zeta), float(params.sigma), float(params.gamma), params.kernel
        ),
        seeds=[int(s) for s in params.seeds],
    )
    write_learning_curve(curve, params.bond_type, sm.output.tsv, sm.output.png)
    print(summarise_learning_curve(curve).to_string(index=False))
