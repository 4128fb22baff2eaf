"""Calibrated predictive std: what the std of a prediction means, fitted on grouped CV.

The kernel model's latent variance v(x) = k(x,x) - k_*^T (K + noise I)^-1 k_* (``kernel.py``)
measures how far a bond is from the training data, in kernel units. The error of a
prediction against a LOBSTER value held out with its whole DFT cell is modelled as
Gaussian with variance ``amplitude * v(x) + noise_variance`` (eV^2): ``amplitude`` scales
the kernel's prior variance, ``noise_variance`` is the part no model of these features
explains (LOBSTER and cell-to-cell scatter). Both are fitted by maximum likelihood on the
grouped-CV errors; then, keeping that total variance, the share given to the noise term and
a factor ``std_scale`` are chosen so that the worse of the two shares of held-out errors
within 1 and 2 std misses 0.68 and 0.95 by the least (errors of bond strengths are heavier
tailed than a Gaussian, so one scale alone cannot hit both). The std written by ``fit``,
inference and ``validate_cell`` is

    std(x) = std_scale * sqrt(amplitude * v(x) + noise_variance)      (eV).

Reported coverages are honest: each fold's errors are judged with a calibration fitted on
the other folds only (:func:`cross_calibrated_std`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

TARGETS = {1.0: 0.68, 2.0: 0.95}
SCALES = np.linspace(0.5, 3.0, 251)
TIE = 0.01  # coverage misses below this are not told apart


@dataclass(frozen=True)
class Calibration:
    """``amplitude`` (dimensionless), ``noise_variance`` (eV^2), ``std_scale`` (dimensionless)."""

    amplitude: float = 1.0
    noise_variance: float = 0.0
    std_scale: float = 1.0

    def std(self, latent_variance: np.ndarray) -> np.ndarray:
        """Calibrated std (eV) from latent variances (kernel units)."""
        variance = self.amplitude * np.maximum(latent_variance, 0.0) + self.noise_variance
        return self.std_scale * np.sqrt(variance)

    def apply(self, model) -> None:
        """Set the model's calibration attributes (written to its file by ``save_model``)."""
        model.amplitude_ = self.amplitude
        model.noise_variance_ = self.noise_variance
        model.std_scale_ = self.std_scale

    def as_dict(self) -> dict:
        return {key: float(value) for key, value in asdict(self).items()}


def fit_calibration(error: np.ndarray, latent_variance: np.ndarray) -> Calibration:
    """Maximum-likelihood amplitude and noise variance, then the coverage-matching noise share
    and scale (module docstring)."""
    error = np.asarray(error, dtype=float)
    v = np.maximum(np.asarray(latent_variance, dtype=float), 0.0)
    if error.size < 2:
        return Calibration()
    scale = float(np.mean(error**2))

    def loss(log_params: np.ndarray) -> float:
        amplitude, noise = np.exp(log_params)
        variance = amplitude * v + noise * scale
        return float(np.sum(np.log(variance) + error**2 / variance))

    start = np.log([max(scale / max(float(np.mean(v)), 1e-12), 1e-12) * 0.5, 0.5])
    result = minimize(loss, start, method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-6})
    amplitude, noise = np.exp(result.x)
    # Keep the likelihood's total variance, vary the share f given to the noise term and the
    # scale: choose the pair whose worst coverage miss (1 or 2 std) is smallest; ties (misses
    # under TIE) go to the share nearest the likelihood's and the scale nearest 1.
    total = float(np.mean(amplitude * v)) + noise * scale
    ml_share = noise * scale / total
    mean_v = max(float(np.mean(v)), 1e-300)
    best = None
    for share in np.unique(np.append(np.linspace(0.0, 1.0, 21), ml_share)):
        a = (1.0 - share) * total / mean_v
        n = share * total
        base = np.sqrt(a * v + n)
        if np.any(base <= 0):
            continue
        ratio = np.abs(error) / base
        for s in SCALES:
            miss = max(abs(np.mean(ratio <= k * s) - t) for k, t in TARGETS.items())
            # Misses under TIE are equally good: then keep the likelihood's share and scale.
            key = (max(miss, TIE), abs(share - ml_share), abs(s - 1.0))
            if best is None or key < best[0]:
                best = (key, Calibration(float(a), float(n), float(s)))
    return best[1] if best else Calibration(float(amplitude), float(noise * scale), 1.0)


def cross_calibrated_std(predictions: pd.DataFrame) -> np.ndarray:
    """Calibrated std (eV) of each held-out prediction, the calibration of its model and bond
    type fitted on the other folds' errors (columns model, bond_type, fold, target,
    predicted, std = latent std with amplitude 1)."""
    out = np.full(len(predictions), np.nan)
    for _, part in predictions.groupby(["model", "bond_type"], sort=False):
        error = (part["predicted"] - part["target"]).to_numpy()
        variance = part["std"].to_numpy() ** 2
        folds = part["fold"].to_numpy()
        for fold in np.unique(folds):
            held = folds == fold
            others = ~held
            calibration = fit_calibration(error[others], variance[others])
            out[part.index[held]] = calibration.std(variance[held])
    return out


def calibrations(predictions: pd.DataFrame) -> dict[tuple[str, str], Calibration]:
    """Calibration per (model, bond type) fitted on all folds' errors: for the final models."""
    return {
        key: fit_calibration(
            (part["predicted"] - part["target"]).to_numpy(), part["std"].to_numpy() ** 2
        )
        for key, part in predictions.groupby(["model", "bond_type"], sort=False)
    }
