"""The joint model over bond types: its model file holds the joint kernel."""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_solve

from glassbonds.model.bonds import Hyperparameters
from glassbonds.model.calibration import Calibration
from glassbonds.model.files import load_model, save_model
from glassbonds.model.joint import _joint_matrix, fit_joint
from tests.factories import synthetic_bonds


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
