"""Does choosing sub-runs by uncertainty pay? Replay the active-learning loop on run 21.

Builds the per-bond database of the study's 15 real sub-runs of run 21 (from
``../shared/data/prm-4-113603``, SOAP computed here; sub-run 13 is not converged, 14 are
usable), then runs the library replay the workflow's rule ``active_learning_replay`` runs
(:func:`glassbonds.model.active_learning_replay.replay`): grouped folds of sub-runs held out
in turn, from 2 random sub-runs of the others add one at a time by the acquisition and at
random (several seeds), refitting the study's kernel (its hyperparameters, the config
schema's ``model.hyperparameters`` defaults) per bond type each time. Writes the curves and their
summary (TSV), the page and plot of the report (``active-learning-replay.html``/``.png``).

Usage: python tools/active_learning_run21.py OUT_DIR [--seeds 3] [--folds 5] [--max-bonds 1500]
       [--reuse]  (re-summarise the curves already in OUT_DIR, no refits)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from glassbonds.config_defaults import study_hyperparameters, study_published_rmse
from glassbonds.errors import InputError
from glassbonds.model.active_learning_replay import (
    ReplaySettings,
    bonds_from_store,
    replay,
    summarise_curves,
)
from glassbonds.model.study_data import build_run21_store, run21_directory
from glassbonds.report.active_learning import protocol_text, write_replay_report

REPO = Path(__file__).resolve().parents[1]
STUDY_DATA = REPO.parent / "shared/data/prm-4-113603"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--max-bonds", type=int, default=1500)
    parser.add_argument(
        "--reuse", action="store_true", help="re-summarise OUT/replay-curves.tsv, no refits"
    )
    args = parser.parse_args()
    try:
        run21_directory(STUDY_DATA)
    except InputError as error:
        print(f"skipped: {error}", file=sys.stderr)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    store = build_run21_store(STUDY_DATA, args.out / "store")
    published = study_published_rmse()
    bonds = bonds_from_store(store, list(published))
    study = study_hyperparameters()
    settings = ReplaySettings(
        start=2, step=1, seeds=tuple(range(args.seeds)), folds=args.folds,
        max_bonds=args.max_bonds, fold_seed=2020,
    )  # fmt: skip
    if args.reuse:
        curves = pd.read_csv(args.out / "replay-curves.tsv", sep="\t", keep_default_na=False)
    else:
        from tqdm import tqdm

        curves = replay(
            bonds,
            lambda t: study[t].estimator(),
            settings,
            progress=lambda jobs: tqdm(jobs, desc="folds x seeds", mininterval=5),
        )
    summary = summarise_curves(curves)
    curves.to_csv(args.out / "replay-curves.tsv", sep="\t", index=False, float_format="%.6g")
    summary.to_csv(args.out / "replay-summary.tsv", sep="\t", index=False, float_format="%.6g")
    table = write_replay_report(
        summary,
        published,
        args.out / "active-learning-replay.html",
        args.out / "active-learning-replay.png",
        [store / "metadata.json"],
        protocol_text(settings, "run 21 of Zr49Cu49Al2 (PRM 4, 113603)"),
    )
    print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
