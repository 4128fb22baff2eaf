"""Rule active_learning_replay: replay the active-learning loop on the training database
(acquisition vs random, grouped folds; glassbonds.model.active_learning_replay).

input: ``train`` (metadata.json of the training database store). output: ``curves`` (TSV,
one row per refit and fold), ``summary`` (TSV, RMSE per bond type x sub-runs x strategy x
seed with the seed mean and spread), ``png``. params: ``bond_types``, ``study`` ({type:
{zeta, sigma, gamma}}, the config's hyperparameters), ``kernel``, ``replay`` (config
active_learning.replay), ``seed`` (deals cells into folds), ``exclude_cells`` (validation
sub-runs "NC/RUN/SUB"), ``published`` (config published_fits).
"""

from pathlib import Path

from glassbonds.files import write_text
from glassbonds.model.active_learning_replay import (
    ReplaySettings,
    bonds_from_store,
    replay,
    summarise_curves,
)
from glassbonds.model.bonds import Hyperparameters
from glassbonds.report.active_learning import replay_figure
from glassbonds.report.plots import save_figure
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    p = sm.params
    settings = ReplaySettings.from_config(p.replay, fold_seed=int(p.seed))
    bonds = bonds_from_store(Path(sm.input.train).parent, p.bond_types, p.exclude_cells)
    study = {t: Hyperparameters(**p.study[t], kernel=p.kernel) for t in bonds}
    curves = replay(bonds, lambda t: study[t].estimator(), settings, progress=list)
    summary = summarise_curves(curves)
    write_text(sm.output.curves, curves.to_csv(sep="\t", index=False, float_format="%.6g"))
    write_text(sm.output.summary, summary.to_csv(sep="\t", index=False, float_format="%.6g"))
    goals = {bond: float(fit["rmse"]) for bond, fit in p.published.items()}
    save_figure(replay_figure(summary, goals), sm.output.png)
    print(f"{settings}: {len(curves)} curve points (refit x bond type x fold)")
    print(summary[summary.seed == "mean"].to_string(index=False))
