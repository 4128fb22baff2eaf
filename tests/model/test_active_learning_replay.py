"""The active-learning replay: whole cells only, the acquisition takes the highest score,
seeds give their own random curves, sizes grow to the whole pool; on a synthetic store and on
the study's run 21 (skipped when ../shared is absent)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from glassbonds.config_defaults import study_config
from glassbonds.errors import InputError
from glassbonds.model.active_learning_replay import (
    ReplaySettings,
    TypeBonds,
    bonds_from_store,
    replay,
    selection_curves,
    subruns_to_reach,
    summarise_curves,
)
from glassbonds.model.evaluation import grouped_folds
from glassbonds.model.kernel import SoapBondKernelRegressor
from tests.factories import write_synthetic_bond_store

# the same run and sub-run numbers in two compositions: twelve distinct cells
CELLS = [(nc, 1, sub) for nc in ("Zr50Cu50", "Zr25Cu75") for sub in range(6)]
LABELS = sorted(f"{nc}/{run}/{sub}" for nc, run, sub in CELLS)


@pytest.fixture
def bonds(tmp_path) -> dict[str, TypeBonds]:
    return bonds_from_store(
        write_synthetic_bond_store(tmp_path / "store", CELLS), ["Cu-Cu", "Zr-Cu"]
    )


def replay_settings(**changes) -> ReplaySettings:
    """The config schema's replay settings with ``changes``."""
    defaults = study_config()["active_learning"]["replay"]
    return replace(ReplaySettings.from_config(defaults), **changes)


def kernel(_bond_type: str) -> SoapBondKernelRegressor:
    return SoapBondKernelRegressor(sigma=0.3, gamma=0.01)


def added_cells(part: pd.DataFrame) -> list[list[str]]:
    """The cells added at each step of one replay (one bond type's rows), in order."""
    steps = part.sort_values("subruns").drop_duplicates("subruns")
    return [entry.split(";") for entry in steps["added"]]


def test_store_cells_are_source_run_subrun_and_validation_cells_are_left_out(tmp_path):
    store = write_synthetic_bond_store(tmp_path / "store", CELLS, bonds_per_cell=5)
    every = bonds_from_store(store, ["Cu-Cu", "Zr-Cu", "Zr-Zr"])
    assert set(every) == {"Cu-Cu", "Zr-Cu"}  # no Zr-Zr bonds in the store: left out
    assert sorted(set(every["Cu-Cu"].groups)) == LABELS
    kept = bonds_from_store(store, ["Cu-Cu"], exclude_cells=["Zr50Cu50/1/0"])["Cu-Cu"]
    assert "Zr50Cu50/1/0" not in set(kept.groups) and "Zr25Cu75/1/0" in set(kept.groups)
    assert len(kept.target) == len(every["Cu-Cu"].target) - 5


def test_fits_take_whole_cells_and_never_a_held_out_one(bonds):
    cell_of = {
        row.tobytes(): label
        for data in bonds.values()
        for row, label in zip(data.features, data.groups, strict=True)
    }
    size = {(t, g): int(np.sum(d.groups == g)) for t, d in bonds.items() for g in LABELS}
    fits: list[tuple[str, pd.Series]] = []

    class Recording(SoapBondKernelRegressor):
        def __init__(self, bond_type: str):
            super().__init__(sigma=0.3, gamma=0.01)
            self.bond_type = bond_type

        def fit(self, X, y):
            fits.append((self.bond_type, pd.Series([cell_of[row.tobytes()] for row in X])))
            return super().fit(X, y)

    held_out = ["Zr50Cu50/1/2", "Zr25Cu75/1/5"]
    settings = replay_settings(start=2, step=3, seeds=(0, 1), max_bonds=None)
    selection_curves(bonds, Recording, [held_out], settings)
    assert fits
    for bond_type, cells in fits:
        assert not set(cells) & set(held_out)
        for cell, count in cells.value_counts().items():
            assert count == size[(bond_type, cell)]  # every bond of the cell, or none


def test_acquisition_takes_the_highest_score_first(bonds):
    bonds = {"Cu-Cu": bonds["Cu-Cu"]}

    class StdIsLength:
        """Predictive std = bond length: the score orders cells by mean squared length."""

        def fit(self, X, y):
            return self

        def predict(self, X, return_std=False):
            return (np.zeros(len(X)), X[:, 0]) if return_std else np.zeros(len(X))

    data = bonds["Cu-Cu"]
    mean_square = {g: float(np.mean(data.features[data.groups == g, 0] ** 2)) for g in LABELS}
    held_out = LABELS[:3]
    settings = replay_settings(start=2, step=1, seeds=(0,))
    curves = selection_curves(bonds, lambda _: StdIsLength(), [held_out], settings)
    steps = added_cells(curves[curves.strategy == "acquisition"])
    start, chosen = steps[0], [cells[0] for cells in steps[1:]]
    remaining = [g for g in LABELS if g not in held_out and g not in start]
    assert chosen == sorted(remaining, key=mean_square.get, reverse=True)
    random_order = [cells[0] for cells in added_cells(curves[curves.strategy == "random"])[1:]]
    assert sorted(random_order) == sorted(chosen) and random_order != chosen


