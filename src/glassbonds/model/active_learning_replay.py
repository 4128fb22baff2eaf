"""Does choosing DFT sub-runs by uncertainty pay? Replay the active-learning loop.

On a bond database whose sub-runs are all computed, the loop is replayed: the DFT cells
(groups ``"<source>/<run>/<subrun>"``) are dealt into grouped folds; for each fold and seed
both strategies start from the same ``start`` random cells of the other folds (the pool) and
add ``step`` cells at a time, by the acquisition score of
:func:`glassbonds.model.active_learning.acquisition_scores` or at random, refitting one model
per bond type each time, until the pool is used up. After each step the RMSE (eV) on the
held-out fold is recorded. A cell is never split: its bonds are all in the pool or all held
out, and a held-out cell is never a candidate.

:func:`summarise_curves` pools the folds into one grouped-CV RMSE per strategy, seed, number
of sub-runs and bond type, then gives per strategy the mean over seeds with its spread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from glassbonds.errors import InputError
from glassbonds.model.active_learning import acquisition_scores

STRATEGIES = ("acquisition", "random")


@dataclass
class TypeBonds:
    """Bonds of one type: features X (n, 1 + 2F), -ICOHP targets (eV), DFT cell of each."""

    features: np.ndarray
    target: np.ndarray
    groups: np.ndarray  # (n,) str labels "<source>/<run>/<subrun>"

    def where(self, labels: Iterable[str]) -> np.ndarray:
        """Boolean mask of the bonds in the cells ``labels``."""
        return np.isin(self.groups, list(labels))


@dataclass(frozen=True)
class ReplaySettings:
    """How the loop is replayed.

    ``start``: cells in the first training set; ``step``: cells added per step; ``seeds``:
    the seeds (each gives its own start set and random order); ``folds``: grouped folds
    held out in turn (``None``: leave one cell out); ``max_bonds``: cap on the training bonds
    per type (a seeded random subset; bounds the cost of each fit, ``None`` no cap);
    ``fold_seed``: the seed dealing cells into folds. The defaults are the config schema's
    (``active_learning.replay``; :meth:`from_config`).
    """

    start: int
    step: int
    seeds: tuple[int, ...]
    folds: int | None
    max_bonds: int | None
    fold_seed: int

    @classmethod
    def from_config(cls, config: Mapping[str, object], fold_seed: int = 0) -> ReplaySettings:
        """From the config's ``active_learning.replay`` (``seeds`` is a count)."""
        cap = config.get("max_bonds")
        return cls(
            start=int(config["start"]),
            step=int(config["step"]),
            seeds=tuple(range(int(config["seeds"]))),
            folds=None if config.get("folds") is None else int(config["folds"]),
            max_bonds=None if cap in (None, "all") else int(cap),
            fold_seed=fold_seed,
        )


@dataclass(frozen=True)
class CurvePoint:
    """One refit of one bond type in one replay: RMSE (eV) on the fold's held-out cells."""

    strategy: str
    seed: int
    fold: int
    subruns: int  # cells in training
    bond_type: str
    train_bonds: int
    test_bonds: int
    rmse_eV: float
    added: str  # cells added at this step, ";"-separated (the start set at the first)


CURVE_COLUMNS = [f.name for f in fields(CurvePoint)]
SUMMARY_COLUMNS = [
    "bond_type",
    "subruns",
    "strategy",
    "seed",
    "rmse_eV",
    "rmse_std_eV",
    "rmse_min_eV",
    "rmse_max_eV",
    "train_bonds",
]


def bonds_from_store(
    store: str | Path, bond_types: Sequence[str], exclude_cells: Sequence[str] = ()
) -> dict[str, TypeBonds]:
    """The bonds of ``bond_types`` in a database store, grouped by DFT cell; the cells
    ``exclude_cells`` (``"NC/RUN/SUB"``, e.g. validation sub-runs) are left out. Types
    without bonds are left out."""
    from glassbonds.model.fitting import load_bond_sets

    return {
        bond_type: TypeBonds(
            bond_set.features(), np.asarray(bond_set.target, float), bond_set.groups
        )
        for bond_type, bond_set in load_bond_sets(store, bond_types, exclude_cells).items()
    }


