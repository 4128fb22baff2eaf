"""Physical baseline (mean function) of -ICOHP against bond length, per bond type.

The Gaussian process is fitted to the residual ``y - baseline(d)``, so that far from every
training bond the prediction falls back to the baseline instead of to 0 eV.

Kinds (``Baseline.kind``), ``d`` in angstrom, values in eV:

* ``"none"``: ``0`` (the study's model; the default, reproduces models without a baseline).
* ``"constant"``: ``c`` (the mean -ICOHP of the training bonds).
* ``"exponential"``: ``a * exp(-b * (d - d0)) + c``, ``d0`` the mean training bond length
  (fixed, only for conditioning), ``a``, ``b``, ``c`` least squares (SciPy ``curve_fit``),
  ``b`` in 1/angstrom. -ICOHP decays roughly exponentially with bond length (orbital overlap).

Parameters are stored in model files as ``{"kind": ..., "params": {...}}`` (``files.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import curve_fit

from glassbonds.errors import InputError

BASELINES = ("none", "constant", "exponential")


@dataclass(frozen=True)
class Baseline:
    """A fitted baseline: ``kind`` (one of :data:`BASELINES`) and its parameters."""

    kind: str = "none"
    params: dict = field(default_factory=dict)

    def __call__(self, distance: np.ndarray) -> np.ndarray:
        """Baseline -ICOHP (eV) at bond lengths ``distance`` (angstrom)."""
        distance = np.asarray(distance, dtype=np.float64)
        if self.kind == "none":
            return np.zeros_like(distance)
        if self.kind == "constant":
            return np.full_like(distance, float(self.params["c"]))
        if self.kind == "exponential":
            p = self.params
            return _exponential(distance - float(p["d0"]), p["a"], p["b"], p["c"])
        raise InputError("model baseline", f"unknown kind {self.kind!r}", f"use one of {BASELINES}")

    def as_dict(self) -> dict:
        return {"kind": self.kind, "params": {k: float(v) for k, v in self.params.items()}}

    @classmethod
    def from_dict(cls, data: dict | None) -> Baseline:
        """Inverse of :meth:`as_dict`; ``None`` (old model files) is the ``none`` baseline."""
        if not data:
            return cls()
        if data.get("kind") not in BASELINES:
            raise InputError(
                "model baseline", f"unknown kind {data.get('kind')!r}", f"use one of {BASELINES}"
            )
        return cls(str(data["kind"]), {k: float(v) for k, v in data.get("params", {}).items()})


def _exponential(u: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
    return a * np.exp(-b * u) + c


def fit_baseline(kind: str, distance: np.ndarray, target: np.ndarray) -> Baseline:
    """Least-squares baseline of ``kind`` through bonds (distance in angstrom, -ICOHP in eV).

    An exponential that cannot be fitted (too few bonds, no decay in the data) falls back to the
    mean, recorded as a ``constant`` baseline; never an error.
    """
    distance = np.asarray(distance, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if kind not in BASELINES:
        raise InputError("model baseline", f"unknown kind {kind!r}", f"use one of {BASELINES}")
    if kind == "none" or len(target) == 0:
        return Baseline()
    constant = Baseline("constant", {"c": float(np.mean(target))})
    if kind == "constant" or len(target) < 4 or np.ptp(distance) == 0:
        return constant
    d0 = float(np.mean(distance))
    u = distance - d0
    # Start from a log-linear fit of the positive part: a ~ mean, b ~ 2/angstrom, c ~ 0.
    start = (max(float(np.mean(target)), 1e-3), 2.0, 0.0)
    try:
        (a, b, c), _ = curve_fit(_exponential, u, target, p0=start, maxfev=5000)
    except (RuntimeError, ValueError):
        return constant
    if not np.all(np.isfinite((a, b, c))):
        return constant
    return Baseline("exponential", {"a": float(a), "b": float(b), "c": float(c), "d0": d0})
