"""Active learning: the acquisition prefers what the models do not know; the replay is fair."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glassbonds.errors import InputError
from glassbonds.model.active_learning import (
    TypeBonds,
    acquisition_scores,
    selection_curves,
    subruns_to_reach,
)
from glassbonds.model.features import bond_feature_matrix
from glassbonds.model.kernel import SoapBondKernelRegressor


def bonds_of(distances: np.ndarray, rng: np.random.Generator, width: int = 8) -> np.ndarray:
    soap = np.abs(rng.normal(size=(2, len(distances), width)))
    soap /= np.linalg.norm(soap, axis=2, keepdims=True)
    return bond_feature_matrix(distances, soap[0], soap[1])


def strength(features: np.ndarray) -> np.ndarray:
    """A smooth -ICOHP-like target: decays with distance, modulated by the environment."""
    distance = features[:, 0]
    return 2.0 * np.exp(-(distance - 2.5)) * (1 + 0.2 * features[:, 1])


def test_a_cell_far_from_the_training_bonds_scores_highest():
    rng = np.random.default_rng(0)
    train = bonds_of(rng.uniform(2.4, 2.8, 60), rng)
    model = SoapBondKernelRegressor(sigma=0.2, gamma=0.01).fit(train, strength(train))
    candidates = {
        (1, 1): {"Cu-Cu": bonds_of(rng.uniform(2.4, 2.8, 10), rng)},  # like the training set
        (1, 2): {"Cu-Cu": bonds_of(rng.uniform(3.4, 3.8, 10), rng)},  # bond lengths never seen
    }
    ranked = acquisition_scores(candidates, {"Cu-Cu": model}, {"Cu-Cu": 1.0})
    assert list(zip(ranked.run, ranked.subrun, strict=True)) == [(1, 2), (1, 1)]
    assert ranked.score.iloc[0] > 5 * ranked.score.iloc[1]


def test_each_type_counts_by_its_mean_so_scarce_types_weigh_as_much():
    rng = np.random.default_rng(1)
    train = bonds_of(rng.uniform(2.4, 2.8, 40), rng)
    model = SoapBondKernelRegressor(sigma=0.2, gamma=0.01).fit(train, strength(train))
    unknown = bonds_of(rng.uniform(3.4, 3.8, 4), rng)
    known = bonds_of(rng.uniform(2.5, 2.7, 200), rng)
    candidates = {
        (1, 1): {"Zr-Cu": known, "Zr-Al": unknown},  # 4 unexplored bonds of a scarce type
        (1, 2): {"Zr-Cu": np.concatenate([known, unknown[:1]]), "Zr-Al": known[:4]},
    }
    models = {"Zr-Cu": model, "Zr-Al": model}
    ranked = acquisition_scores(candidates, models, {"Zr-Cu": 1.0, "Zr-Al": 1.0})
    assert (ranked.run[0], ranked.subrun[0]) == (1, 1)


def synthetic_database(n_subruns: int, rng: np.random.Generator) -> dict[str, TypeBonds]:
    features, subruns = [], []
    for sub in range(n_subruns):
        # sub-runs differ in the range of their bond lengths (like deformed cells)
        low = 2.3 + 0.1 * (sub % 5)
        block = bonds_of(rng.uniform(low, low + 0.6, 25), rng)
        features.append(block)
        subruns += [(7, sub)] * len(block)
    features = np.concatenate(features)
    return {"Cu-Cu": TypeBonds(features, strength(features), subruns)}


def test_replay_never_trains_on_held_out_subruns_and_uses_up_the_pool():
    rng = np.random.default_rng(2)
    bonds = synthetic_database(8, rng)
    test = [(7, 0), (7, 5)]
    fitted_on: list[set] = []

    class Recording(SoapBondKernelRegressor):
        def fit(self, X, y):
            fitted_on.append({tuple(row[:3]) for row in X})
            return super().fit(X, y)

    curves = selection_curves(
        bonds, lambda _: Recording(sigma=0.3, gamma=0.01), [test], start=2, seeds=[0]
    )
    held_out = {tuple(row[:3]) for row in bonds["Cu-Cu"].features[bonds["Cu-Cu"].where(test)]}
    assert all(not (training & held_out) for training in fitted_on)
    for strategy in ("acquisition", "random"):
        sizes = curves[curves.strategy == strategy]["subruns"].tolist()
        assert sizes == [2, 3, 4, 5, 6]  # from 2 up to all 6 candidates
    # both strategies start from the same sub-runs and end with the same (whole) pool
    first = curves[curves.subruns == 2].set_index("strategy")["rmse_eV"]
    last = curves[curves.subruns == 6].set_index("strategy")["rmse_eV"]
    assert first["acquisition"] == pytest.approx(first["random"])
    assert last["acquisition"] == pytest.approx(last["random"])


def test_goal_reached_is_the_first_size_at_or_below_it():
    curves = pd.DataFrame(
        {
            "strategy": ["acquisition"] * 3 + ["random"] * 3,
            "seed": 0,
            "split": 0,
            "subruns": [2, 3, 4] * 2,
            "bond_type": "Zr-Al",
            "train_bonds": 0,
            "rmse_eV": [0.09, 0.06, 0.05, 0.10, 0.08, 0.07],
        }
    )
    needed = subruns_to_reach(curves, {"Zr-Al": 0.068}).set_index("strategy")
    assert needed.loc["acquisition", "subruns_needed"] == 3
    assert np.isnan(needed.loc["random", "subruns_needed"])
    assert needed.loc["acquisition", "subruns_within_5pc_of_final"] == 4
    assert needed.loc["random", "subruns_within_5pc_of_final"] == 4


def test_a_pool_no_larger_than_the_start_is_refused():
    rng = np.random.default_rng(3)
    bonds = synthetic_database(3, rng)
    with pytest.raises(InputError, match="candidate sub-runs"):
        selection_curves(bonds, lambda _: SoapBondKernelRegressor(), [[(7, 0)]], start=2)


def test_candidates_of_several_compositions_keep_their_own_keys():
    rng = np.random.default_rng(4)
    train = bonds_of(rng.uniform(2.4, 2.8, 40), rng)
    model = SoapBondKernelRegressor(sigma=0.2, gamma=0.01).fit(train, strength(train))
    # the same run and sub-run numbers in two compositions are two candidates
    candidates = {
        ("Zr50Cu50", 2, 8): {"Cu-Cu": bonds_of(rng.uniform(3.4, 3.8, 5), rng)},
        ("Zr25Cu75", 2, 8): {"Cu-Cu": bonds_of(rng.uniform(2.4, 2.8, 5), rng)},
    }
    ranked = acquisition_scores(
        candidates, {"Cu-Cu": model}, {"Cu-Cu": 1.0}, key_columns=("nc", "run", "subrun")
    )
    assert list(ranked.nc) == ["Zr50Cu50", "Zr25Cu75"]
    assert list(ranked.subrun) == [8, 8]
