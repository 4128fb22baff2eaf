"""Per-atom model: the summed -ICOHP of a centre atom's bonds (eV) from its SOAP vector.

A Gaussian process (scikit-learn) on the centre's L2-normalised SOAP vector p with the
SOAP kernel ``amplitude * (p_i . p_j)^zeta`` plus white noise; amplitude and noise are
fitted by log marginal likelihood on the training clusters, the target is centred and
scaled (``normalize_y``). It is judged like the bond models: whole sub-runs are held out
(leave one sub-run out), and the table reports RMSE, MAE, mean error (bias) and the share
of held-out errors within 1 and 2 predicted standard deviations.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, DotProduct, Exponentiation, WhiteKernel
from sklearn.model_selection import LeaveOneGroupOut

from glassbonds.errors import InputError

HELD_OUT_COLUMNS = ["run", "subrun", "centre", "target", "predicted", "std"]


@dataclass(frozen=True)
class PerAtomSettings:
    """The config section ``per_cluster.model`` (the schema's defaults are the project's):
    ``zeta``: power of the SOAP dot product; ``min_clusters``: fewer are not evaluated;
    ``seed`` of the hyperparameter optimiser."""

    zeta: int
    min_clusters: int
    seed: int


def per_atom_regressor(settings: PerAtomSettings) -> GaussianProcessRegressor:
    """The unfitted Gaussian process of one centre element."""
    soap_kernel = Exponentiation(
        DotProduct(sigma_0=0.0, sigma_0_bounds="fixed"), exponent=settings.zeta
    )
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * soap_kernel + WhiteKernel(1e-2, (1e-9, 1e1))
    return GaussianProcessRegressor(
        kernel=kernel, normalize_y=True, n_restarts_optimizer=0, random_state=settings.seed
    )


def grouped_predictions(
    soap: np.ndarray,
    target: np.ndarray,
    groups: np.ndarray,
    settings: PerAtomSettings,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Held-out prediction and std (eV) of every cluster, one sub-run left out at a time,
    and the number of folds whose hyperparameter optimisation warned (bound or iterations)."""
    if len(np.unique(groups)) < 2:
        raise InputError(
            "per-atom model",
            "grouped evaluation needs clusters of at least two sub-runs",
            "add sub-runs to the database",
        )
    predicted = np.empty_like(target, dtype=float)
    std = np.empty_like(target, dtype=float)
    warned = 0
    folds = list(LeaveOneGroupOut().split(soap, target, groups))
    for train, test in progress(folds):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model = per_atom_regressor(settings).fit(soap[train], target[train])
        warned += any(issubclass(w.category, ConvergenceWarning) for w in caught)
        predicted[test], std[test] = model.predict(soap[test], return_std=True)
    return predicted, std, warned


def error_summary(target: np.ndarray, predicted: np.ndarray, std: np.ndarray) -> dict:
    """RMSE, MAE, bias (mean of predicted - target) and 1/2-std coverage, in eV."""
    error = predicted - target
    ratio = np.abs(error) / np.maximum(std, np.finfo(float).tiny)
    return {
        "n": len(target),
        "rmse_eV": float(np.sqrt(np.mean(error**2))),
        "mae_eV": float(np.mean(np.abs(error))),
        "bias_eV": float(np.mean(error)),
        "coverage_1std": float(np.mean(ratio <= 1.0)),
        "coverage_2std": float(np.mean(ratio <= 2.0)),
        "target_std_eV": float(np.std(target)),
    }


def evaluate_per_atom(
    rows: pd.DataFrame,
    soap: np.ndarray,
    element: str,
    settings: PerAtomSettings,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> tuple[pd.DataFrame, dict]:
    """Leave-one-sub-run-out evaluation of one centre element's clusters.

    ``rows`` has the columns run, subrun, centre and sum_minus_icohp (a PCSSDB store's table),
    ``soap`` the centres' SOAP vectors. Returns (one row per held-out cluster, summary);
    with fewer than ``settings.min_clusters`` clusters the summary says so and has no figures.
    """
    groups = rows["run"].to_numpy() * 1000 + rows["subrun"].to_numpy()
    summary = {"element": element, "clusters": len(rows), "subruns": len(np.unique(groups))}
    if len(rows) < settings.min_clusters:
        summary["note"] = f"fewer than {settings.min_clusters} clusters: not evaluated"
        return pd.DataFrame(columns=HELD_OUT_COLUMNS), summary
    target = rows["sum_minus_icohp"].to_numpy(dtype=float)
    predicted, std, warned = grouped_predictions(soap, target, groups, settings, progress)
    held_out = rows[["run", "subrun", "centre"]].assign(target=target, predicted=predicted, std=std)
    summary.update(error_summary(target, predicted, std), folds_with_optimiser_warnings=warned)
    return held_out, summary