def _fit_types(
    bonds: Mapping[str, TypeBonds],
    selected: Sequence[str],
    make_model: Callable[[str], object],
    max_bonds: int | None,
    rng: np.random.Generator,
) -> tuple[dict[str, object], dict[str, float], dict[str, int]]:
    models, variance, counts = {}, {}, {}
    for bond_type, data in bonds.items():
        index = np.flatnonzero(data.where(selected))
        if max_bonds is not None and len(index) > max_bonds:
            index = np.sort(rng.choice(index, max_bonds, replace=False))
        counts[bond_type] = len(index)
        if len(index) < 2:
            continue
        models[bond_type] = make_model(bond_type).fit(data.features[index], data.target[index])
        variance[bond_type] = float(np.var(data.target[index]))
    return models, variance, counts


def _next_cells(
    strategy: str,
    remaining: list[str],
    count: int,
    bonds: Mapping[str, TypeBonds],
    models: Mapping[str, object],
    variance: Mapping[str, float],
    rng: np.random.Generator,
) -> list[str]:
    if strategy == "random" or not models:
        return [remaining[i] for i in rng.choice(len(remaining), count, replace=False)]
    candidates = {
        (label,): {t: d.features[d.where([label])] for t, d in bonds.items()} for label in remaining
    }
    ranked = acquisition_scores(candidates, models, variance, key_columns=("cell",))
    return ranked["cell"].head(count).tolist()


