"""Active learning: the acquisition prefers what the models do not know (the replay:
test_active_learning_replay.py)."""

from __future__ import annotations

import numpy as np

from glassbonds.model.active_learning import acquisition_scores
from glassbonds.model.kernel import SoapBondKernelRegressor
from tests.factories import bond_features


def strength(features: np.ndarray) -> np.ndarray:
    """A smooth -ICOHP-like target: decays with distance, modulated by the environment."""
    distance = features[:, 0]
    return 2.0 * np.exp(-(distance - 2.5)) * (1 + 0.2 * features[:, 1])


def test_a_cell_far_from_the_training_bonds_scores_highest():
    rng = np.random.default_rng(0)
    train = bond_features(rng.uniform(2.4, 2.8, 60), rng)
    model = SoapBondKernelRegressor(sigma=0.2, gamma=0.01).fit(train, strength(train))
    candidates = {
        (1, 1): {"Cu-Cu": bond_features(rng.uniform(2.4, 2.8, 10), rng)},  # like the training set
        (1, 2): {"Cu-Cu": bond_features(rng.uniform(3.4, 3.8, 10), rng)},  # bond lengths never seen
    }
    ranked = acquisition_scores(candidates, {"Cu-Cu": model}, {"Cu-Cu": 1.0})
    assert list(zip(ranked.run, ranked.subrun, strict=True)) == [(1, 2), (1, 1)]
    assert ranked.score.iloc[0] > 5 * ranked.score.iloc[1]


def test_each_type_counts_by_its_mean_so_scarce_types_weigh_as_much():
    rng = np.random.default_rng(1)
    train = bond_features(rng.uniform(2.4, 2.8, 40), rng)
    model = SoapBondKernelRegressor(sigma=0.2, gamma=0.01).fit(train, strength(train))
    unknown = bond_features(rng.uniform(3.4, 3.8, 4), rng)
    known = bond_features(rng.uniform(2.5, 2.7, 200), rng)
    candidates = {
        (1, 1): {"Zr-Cu": known, "Zr-Al": unknown},  # 4 unexplored bonds of a scarce type
        (1, 2): {"Zr-Cu": np.concatenate([known, unknown[:1]]), "Zr-Al": known[:4]},
    }
    models = {"Zr-Cu": model, "Zr-Al": model}
    ranked = acquisition_scores(candidates, models, {"Zr-Cu": 1.0, "Zr-Al": 1.0})
    assert (ranked.run[0], ranked.subrun[0]) == (1, 1)


def test_candidates_of_several_compositions_keep_their_own_keys():
    rng = np.random.default_rng(4)
    train = bond_features(rng.uniform(2.4, 2.8, 40), rng)
    model = SoapBondKernelRegressor(sigma=0.2, gamma=0.01).fit(train, strength(train))
    # the same run and sub-run numbers in two compositions are two candidates
    candidates = {
        ("Zr50Cu50", 2, 8): {"Cu-Cu": bond_features(rng.uniform(3.4, 3.8, 5), rng)},
        ("Zr25Cu75", 2, 8): {"Cu-Cu": bond_features(rng.uniform(2.4, 2.8, 5), rng)},
    }
    ranked = acquisition_scores(
        candidates, {"Cu-Cu": model}, {"Cu-Cu": 1.0}, key_columns=("nc", "run", "subrun")
    )
    assert list(ranked.nc) == ["Zr50Cu50", "Zr25Cu75"]
    assert list(ranked.subrun) == [8, 8]
