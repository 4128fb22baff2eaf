"""Rule select_hyperparameters: grouped-CV choice of one bond type's model (hyperparameters.py).

Every candidate of the grid (zeta, sigma, gamma, baseline) is scored on held-out sub-runs,
the best is compared with the joint model over bond types, and the std is calibrated on the
chosen model's held-out errors. The chosen JSON is what rule fit uses
(``model.hyperparameters_source: selected``).

input: ``database`` (metadata.json of a bond database store). output: ``scores`` (TSV),
``chosen`` (JSON), ``png``. params: ``bond_type``, ``bond_types`` (all, for the joint model),
``grid``, ``joint``, ``level``, ``folds``, ``cap``, ``seed``, ``kernel``, ``exclude_cells``.
"""

from pathlib import Path

from glassbonds.files import write_text
from glassbonds.model.evaluation import group_level, grouped_folds
from glassbonds.model.fitting import load_bond_sets
from glassbonds.model.hyperparameters import select_grouped, write_chosen, write_scores_plot
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    params = sm.params
    store = Path(sm.input.database).parent
    bonds = load_bond_sets(store, params.bond_types, params.exclude_cells)
    labels = [g for b in bonds.values() for g in group_level(b.groups, params.level)]
    folds = grouped_folds(labels, params.folds, int(params.seed))
    chosen, scores = select_grouped(
        bonds,
        params.bond_type,
        dict(params.grid),
        folds,
        cap=None if params.cap == "all" else int(params.cap),
        seed=int(params.seed),
        try_joint=bool(params.joint),
        kernel=params.kernel,
        level=params.level,
    )
    write_text(sm.output.scores, scores.to_csv(sep="\t", index=False, float_format="%.6g"))
    write_chosen(chosen, sm.output.chosen)
    write_scores_plot(scores, params.bond_type, sm.output.png)
    print(f"{params.bond_type}: chosen {chosen.as_dict()}")
