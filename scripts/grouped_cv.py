"""Rule grouped_cv: models compared by grouped cross-validation (whole sub-runs held out),
learning curve against the number of DFT sub-runs (evaluation.py, cv_report.py).

input: ``database`` (metadata.json of a store), ``chosen`` (JSON files of rule
select_hyperparameters, one per bond type). output: ``metrics``, ``curve`` (TSV), ``png``,
``curve_png``, ``html``. params: ``bond_types``, ``study`` ({type: {zeta, sigma, gamma}}),
``kernel``, ``models``, ``level``, ``folds``, ``cap`` (int or "all"), ``seed``,
``subrun_counts``, ``exclude_cells``, ``published`` (config published_fits).
"""

from pathlib import Path

from glassbonds.model.bonds import Hyperparameters
from glassbonds.model.cv_report import write_grouped_cv
from glassbonds.model.evaluation import (
    compare_models,
    cross_validate,
    group_level,
    grouped_folds,
    learning_curve_by_subruns,
    model_factories,
)
from glassbonds.model.fitting import load_bond_sets
from glassbonds.model.hyperparameters import read_chosen
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    params = sm.params
    store = Path(sm.input.database).parent
    bonds = load_bond_sets(store, params.bond_types, params.exclude_cells)
    labels = [g for b in bonds.values() for g in group_level(b.groups, params.level)]
    folds = grouped_folds(labels, params.folds, int(params.seed))
    study = {t: Hyperparameters(**params.study[t], kernel=params.kernel) for t in bonds}
    chosen = {c.bond_type: c for c in map(read_chosen, sm.input.get("chosen", []))}
    cap = None if params.cap == "all" else int(params.cap)
    factories = model_factories(params.models, study, chosen, bonds, cap, int(params.seed))
    table = compare_models(cross_validate(bonds, factories, folds, params.level, print))
    best = "selected" if "selected" in factories else next(iter(factories))
    curve = learning_curve_by_subruns(
        bonds, factories[best], folds, params.subrun_counts, params.level, int(params.seed)
    )
    published = {bond: float(fit["rmse"]) for bond, fit in params.published.items()}
    table = write_grouped_cv(table, curve, dict(sm.output.items()), published, [sm.input.database])
    print(table.to_string(index=False))