def selection_curves(
    bonds: Mapping[str, TypeBonds],
    make_model: Callable[[str], object],
    test_folds: Sequence[Sequence[str]],
    settings: ReplaySettings,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> pd.DataFrame:
    """RMSE per bond type against the number of DFT cells, by acquisition and at random.

    ``test_folds``: the held-out cells of each fold (never candidates). For each fold and
    seed both strategies start from the same ``settings.start`` random cells of the pool.
    ``make_model(bond_type)`` gives an unfitted regressor with ``fit`` and
    ``predict(X, return_std=True)``. Returns one row per :class:`CurvePoint`.
    """
    every = sorted({label for data in bonds.values() for label in data.groups})
    points = []
    jobs = [(fold, seed) for fold in range(len(test_folds)) for seed in settings.seeds]
    for fold, seed in progress(jobs):
        test = set(test_folds[fold])
        pool = [label for label in every if label not in test]
        if len(pool) <= settings.start:
            raise InputError(
                "active learning replay",
                f"{len(pool)} candidate sub-runs outside held-out fold {fold}: need more "
                f"than start = {settings.start}",
                "use more folds (active_learning.replay.folds) or a smaller start",
            )
        rng = np.random.default_rng(seed)
        first = [pool[i] for i in rng.choice(len(pool), settings.start, replace=False)]
        for strategy in STRATEGIES:
            order_rng = np.random.default_rng([seed, 1])
            fit_rng = np.random.default_rng([seed, 2])
            selected, added = list(first), list(first)
            while True:
                models, variance, counts = _fit_types(
                    bonds, selected, make_model, settings.max_bonds, fit_rng
                )
                for bond_type, data in bonds.items():
                    held = data.where(test)
                    if bond_type not in models or not held.any():
                        continue
                    error = models[bond_type].predict(data.features[held]) - data.target[held]
                    points.append(
                        CurvePoint(strategy, seed, fold, len(selected), bond_type,
                                   counts[bond_type], int(held.sum()),
                                   float(np.sqrt(np.mean(error**2))), ";".join(added))
                    )  # fmt: skip
                remaining = [label for label in pool if label not in selected]
                if not remaining:
                    break
                count = min(settings.step, len(remaining))
                added = _next_cells(strategy, remaining, count, bonds, models, variance, order_rng)
                selected += added
    return pd.DataFrame([astuple(p) for p in points], columns=CURVE_COLUMNS)


def replay(
    bonds: Mapping[str, TypeBonds],
    make_model: Callable[[str], object],
    settings: ReplaySettings,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> pd.DataFrame:
    """:func:`selection_curves` on grouped folds of every cell of ``bonds``
    (:func:`glassbonds.model.evaluation.grouped_folds` with ``settings.folds``)."""
    from glassbonds.model.evaluation import grouped_folds

    labels = [label for data in bonds.values() for label in data.groups]
    folds = grouped_folds(labels, settings.folds, settings.fold_seed)
    return selection_curves(bonds, make_model, [f.test_groups for f in folds], settings, progress)


def summarise_curves(curves: pd.DataFrame) -> pd.DataFrame:
    """Grouped-CV RMSE (eV) per bond type, number of sub-runs, strategy and seed (squared
    errors pooled over the folds), and per strategy the mean over seeds (``seed`` "mean")
    with the std, min and max over seeds. SUMMARY_COLUMNS; ``train_bonds`` is the mean
    training bonds per fold. Only the sizes every fold reaches are kept (folds of unequal
    size have pools of unequal size): each point holds out every cell once."""
    if curves.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    keys = ["bond_type", "subruns", "strategy", "seed"]
    replays = ["bond_type", "strategy", "seed"]
    folds_at = curves.groupby(keys)["fold"].transform("nunique")
    curves = curves[folds_at == curves.groupby(replays)["fold"].transform("nunique")]
    work = curves.assign(sq=curves["rmse_eV"] ** 2 * curves["test_bonds"])
    grouped = work.groupby(keys, sort=True)
    per_seed = pd.DataFrame(
        {
            "rmse_eV": np.sqrt(grouped["sq"].sum() / grouped["test_bonds"].sum()),
            "train_bonds": grouped["train_bonds"].mean(),
        }
    ).reset_index()
    per_seed["rmse_std_eV"] = np.nan
    per_seed["rmse_min_eV"] = per_seed["rmse_eV"]
    per_seed["rmse_max_eV"] = per_seed["rmse_eV"]
    over = per_seed.groupby(keys[:3], sort=True)
    mean = pd.DataFrame(
        {
            "seed": "mean",
            "rmse_eV": over["rmse_eV"].mean(),
            "rmse_std_eV": over["rmse_eV"].std(ddof=0),
            "rmse_min_eV": over["rmse_eV"].min(),
            "rmse_max_eV": over["rmse_eV"].max(),
            "train_bonds": over["train_bonds"].mean(),
        }
    ).reset_index()
    per_seed["seed"] = per_seed["seed"].astype(str)
    table = pd.concat([mean, per_seed], ignore_index=True)[SUMMARY_COLUMNS]
    return table.sort_values(keys, kind="stable", ignore_index=True)


def subruns_to_reach(summary: pd.DataFrame, goals: Mapping[str, float]) -> pd.DataFrame:
    """Per strategy and bond type, from the seed-mean rows of :func:`summarise_curves`: the
    fewest sub-runs whose mean RMSE is at or below the goal (eV; NaN when never reached or
    no goal), the RMSE at the largest size (``final_subruns``, the smallest fold's whole
    pool), and the fewest sub-runs within 5 % of it."""
    mean = summary[summary["seed"] == "mean"]
    rows = []
    for (strategy, bond_type), group in mean.groupby(["strategy", "bond_type"], sort=False):
        group = group.sort_values("subruns")
        goal = goals.get(bond_type)
        reached = group[group["rmse_eV"] <= goal] if goal is not None else group.iloc[0:0]
        final = float(group["rmse_eV"].iloc[-1])
        rows.append(
            {
                "strategy": strategy,
                "bond_type": bond_type,
                "goal_rmse_eV": np.nan if goal is None else float(goal),
                "subruns_needed": reached["subruns"].min() if len(reached) else np.nan,
                "final_subruns": int(group["subruns"].iloc[-1]),
                "final_rmse_eV": final,
                "subruns_within_5pc_of_final": int(
                    group[group["rmse_eV"] <= 1.05 * final]["subruns"].min()
                ),
            }
        )
    return pd.DataFrame(rows)
