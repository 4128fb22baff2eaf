"""Grouped evaluation, calibration, the chosen model file and the joint model, on the study's
real run 21 (skipped when ../shared is absent) and on synthetic cases with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import cho_solve

from glassbonds.model.bonds import BondSet, Hyperparameters, load_bond_set
from glassbonds.model.calibration import Calibration, cross_calibrated_std, fit_calibration
from glassbonds.model.evaluation import (
    bond_groups,
    coverage,
    cross_validate,
    grouped_folds,
    metrics,
)
from glassbonds.model.files import load_model, save_model
from glassbonds.model.fitting import FitOutputs, fit_from_store, resolve_size, without_cells
from glassbonds.model.hyperparameters import read_chosen, select_grouped, write_chosen
from glassbonds.model.joint import _joint_matrix, fit_joint
from tests.factories import synthetic_bonds

RUN21_COUNTS = {"Zr-Cu": 4931, "Zr-Zr": 2246, "Cu-Cu": 1652, "Zr-Al": 222, "Cu-Al": 136}


@pytest.fixture(scope="session")
def run21_store(study_data, tmp_path_factory):
    """Run 21 adopted as the workflow does (status, SOAP, PBSSDB), built once per session."""
    from glassbonds.model.study_data import build_run21_store

    return build_run21_store(study_data, tmp_path_factory.mktemp("run21") / "store")


def test_run21_store_has_the_published_bond_counts_without_subrun_13(run21_store):
    for bond_type, count in RUN21_COUNTS.items():
        bonds = load_bond_set(run21_store, bond_type)
        assert len(bonds) == count
        assert "Zr49Cu49Al2/21/13" not in set(bonds.groups)
        assert len(set(bonds.groups)) == 14


@pytest.mark.parametrize("n_folds", [None, 5])
def test_grouped_split_never_puts_one_subrun_on_both_sides(run21_store, n_folds):
    bonds = {t: load_bond_set(run21_store, t) for t in RUN21_COUNTS}
    folds = grouped_folds(np.concatenate([b.groups for b in bonds.values()]), n_folds, seed=3)
    assert len(folds) == (14 if n_folds is None else 5)
    held_out = [g for fold in folds for g in fold.test_groups]
    assert sorted(held_out) == sorted(set(held_out)) and len(held_out) == 14
    for fold in folds:
        for bond_set in bonds.values():
            groups = bond_groups(bond_set)
            train, test = fold.split(groups)
            assert len(train) + len(test) == len(bond_set)
            assert not set(groups[train]) & set(groups[test])


def test_coverage_of_errors_with_known_noise():
    rng = np.random.default_rng(0)
    std = rng.uniform(0.02, 0.2, 40_000)
    error = rng.normal(0.0, std)
    # Gaussian: P(|e| <= sigma) = 0.6827, P(|e| <= 2 sigma) = 0.9545; sampling SE ~ 0.0023.
    assert coverage(error, std, 1.0) == pytest.approx(0.6827, abs=0.01)
    assert coverage(error, std, 2.0) == pytest.approx(0.9545, abs=0.01)
    # Half the std: "within 1 std" is within half a true std, P = 0.3829.
    assert coverage(error, 0.5 * std, 1.0) == pytest.approx(0.3829, abs=0.01)


def test_calibration_recovers_coverage_from_a_miscaled_latent_variance():
    rng = np.random.default_rng(1)
    latent = rng.uniform(0.0, 1.0, 20_000)
    error = rng.normal(0.0, np.sqrt(0.04 * latent + 0.001))
    assert coverage(error, np.sqrt(latent), 1.0) > 0.95  # uncalibrated: far too wide
    calibration = fit_calibration(error, latent)
    std = calibration.std(latent)
    assert coverage(error, std, 1.0) == pytest.approx(0.68, abs=0.02)
    assert coverage(error, std, 2.0) == pytest.approx(0.95, abs=0.02)
    np.testing.assert_allclose(std, np.sqrt(0.04 * latent + 0.001), rtol=0.25)


def test_cross_calibration_judges_each_fold_with_the_others_only(run21_store):
    bonds = {"Cu-Al": load_bond_set(run21_store, "Cu-Al")}
    folds = grouped_folds(bonds["Cu-Al"].groups, 4, seed=0)
    hp = Hyperparameters(1, 0.5, 0.005)
    predictions = cross_validate(
        bonds,
        {"study": lambda train, t: hp.estimator().fit(train[t].features(), train[t].target)},
        folds,
    )
    calibrated = predictions.assign(std=cross_calibrated_std(predictions))
    table = metrics(calibrated).iloc[0]
    assert table["n_bonds"] == 136 and table["n_groups"] == 14
    # Changing the errors of fold 0 must not change the calibrated std of fold 0.
    changed = predictions.copy()
    changed.loc[changed["fold"] == 0, "target"] += 1.0
    in_fold = predictions["fold"] == 0
    np.testing.assert_array_equal(
        cross_calibrated_std(changed)[in_fold], calibrated["std"].to_numpy()[in_fold]
    )


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


def test_sizes_all_and_per_type():
    assert resolve_size("all", 136, 20) == 116
    assert resolve_size(2000, 4931) == 2000


def test_joint_model_file_is_the_joint_kernel_in_the_canonical_form(tmp_path):
    target = synthetic_bonds(40, seed=1, bond_type="Zr-Al")
    helper = synthetic_bonds(60, seed=2, bond_type="Zr-Cu")
    hp = Hyperparameters(1.0, 0.7, 0.02, baseline="exponential")
    model = fit_joint({"Zr-Al": target, "Zr-Cu": helper}, "Zr-Al", hp, {"Zr-Cu": 0.6})
    Calibration(0.5, 1e-3, 1.1).apply(model)
    save_model(model, tmp_path / "joint.npz", {"bond_type": "Zr-Al"})
    loaded, _ = load_model(tmp_path / "joint.npz")
    assert loaded.type_factors_ == {"Zr-Al": 1.0, "Zr-Cu": 0.6}
    # Reference: the joint GP written out (B o K + noise I) on residuals of each type's baseline.
    test = synthetic_bonds(15, seed=3, bond_type="Zr-Al")
    both = [target, helper]
    distance = np.concatenate([b.distance for b in both])
    soap = np.concatenate([b.soap_a + b.soap_b for b in both])
    kind = np.repeat([0, 1], [40, 60])
    from glassbonds.model.baseline import fit_baseline

    base = [fit_baseline("exponential", b.distance, b.target) for b in both]
    residual = np.concatenate([b.target - f(b.distance) for b, f in zip(both, base, strict=True)])
    gram = _joint_matrix(distance, soap, kind, np.array([1.0, 0.6]), hp)
    gram.flat[::101] += model.noise_
    weights = cho_solve((np.linalg.cholesky(gram), True), residual)
    g = np.exp(-(np.subtract.outer(test.distance, distance) ** 2) / (2 * 0.7**2))
    k_star = g * 0.25 * ((test.soap_a + test.soap_b) @ soap.T) * np.where(kind == 0, 1.0, 0.6)
    expected = base[0](test.distance) + k_star @ weights
    np.testing.assert_allclose(loaded.predict(test.features()), expected, rtol=1e-8, atol=1e-10)


def test_validation_cells_are_left_out():
    bonds = synthetic_bonds(10)
    bonds.groups = np.array(["A/1/0"] * 4 + ["A/1/1"] * 6)
    kept = without_cells(bonds, ["A/1/0"])
    assert len(kept) == 6 and set(kept.groups) == {"A/1/1"}
    assert isinstance(kept, BondSet)


def test_fit_outputs_name_the_icohp_program_and_mark_the_test_double(tmp_path):
    from glassbonds.model.fitting import SYNTHETIC_MARKER, read_info
    from tests.factories import fit_and_write

    bonds = synthetic_bonds(50)
    outputs = FitOutputs.in_directory(tmp_path, "fit")
    provenance = {
        "icohp_programs": {"glassbonds-synthetic-lobster 1 (test double, NOT LOBSTER)": 15},
        "synthetic_icohp_subruns": 15,
    }
    fit_and_write(bonds, outputs, 30, 10, Hyperparameters(1.0, 0.5, 0.01), 0, provenance=provenance)
    text = outputs.info.read_text()
    assert SYNTHETIC_MARKER in text and "NOT LOBSTER" in text
    assert len(read_info(outputs.info)[0]) == 10  # comment lines do not break the reader
    _, metadata = load_model(outputs.model)
    assert metadata["training_database"] == provenance
    real = FitOutputs.in_directory(tmp_path, "real")
    fit_and_write(
        bonds,
        real,
        30,
        10,
        Hyperparameters(1.0, 0.5, 0.01),
        0,
        provenance={"icohp_programs": {"LOBSTER 3.2.0": 14}, "synthetic_icohp_subruns": 0},
    )
    assert SYNTHETIC_MARKER not in real.info.read_text()
    assert "LOBSTER 3.2.0 (14)" in real.info.read_text()
