"""inference/prediction.py: fast predictions equal the models' own predict (baseline,
calibration, other kernels, out-of-range bonds)."""

from __future__ import annotations

import numpy as np
import pytest

from glassbonds.descriptors import soap_vectors
from glassbonds.inference.models import FittedModels
from glassbonds.inference.prediction import BondPredictor
from glassbonds.model.files import save_model
from tests.factories import SPECIES, WINDOWS
from tests.inference.test_frames import PARAMETERS, _fit, _reference, _structure


@pytest.mark.parametrize("with_std", [False, True])
def test_fast_predictions_equal_model_predict(trained, with_std: bool) -> None:
    models = FittedModels.load(trained, SPECIES)
    bonds, soap, mean, std = _reference(models, _structure(5), with_std)
    predictor = BondPredictor(models, WINDOWS)
    assert all(p.uses_series for p in predictor.predictors.values())
    result = predictor.predict(soap, bonds, with_std)
    assert result.has_model.all()
    np.testing.assert_allclose(result.mean, mean, rtol=1e-8, atol=0)
    if with_std:
        np.testing.assert_allclose(result.std, std, rtol=1e-8, atol=1e-10)
        assert np.all(std > 0)  # the test structure is not the training structure


def test_other_kernels_and_out_of_range_bonds_fall_back_to_predict(tmp_path) -> None:
    training, atoms = _structure(3), _structure(4)
    soap_train = soap_vectors(training, PARAMETERS)
    variants = {
        "Zr-Zr": {"zeta": 2.0},  # no series for zeta != 1
        "Cu-Cu": {"kernel": "se"},
        "Zr-Cu": {"nystrom_landmarks": 20, "sigma": 1.0},  # series mean, predict for std
        "Zr-Al": {},
    }
    paths = {}
    for name, hyper in variants.items():
        paths[name] = tmp_path / f"{name}.npz"
        save_model(_fit(name, training, soap_train, **hyper), paths[name], {"bond_type": name})
    models = FittedModels.load(paths, SPECIES)
    # A Zr-Al window narrower than the bonds it is given: bonds outside the series range.
    windows = dict(WINDOWS, **{"Zr-Al": (3.0, 3.1)})
    for with_std in (False, True):
        bonds, soap, mean, std = _reference(models, atoms, with_std)
        predictor = BondPredictor(models, windows)
        assert not predictor.predictors["Zr-Zr"].uses_series
        zr_al = predictor.predictors["Zr-Al"]
        zr_al_rows = bonds.bond_type == bonds.type_names.index("Zr-Al")
        assert not zr_al.in_range(bonds.distance[zr_al_rows]).all()
        result = predictor.predict(soap, bonds, with_std)
        modelled = result.has_model
        assert modelled.sum() == sum(bonds.counts()[name] for name in variants)
        np.testing.assert_allclose(result.mean[modelled], mean[modelled], rtol=1e-8, atol=0)
        assert np.isnan(result.mean[~modelled]).all()
        if with_std:
            np.testing.assert_allclose(result.std[modelled], std[modelled], rtol=1e-8, atol=1e-10)
            # The .info's record of how each type's std was computed.
            lines = predictor.std_lines()
            assert [line.split(":")[0] for line in lines] == [
                f"# predictive std {name}" for name in sorted(variants)
            ]
            for name in ("Zr-Zr", "Cu-Cu", "Zr-Cu"):  # zeta 2, SE kernel, Nystrom
                assert f"# predictive std {name}: the model's own exact std" in lines


@pytest.mark.parametrize("with_std", [False, True])
def test_fast_paths_apply_the_baseline_and_the_calibrated_std(tmp_path, with_std: bool) -> None:
    """A model with an exponential baseline and a calibration (model file contract)."""
    training = _structure(11)
    soap = soap_vectors(training, PARAMETERS)
    paths = {}
    for name in ("Zr-Cu", "Cu-Cu"):
        model = _fit(name, training, soap, sigma=0.5, gamma=0.01, baseline="exponential")
        model.amplitude_, model.noise_variance_, model.std_scale_ = 2.5, 1e-3, 1.7
        paths[name] = tmp_path / f"{name}.npz"
        save_model(
            model, paths[name], {"bond_type": name, "descriptor_parameters": PARAMETERS.as_dict()}
        )
    models = FittedModels.load(paths, SPECIES)
    assert models.models["Zr-Cu"].model.baseline_.kind == "exponential"
    bonds, soap, mean, std = _reference(models, _structure(5), with_std)
    result = BondPredictor(models, WINDOWS).predict(soap, bonds, with_std)
    modelled = result.has_model
    np.testing.assert_allclose(result.mean[modelled], mean[modelled], rtol=1e-8, atol=1e-12)
    if with_std:
        np.testing.assert_allclose(result.std[modelled], std[modelled], rtol=1e-8)
