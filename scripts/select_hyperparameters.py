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
from glassbonds.model.bonds import load_bond_set
from glassbonds.model.evaluation import group_level, grouped_folds
from glassbonds.model.fitting import without_cells
from glassbonds.model.hyperparameters import select_grouped, write_chosen, write_scores_plot
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    smk = snakemake  # noqa: F821
    p = smk.params
    store = Path(smk.input.database).parent
    bonds = {t: without_cells(load_bond_set(store, t), p.exclude_cells) for t in p.bond_types}
    bonds = {t: b for t, b in bonds.items() if len(b)}
    labels = [g for b in bonds.values() for g in group_level(b.groups, p.level)]
    folds = grouped_folds(labels, p.folds, int(p.seed))
    chosen, scores = select_grouped(
        bonds,
        p.bond_type,
        dict(p.grid),
        folds,
        cap=None if p.cap == "all" else int(p.cap),
        seed=int(p.seed),
        try_joint=bool(p.joint),
        kernel=p.kernel,
        level=p.level,
    )
    write_text(smk.output.scores, scores.to_csv(sep="\t", index=False, float_format="%.6g"))
    write_chosen(chosen, smk.output.chosen)
    write_scores_plot(scores, p.bond_type, smk.output.png)
    print(f"{p.bond_type}: chosen {chosen.as_dict()}")
