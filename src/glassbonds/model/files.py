"""Model files: one fitted bond-type model per NumPy ``.npz`` (no pickle).

THE CONTRACT WITH FAST INFERENCE. Every model file, whatever model produced it (study kernel,
baseline + GP, joint model over bond types, calibrated or not), reduces to this canonical form
for a bond x* of the file's bond type with length d* (angstrom) and summed SOAP
s* = pA* + pB* of its two atoms:

    mean(x*) = baseline(d*) + sum_i alpha_i * k*_i                                   (eV)
    k*_i     = g(d*, d_i) * (0.25 * s* . q_i) ** zeta                     (study kernel)
    g        = exp(-(d* - d_i)^2 / (2 sigma^2))   ("se"/"ou": g alone, no SOAP factor)
    std(x*)  = std_scale * sqrt(amplitude * max(k(x*,x*) - |L^-1 k*|^2, 0) + noise_variance)
    k(x*,x*) = (0.25 * s* . s*) ** zeta

Arrays (n training bonds or Nystrom landmarks, F SOAP features):

* ``train_distance`` (n,) d_i, angstrom.
* ``train_soap_sum`` (n, F) q_i: the *effective* summed SOAP of training bond i. For the
  study kernel q_i = pA_i + pB_i. A joint model over bond types folds its type correlation
  into it: q_i = rho(t, t_i) ** (1 / zeta) * (pA_i + pB_i), rho the fitted correlation
  between the file's bond type t and the type t_i of training bond i (rho(t, t) = 1), so
  k*_i above is exactly the joint kernel between x* and bond i; ``train_type_factor``
  (n,) keeps rho(t, t_i) for the record (all 1 for single-type models; absent in old files).
* ``alpha`` (n,) weights, eV.
* ``cholesky`` (n, n) lower-triangular L with L L^T = K + noise I over the training bonds
  (for joint models: the joint K of all types; only L is needed, never K itself).
* ``landmark_cholesky`` (m, m) only for Nystrom models (``kernel.py``, DTC variance).

JSON ``meta``:

* ``format``: ``glassbonds-kernel-model/2`` (``/1`` files are read with the defaults below).
* ``params``: estimator parameters (kernel, zeta, sigma, gamma, nystrom_landmarks,
  random_state, baseline kind).
* ``noise``: the regularisation added to K's diagonal (kernel units).
* ``baseline``: ``{"kind": "none"|"constant"|"exponential", "params": {...}}`` evaluated by
  :class:`glassbonds.model.baseline.Baseline` (exponential: a exp(-b (d - d0)) + c, eV,
  b in 1/angstrom). Default ``none`` (0 eV).
* ``amplitude``: dimensionless prior variance factor of the kernel. Default 1.
* ``noise_variance``: eV^2, LOBSTER-value noise inside the std. Default 0.
* ``std_scale``: dimensionless calibration factor from grouped CV. Default 1.
* ``type_factors``: ``{bond type: rho}`` of a joint model (default ``{}``).
* ``metadata``: the caller's (bond type, descriptor parameters, ``training_database``,
  hyperparameters, ...).

Defaults (baseline none, amplitude 1, noise_variance 0, std_scale 1, factors 1) reproduce the
models written before these fields existed, bit for bit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from glassbonds.errors import InputError
from glassbonds.files import atomic_path
from glassbonds.model.baseline import Baseline

if TYPE_CHECKING:  # kernel.py re-exports this module's functions: import it lazily
    from glassbonds.model.kernel import SoapBondKernelRegressor

MODEL_FORMAT = "glassbonds-kernel-model/2"
READABLE_FORMATS = ("glassbonds-kernel-model/1", MODEL_FORMAT)


def save_model(model: SoapBondKernelRegressor, path: str | Path, metadata: dict) -> None:
    """Write a fitted model (see the module docstring for every field), atomically.

    ``metadata`` must be JSON-serialisable. Floats go through JSON's shortest round-trip
    repr, so a loaded model predicts bit for bit the same.
    """
    if not hasattr(model, "alpha_"):
        raise InputError(path, "cannot save an unfitted model", "fit it first")
    meta = {
        "format": MODEL_FORMAT,
        "params": model.get_params(),
        "noise": model.noise_,
        "n_features_in": model.n_features_in_,
        "baseline": getattr(model, "baseline_", Baseline()).as_dict(),
        "amplitude": float(getattr(model, "amplitude_", 1.0)),
        "noise_variance": float(getattr(model, "noise_variance_", 0.0)),
        "std_scale": float(getattr(model, "std_scale_", 1.0)),
        "type_factors": dict(getattr(model, "type_factors_", {})),
        "metadata": metadata,
    }
    try:
        meta_text = json.dumps(meta)
    except TypeError as error:
        raise InputError(
            path,
            f"model metadata is not JSON-serialisable ({error})",
            "pass plain numbers, strings, lists and dicts",
        ) from None
    arrays = {
        "train_distance": model.train_distance_,
        "train_soap_sum": model.train_soap_sum_,
        "alpha": model.alpha_,
        "cholesky": model.cholesky_,
    }
    factor = getattr(model, "train_type_factor_", None)
    if factor is not None:
        arrays["train_type_factor"] = factor
    if model.landmark_cholesky_ is not None:
        arrays["landmark_cholesky"] = model.landmark_cholesky_
    with atomic_path(path) as tmp, open(tmp, "wb") as stream:
        np.savez(stream, meta=np.array(meta_text), **arrays)


def load_model(path: str | Path) -> tuple[SoapBondKernelRegressor, dict[str, Any]]:
    """Read a model written by :func:`save_model`: (fitted model, metadata dict)."""
    from glassbonds.model.kernel import SoapBondKernelRegressor

    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") not in READABLE_FORMATS:
                raise ValueError(f"format {meta.get('format')!r}")
            model = SoapBondKernelRegressor(**meta["params"])
            model.train_distance_ = data["train_distance"]
            model.train_soap_sum_ = data["train_soap_sum"]
            model.alpha_ = data["alpha"]
            model.cholesky_ = data["cholesky"]
            model.landmark_cholesky_ = (
                data["landmark_cholesky"] if "landmark_cholesky" in data.files else None
            )
            model.train_type_factor_ = (
                data["train_type_factor"] if "train_type_factor" in data.files else None
            )
        model.baseline_ = Baseline.from_dict(meta.get("baseline"))
    except (OSError, ValueError, KeyError, TypeError, InputError) as error:
        raise InputError(
            path,
            f"not a kernel model file of this workflow ({error})",
            "delete it and rerun the fit rule",
        ) from None
    model.noise_ = float(meta["noise"])
    model.n_features_in_ = int(meta["n_features_in"])
    model.amplitude_ = float(meta.get("amplitude", 1.0))
    model.noise_variance_ = float(meta.get("noise_variance", 0.0))
    model.std_scale_ = float(meta.get("std_scale", 1.0))
    model.type_factors_ = dict(meta.get("type_factors", {}))
    return model, meta["metadata"]
