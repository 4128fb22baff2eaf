"""The chosen-model file of rule select_hyperparameters and the fit that uses it (run 21)."""

from __future__ import annotations

import numpy as np

from glassbonds.model.bonds import Hyperparameters, load_bond_set
from glassbonds.model.evaluation import (
    grouped_folds,
)
from glassbonds.model.files import load_model
from glassbonds.model.fitting import FitOutputs, fit_from_store, without_cells
from glassbonds.model.hyperparameters import read_chosen, select_grouped, write_chosen


def test_the_fit_uses_the_chosen_hyperparameters_and_calibration(run21_store, tmp_path):
    bonds = {t: load_bond_set(run21_store, t) for t in ("Cu-Al", "Zr-Al")}
    folds = grouped_folds(np.concatenate([b.groups for b in bonds.values()]), 3, seed=2)
    grid = {"zeta": [1, 2], "sigma": [0.5], "gamma": [0.01], "baseline": ["exponential"]}
    chosen, scores = select_grouped(
        bonds, "Cu-Al", grid, folds, cap=300, seed=2, try_joint=True, progress=lambda m: None
    )
    assert scores["chosen"].sum() == 1 and len(scores) == 3  # two candidates + joint
    write_chosen(chosen, tmp_path / "chosen.json")
    assert read_chosen(tmp_path / "chosen.json").as_dict() == chosen.as_dict()
    outputs = FitOutputs.in_directory(tmp_path, "fit")
    result = fit_from_store(
        run21_store,
        "Cu-Al",
        outputs,
        "all",
        20,
        Hyperparameters(1.0, 0.5, 0.01),  # the config's values: replaced by the chosen file's
        seed=1,
        chosen_path=tmp_path / "chosen.json",
        exclude_cells=["Zr49Cu49Al2/21/0"],
    )
    model, metadata = load_model(outputs.model)
    hp = chosen.hyperparameters
    assert (model.zeta, model.sigma, model.gamma, model.baseline) == (
        hp.zeta,
        hp.sigma,
        hp.gamma,
        hp.baseline,
    )
    assert metadata["hyperparameters"] == {**chosen.as_dict()["hyperparameters"]}
    assert (model.amplitude_, model.noise_variance_, model.std_scale_) == (
        chosen.calibration.amplitude,
        chosen.calibration.noise_variance,
        chosen.calibration.std_scale,
    )
    used = {u: rho for u, rho in chosen.joint_correlations.items() if rho > 0}
    assert model.type_factors_ == ({"Cu-Al": 1.0, **used} if used else {})
    cu_al = without_cells(load_bond_set(run21_store, "Cu-Al"), ["Zr49Cu49Al2/21/0"])
    assert result.n_train == len(cu_al) - 20 < 136
    provenance = metadata["training_database"]
    assert provenance["subruns"] == 14 and len(provenance["store_sha256"]) == 64
