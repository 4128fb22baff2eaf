"""Active learning: which sub-runs to send to DFT next, and whether choosing them pays.

A candidate cell (a sub-run with its structure but no DFT yet) is scored by the information
its bonds would add to the bond models: for every bond of type t, the predictive variance
of the type's model divided by the variance of the type's training targets (a share of
"what the model does not know", free of units), averaged over the cell's bonds of that
type and summed over types. Averaging per type weights scarce types as much as abundant
ones: a cell with 16 Zr-Al bonds among 350 Zr-Cu bonds counts for its Zr-Al bonds.

:func:`selection_curves` replays the loop on a database whose sub-runs are all computed:
start from a few sub-runs, add one at a time by the acquisition or at random, refit, and
record the RMSE (eV) per bond type on held-out sub-runs that are never candidates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from glassbonds.errors import InputError

SubRunKey = tuple[int, int]  # (run, sub-run)
CURVE_COLUMNS = ["strategy", "seed", "split", "subruns", "bond_type", "train_bonds", "rmse_eV"]


@dataclass
class TypeBonds:
    """Bonds of one type: features X (n, 1 + 2F), -ICOHP targets (eV), sub-run of each."""

    features: np.ndarray
    target: np.ndarray
    subrun: list[SubRunKey]

    def where(self, keys: Iterable[SubRunKey]) -> np.ndarray:
        wanted = set(keys)
        return np.array([key in wanted for key in self.subrun], dtype=bool)


def acquisition_scores(
    candidates: Mapping[tuple, Mapping[str, np.ndarray]],
    models: Mapping[str, object],
    target_variance: Mapping[str, float],
    key_columns: Sequence[str] = ("run", "subrun"),
) -> pd.DataFrame:
    """Score of each candidate: sum over types of the mean relative predictive variance.

    ``candidates`` maps a sub-run key (a tuple named by ``key_columns``, e.g. (run, sub-run)
    or (composition, run, sub-run)) to its bond features per type; ``models`` are fitted
    regressors with ``predict(X, return_std=True)``; ``target_variance`` is the variance
    (eV^2) of each type's training targets. Returns one row per candidate, best first, with
    the key columns, the score and the per-type terms.
    """
    rows = []
    for key, by_type in candidates.items():
        terms = {}
        for bond_type, features in by_type.items():
            if bond_type not in models or len(features) == 0:
                continue
            _, std = models[bond_type].predict(features, return_std=True)
            terms[bond_type] = float(np.mean(std**2) / max(target_variance[bond_type], 1e-12))
        rows.append(
            {**dict(zip(key_columns, key, strict=True)), "score": sum(terms.values()), **terms}
        )
    table = pd.DataFrame(rows)
    if table.empty:
        return pd.DataFrame(columns=[*key_columns, "score"])
    return table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def _fit_types(
    bonds: Mapping[str, TypeBonds],
    selected: Sequence[SubRunKey],
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


def selection_curves(
    bonds: Mapping[str, TypeBonds],
    make_model: Callable[[str], object],
    test_splits: Sequence[Sequence[SubRunKey]],
    start: int = 2,
    seeds: Sequence[int] = (0, 1, 2),
    max_bonds: int | None = None,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> pd.DataFrame:
    """RMSE per bond type against the number of DFT sub-runs, by acquisition and at random.

    For each held-out split (sub-runs never chosen) and seed, both strategies start from the
    same ``start`` random sub-runs of the pool and add one sub-run per step until the pool
    is used up. ``max_bonds`` caps the training bonds per type (random subset) to bound the
    cost of each fit. Returns CURVE_COLUMNS rows.
    """
    every = sorted({key for data in bonds.values() for key in data.subrun})
    records = []
    jobs = [(split, seed) for split in range(len(test_splits)) for seed in seeds]
    for split, seed in progress(jobs):
        test = set(test_splits[split])
        pool = [key for key in every if key not in test]
        if len(pool) <= start:
            raise InputError(
                "active learning",
                f"{len(pool)} candidate sub-runs outside the test split: need more than {start}",
                "hold out fewer sub-runs or start from fewer",
            )
        rng = np.random.default_rng(seed)
        first = [pool[i] for i in rng.choice(len(pool), start, replace=False)]
        for strategy in ("acquisition", "random"):
            order_rng = np.random.default_rng([seed, 1])
            fit_rng = np.random.default_rng([seed, 2])
            selected = list(first)
            while True:
                models, variance, counts = _fit_types(
                    bonds, selected, make_model, max_bonds, fit_rng
                )
                for bond_type, data in bonds.items():
                    held = data.where(test)
                    if bond_type not in models or not held.any():
                        continue
                    error = models[bond_type].predict(data.features[held]) - data.target[held]
                    records.append(
                        (strategy, seed, split, len(selected), bond_type, counts[bond_type],
                         float(np.sqrt(np.mean(error**2))))
                    )  # fmt: skip
                remaining = [key for key in pool if key not in selected]
                if not remaining:
                    break
                if strategy == "random":
                    selected.append(remaining[order_rng.integers(len(remaining))])
                    continue
                candidates = {
                    key: {t: d.features[d.where([key])] for t, d in bonds.items()}
                    for key in remaining
                }
                ranked = acquisition_scores(candidates, models, variance)
                selected.append((int(ranked.loc[0, "run"]), int(ranked.loc[0, "subrun"])))
    return pd.DataFrame(records, columns=CURVE_COLUMNS)


def subruns_to_reach(curves: pd.DataFrame, goals: Mapping[str, float]) -> pd.DataFrame:
    """Per strategy and bond type: the fewest sub-runs whose mean RMSE (over seeds and
    splits) is at or below the goal (eV), NaN where the goal is never reached; and the
    fewest whose mean RMSE is within 5 % of the RMSE with the whole pool."""
    mean = curves.groupby(["strategy", "bond_type", "subruns"], as_index=False)["rmse_eV"].mean()
    rows = []
    for (strategy, bond_type), group in mean.groupby(["strategy", "bond_type"]):
        goal = goals.get(bond_type)
        reached = group[group["rmse_eV"] <= goal] if goal is not None else group.iloc[0:0]
        final = group.sort_values("subruns")["rmse_eV"].iloc[-1]
        rows.append(
            {
                "strategy": strategy,
                "bond_type": bond_type,
                "goal_rmse_eV": goal,
                "subruns_needed": reached["subruns"].min() if len(reached) else np.nan,
                "final_rmse_eV": final,
                "subruns_within_5pc_of_final": group[group["rmse_eV"] <= 1.05 * final][
                    "subruns"
                ].min(),
            }
        )
    return pd.DataFrame(rows)


def cell_bond_features(
    atoms, windows: Mapping[str, Sequence[float]], soap_parameters
) -> dict[str, np.ndarray]:
    """Bond features (n, 1 + 2F) per bond type of one candidate cell: its bonds within the
    per-type distance windows (angstrom) and the SOAP vectors of their atoms."""
    from glassbonds.descriptors import soap_vectors
    from glassbonds.model.features import bond_feature_matrix
    from glassbonds.neighbours import find_bonds_in_atoms

    bonds = find_bonds_in_atoms(atoms, windows, soap_parameters.species)
    soap = soap_vectors(atoms, soap_parameters)
    features = {}
    for index, name in enumerate(bonds.type_names):
        chosen = bonds.bond_type == index
        features[name] = bond_feature_matrix(
            bonds.distance[chosen], soap[bonds.atom_a[chosen]], soap[bonds.atom_b[chosen]]
        )
    return features


def next_dft_subruns(
    ranked: pd.DataFrame, dft_subruns: Mapping[str, Sequence[str]], count: int
) -> dict[str, list[str]]:
    """The config's ``dft_subruns`` with the ``count`` best candidates added (``"RUN/SUB"``).

    ``ranked`` has columns nc, run, subrun, best first; compositions keep their entries.
    """
    chosen = {nc: list(entries) for nc, entries in dft_subruns.items()}
    for row in ranked.head(count).itertuples():
        chosen.setdefault(row.nc, []).append(f"{row.run}/{row.subrun}")
    return chosen
