"""The low-rank std written once per model (rule std_factors) and read by inference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from glassbonds.errors import InputError
from glassbonds.inference.models import FittedModels
from glassbonds.inference.prediction import BondPredictor
from glassbonds.model.features import bond_feature_matrix
from glassbonds.model.files import save_model
from glassbonds.model.kernel import SoapBondKernelRegressor
from glassbonds.model.std_factors import FORMAT, write_std_factors

WINDOW = (2.5, 3.6)


def _soap(rng, n_atoms: int, n_features: int = 60, rank: int = 5) -> np.ndarray:
    """Non-negative unit vectors mixing a few fixed directions (SOAP-like, low rank)."""
    basis = np.abs(np.random.default_rng(0).normal(size=(rank, n_features)))
    soap = rng.uniform(0.0, 1.0, size=(n_atoms, rank)) @ basis
    return soap / np.linalg.norm(soap, axis=1, keepdims=True)


def _saved_model(rng, soap, path, n_train=300, gamma=0.01):
    pairs = rng.integers(0, len(soap), size=(n_train, 2))
    distance = rng.uniform(*WINDOW, n_train)
    target = 2.0 * np.exp(-(distance - 2.5)) + 0.05 * rng.normal(size=n_train)
    model = SoapBondKernelRegressor(sigma=0.5, gamma=gamma)
    model.fit(bond_feature_matrix(distance, soap[pairs[:, 0]], soap[pairs[:, 1]]), target)
    save_model(model, path, {"bond_type": "Zr-Cu"})
    return path


def _bonds(rng, n_atoms, n_bonds):
    pairs = rng.integers(0, n_atoms, size=(n_bonds, 2))
    return pairs[:, 0], pairs[:, 1], rng.uniform(*WINDOW, n_bonds)


def _std(models, factors, soap, bonds, window=WINDOW):
    predictor = BondPredictor(models, {"Zr-Cu": window}, 1e-3, factors)
    type_predictor = predictor.predictors["Zr-Cu"]
    return type_predictor.std_fast(soap, *bonds)[1], type_predictor


def _model_with_factors(tmp_path, seed: int):
    """A saved low-rank model on SOAP-like atoms and its std factors ``m.std.npz``:
    (rng, soap, models, factors path, what write_std_factors built)."""
    rng = np.random.default_rng(seed)
    soap = _soap(rng, 400)
    model_path = _saved_model(rng, soap, tmp_path / "m.model.npz")
    models = FittedModels.load([model_path])
    factors = tmp_path / "m.std.npz"
    built = write_std_factors(models.models["Zr-Cu"].model, model_path, WINDOW, factors)
    return rng, soap, models, factors, built


def test_read_factors_give_the_same_std_as_a_fresh_build(tmp_path) -> None:
    rng, soap, models, factors, built = _model_with_factors(tmp_path, seed=1)
    assert built is not None
    bonds = _bonds(rng, len(soap), 500)
    fresh, _ = _std(models, (), soap, bonds)
    read, predictor = _std(models, [factors], soap, bonds)
    assert predictor.low_rank.rank == built.rank
    np.testing.assert_array_equal(read, fresh)


def test_factors_of_another_model_or_window_are_refused_with_the_file_named(tmp_path) -> None:
    rng = np.random.default_rng(2)
    soap = _soap(rng, 400)
    model_path = _saved_model(rng, soap, tmp_path / "m.model.npz")
    other_path = _saved_model(rng, soap, tmp_path / "other.model.npz", gamma=0.02)
    factors = tmp_path / "other.std.npz"
    other = FittedModels.load([other_path]).models["Zr-Cu"].model
    write_std_factors(other, other_path, WINDOW, factors)
    models = FittedModels.load([model_path])
    with pytest.raises(InputError, match=r"other\.std\.npz.*none of this run's model files"):
        BondPredictor(models, {"Zr-Cu": WINDOW}, 1e-3, [factors])
    # The right model, but the run's distance window is wider than the one built for.
    factors = tmp_path / "m.std.npz"
    write_std_factors(models.models["Zr-Cu"].model, model_path, WINDOW, factors)
    with pytest.raises(InputError, match=r"m\.std\.npz.*distance range.*std_factors"):
        _std(models, [factors], soap, _bonds(rng, len(soap), 10), window=(2.0, 4.0))


def test_a_model_without_low_rank_structure_records_the_exact_std(tmp_path) -> None:
    rng = np.random.default_rng(3)
    soap = np.abs(rng.normal(size=(300, 40)))
    soap /= np.linalg.norm(soap, axis=1, keepdims=True)
    model_path = _saved_model(rng, soap, tmp_path / "m.model.npz", n_train=200)
    models = FittedModels.load([model_path])
    factors = tmp_path / "m.std.npz"
    assert write_std_factors(models.models["Zr-Cu"].model, model_path, WINDOW, factors) is None
    bonds = _bonds(rng, len(soap), 100)
    std, predictor = _std(models, [factors], soap, bonds)
    assert predictor.low_rank is None
    assert predictor.std_method(100).startswith("exact")
    np.testing.assert_allclose(std, _std(models, (), soap, bonds)[0], rtol=1e-12)


def test_a_file_that_is_not_std_factors_is_named(tmp_path) -> None:
    rng = np.random.default_rng(4)
    model_path = _saved_model(rng, _soap(rng, 100), tmp_path / "m.model.npz")
    broken = tmp_path / "m.std.npz"
    broken.write_bytes(b"not a zip archive")
    with pytest.raises(InputError, match=r"m\.std\.npz.*not a readable \.npz"):
        BondPredictor(FittedModels.load([model_path]), {"Zr-Cu": WINDOW}, 1e-3, [broken])


def test_a_file_of_the_previous_format_is_refused_with_the_rebuild_command(tmp_path) -> None:
    rng, soap, models, factors, _ = _model_with_factors(tmp_path, seed=5)
    # Version 2 files had no SOAP counts per distance direction, T as (m, K' r), and another
    # format line.
    with np.load(factors) as stored:
        content = {name: stored[name] for name in stored.files if name != "soap_counts"}
    content["format"] = np.array("glassbonds low-rank std 2")
    with open(factors, "wb") as stream:
        np.savez(stream, **content)
    with pytest.raises(InputError, match=r"m\.std\.npz.*low-rank std 3.*snakemake -R std_factors"):
        _std(models, [factors], soap, _bonds(rng, len(soap), 10))


def test_rule_std_factors_declares_the_format_the_package_writes() -> None:
    # The rule's params carry the format so that a new format reruns it (params trigger).
    rules = Path(__file__).resolve().parents[2] / "workflow" / "rules" / "inference.smk"
    assert f'file_format="{FORMAT}",' in rules.read_text()