def test_sizes_grow_by_the_step_to_the_whole_pool_and_seeds_differ(bonds):
    settings = replay_settings(start=2, step=3, seeds=(0, 1, 2), folds=3, max_bonds=None)
    curves = replay(bonds, kernel, settings)
    folds = grouped_folds(LABELS, 3, settings.fold_seed)
    random_orders = {}
    for (strategy, seed, fold, _), part in curves.groupby(
        ["strategy", "seed", "fold", "bond_type"]
    ):
        pool = [g for g in LABELS if g not in folds[fold].test_groups]
        sizes = part["subruns"].tolist()
        assert sizes == sorted(set(sizes)) and sizes[0] == 2 and sizes[-1] == len(pool)
        assert all(b - a == 3 for a, b in itertools.pairwise(sizes[:-1]))
        assert 0 < sizes[-1] - sizes[-2] <= 3
        steps = added_cells(part)
        assert sorted(c for cells in steps for c in cells) == sorted(
            pool
        )  # each pool cell once, no held-out one
        if strategy == "random":
            random_orders.setdefault(fold, {})[seed] = steps
    for orders in random_orders.values():
        assert orders[0] != orders[1] and orders[1] != orders[2]
    # the same start and the same whole pool: both strategies agree at both ends
    for _, part in curves.groupby(["seed", "fold", "bond_type"]):
        ends = part[part.subruns.isin([2, part.subruns.max()])]
        by_strategy = ends.pivot(index="subruns", columns="strategy", values="rmse_eV")
        np.testing.assert_allclose(by_strategy["acquisition"], by_strategy["random"])


def test_summary_pools_the_folds_and_spreads_over_seeds():
    rows = []
    for seed, (first, second) in enumerate([(0.1, 0.2), (0.3, 0.1)]):
        rows += [
            ("random", seed, 0, 4, "Zr-Cu", 50, 10, first, ""),
            ("random", seed, 1, 4, "Zr-Cu", 70, 30, second, ""),
        ]
    curves = pd.DataFrame(
        rows,
        columns=["strategy", "seed", "fold", "subruns", "bond_type", "train_bonds",
                 "test_bonds", "rmse_eV", "added"],
    )  # fmt: skip
    # a size only one fold reaches (the other fold's pool is smaller) is left out
    curves.loc[len(curves)] = ("random", 0, 1, 5, "Zr-Cu", 80, 30, 0.05, "")
    summary = summarise_curves(curves).set_index("seed")
    assert set(summary.subruns) == {4}
    pooled = [np.sqrt((a**2 * 10 + b**2 * 30) / 40) for a, b in [(0.1, 0.2), (0.3, 0.1)]]
    assert summary.loc[["0", "1"], "rmse_eV"].tolist() == pytest.approx(pooled)
    assert summary.loc["mean", "rmse_eV"] == pytest.approx(np.mean(pooled))
    assert summary.loc["mean", "rmse_std_eV"] == pytest.approx(np.std(pooled))
    assert summary.loc["mean", "rmse_min_eV"] == pytest.approx(min(pooled))
    assert summary.loc["mean", "train_bonds"] == 60


def test_goal_reached_is_the_first_size_at_or_below_it():
    summary = pd.DataFrame(
        {
            "bond_type": "Zr-Al",
            "subruns": [2, 3, 4] * 2,
            "strategy": ["acquisition"] * 3 + ["random"] * 3,
            "seed": "mean",
            "rmse_eV": [0.09, 0.06, 0.05, 0.10, 0.08, 0.07],
        }
    )
    needed = subruns_to_reach(summary, {"Zr-Al": 0.068}).set_index("strategy")
    assert needed.loc["acquisition", "subruns_needed"] == 3
    assert np.isnan(needed.loc["random", "subruns_needed"])
    assert needed.loc["acquisition", "subruns_within_5pc_of_final"] == 4
    assert needed.loc["random", "final_subruns"] == 4


def test_a_pool_no_larger_than_the_start_is_refused(bonds):
    with pytest.raises(InputError, match=r"active_learning\.replay\.folds"):
        selection_curves(bonds, kernel, [LABELS[:10]], replay_settings(start=2))


def test_settings_from_the_config():
    settings = ReplaySettings.from_config(
        {"start": 3, "step": 2, "seeds": 4, "folds": None, "max_bonds": "all"}, fold_seed=7
    )
    assert settings == ReplaySettings(3, 2, (0, 1, 2, 3), None, None, 7)


def test_run21_replay_holds_out_whole_real_subruns(run21_store):
    """The real run 21 (14 usable sub-runs), its two scarce Al bond types only (fast)."""
    bonds = bonds_from_store(run21_store, ["Zr-Al", "Cu-Al"])
    assert {len(set(d.groups)) for d in bonds.values()} == {14}
    settings = replay_settings(start=2, step=4, seeds=(0,), folds=5)
    curves = replay(bonds, lambda _: SoapBondKernelRegressor(sigma=0.5, gamma=0.01), settings)
    folds = grouped_folds(sorted(set(bonds["Zr-Al"].groups)), 5, 0)
    for (_, fold), part in curves.groupby(["strategy", "fold"]):
        steps = added_cells(part[part.bond_type == "Zr-Al"])
        assert not {c for cells in steps for c in cells} & set(folds[fold].test_groups)
        assert part.subruns.max() == 14 - len(folds[fold].test_groups)
    assert np.isfinite(curves.rmse_eV).all() and (curves.rmse_eV > 0).all()
