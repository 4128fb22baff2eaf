"""Grouped evaluation: cross-validation that holds out whole DFT cells, never random bonds.

Bonds of one cell share atoms and SOAP environments, so a random split of one database puts
near-copies of test bonds into training and flatters the RMSE. Here every fold holds out
whole groups: sub-runs (``"<source>/<run>/<subrun>"``, the default), whole MD runs
(``level="run"``) or whole compositions (``level="source"``) where a database has several.
The folds are defined on the group labels once, so every bond type and every model sees the
same folds.

Per bond type and model: RMSE, MAE, mean error (bias, predicted - target), and the coverage
of the 1- and 2-std intervals (share of held-out |error| <= k * std); units eV.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from glassbonds.errors import InputError
from glassbonds.model.bonds import BondSet

LEVELS = ("subrun", "run", "source")


def group_level(groups: np.ndarray, level: str = "subrun") -> np.ndarray:
    """Group labels at ``level``: ``source/run/subrun`` -> ``source/run`` -> ``source``."""
    if level not in LEVELS:
        raise InputError("evaluation level", f"unknown level {level!r}", f"use one of {LEVELS}")
    keep = {"subrun": 3, "run": 2, "source": 1}[level]
    return np.array(["/".join(str(g).split("/")[:keep]) for g in groups])


@dataclass(frozen=True)
class Fold:
    """One grouped fold: the held-out group labels (the rest is training)."""

    number: int
    test_groups: tuple[str, ...]

    def split(self, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(train, test) indices of bonds whose group labels are ``groups``."""
        test = np.isin(groups, self.test_groups)
        return np.nonzero(~test)[0], np.nonzero(test)[0]


def grouped_folds(labels: Sequence[str], n_folds: int | None = None, seed: int = 0) -> list[Fold]:
    """Folds over distinct group ``labels``: leave one group out (``n_folds`` None or >= the
    number of groups), else the groups shuffled with ``seed`` and dealt into ``n_folds``."""
    distinct = sorted(set(map(str, labels)))
    if len(distinct) < 2:
        raise InputError(
            "grouped cross-validation",
            f"needs at least 2 DFT cells (groups), got {len(distinct)}",
            "add sub-runs to the training database",
        )
    if n_folds is None or n_folds >= len(distinct):
        return [Fold(k, (g,)) for k, g in enumerate(distinct)]
    if n_folds < 2:
        raise InputError("cv folds", f"needs >= 2 folds, got {n_folds}", "set folds to 2 or more")
    order = np.random.default_rng(seed).permutation(len(distinct))
    return [Fold(k, tuple(sorted(distinct[i] for i in order[k::n_folds]))) for k in range(n_folds)]


def bond_groups(bonds: BondSet, level: str = "subrun") -> np.ndarray:
    """The group label of every bond of ``bonds`` at ``level`` (error without groups)."""
    if bonds.groups is None:
        raise InputError(
            f"{bonds.database} {bonds.bond_type}".strip(),
            "bonds carry no DFT-cell labels",
            "load them with load_bond_set from a database store",
        )
    return group_level(bonds.groups, level)


# A model factory: (training bonds by type, the bond type to predict) -> a fitted predictor
# whose ``predict(X, return_std=True)`` gives mean and latent-based std (eV).
ModelFactory = Callable[[Mapping[str, BondSet], str], object]


def cross_validate(
    bonds: Mapping[str, BondSet],
    models: Mapping[str, ModelFactory],
    folds: Sequence[Fold],
    level: str = "subrun",
    progress: Callable[[str], None] = lambda message: None,
    predict_types: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Held-out predictions of every model, bond type and fold (the same folds for all).

    Returns one row per held-out bond: model, bond_type, fold, group, distance, target,
    predicted, std (eV; the model's std as it stands, calibration is applied afterwards).
    ``predict_types``: the bond types predicted (default all; the others only train).
    """
    rows = []
    for fold in folds:
        train = {}
        for bond_type, bond_set in bonds.items():
            train_idx, _ = fold.split(bond_groups(bond_set, level))
            train[bond_type] = bond_set.take(train_idx)
        for name, factory in models.items():
            for bond_type, bond_set in bonds.items():
                if predict_types is not None and bond_type not in predict_types:
                    continue
                groups = bond_groups(bond_set, level)
                train_idx, test_idx = fold.split(groups)
                if len(test_idx) == 0 or len(train_idx) == 0:
                    continue
                model = factory(train, bond_type)
                test = bond_set.take(test_idx)
                mean, std = model.predict(test.features(), return_std=True)
                rows.append(
                    pd.DataFrame(
                        {
                            "model": name,
                            "bond_type": bond_type,
                            "fold": fold.number,
                            "group": groups[test_idx],
                            "distance": test.distance,
                            "target": test.target,
                            "predicted": mean,
                            "std": std,
                        }
                    )
                )
            progress(f"fold {fold.number + 1}/{len(folds)} {name}")
    if not rows:
        raise InputError("grouped cross-validation", "no fold had test bonds", "check the folds")
    return pd.concat(rows, ignore_index=True)


def coverage(error: np.ndarray, std: np.ndarray, k: float) -> float:
    """Share of errors with |error| <= k * std (std > 0 assumed; NaN for no errors)."""
    error, std = np.asarray(error, dtype=float), np.asarray(std, dtype=float)
    return float(np.mean(np.abs(error) <= k * std)) if error.size else float("nan")


def metrics(predictions: pd.DataFrame, std_column: str = "std") -> pd.DataFrame:
    """Per model and bond type: n_bonds, n_groups, rmse_eV, mae_eV, bias_eV, coverage_1std,
    coverage_2std (errors predicted - target)."""
    out = []
    for (model, bond_type), part in predictions.groupby(["model", "bond_type"], sort=False):
        error = (part["predicted"] - part["target"]).to_numpy()
        out.append(
            {
                "model": model,
                "bond_type": bond_type,
                "n_bonds": len(part),
                "n_groups": part["group"].nunique(),
                "rmse_eV": float(np.sqrt(np.mean(error**2))),
                "mae_eV": float(np.mean(np.abs(error))),
                "bias_eV": float(np.mean(error)),
                "coverage_1std": coverage(error, part[std_column], 1.0),
                "coverage_2std": coverage(error, part[std_column], 2.0),
            }
        )
    return pd.DataFrame(out)


# ----------------------------------------------------------------------------- model comparison

MODEL_NAMES = ("study", "baseline", "joint", "selected")


def model_factories(
    names: Sequence[str],
    study: Mapping[str, object],
    chosen: Mapping[str, object],
    bonds: Mapping[str, BondSet],
    cap: int | None = 2000,
    seed: int = 0,
) -> dict[str, ModelFactory]:
    """Factories of the compared models (uncalibrated: coverage is cross-calibrated after):

    * ``study``: the config's hyperparameters per type (``Hyperparameters``), no baseline;
    * ``baseline``: the same with the exponential baseline (``baseline.py``);
    * ``selected``: the grouped-CV choice per type (``ChosenModel`` of its file);
    * ``joint``: the chosen hyperparameters in the joint model, correlations per pair of
      types fitted by log marginal likelihood on ``bonds`` (``joint.py``).
    """
    from dataclasses import replace

    from glassbonds.model.hyperparameters import ChosenModel
    from glassbonds.model.joint import fit_correlations, helper_types

    unknown = set(names) - set(MODEL_NAMES)
    if unknown:
        raise InputError(
            "model.evaluation.models", f"unknown {sorted(unknown)}", f"use {MODEL_NAMES}"
        )
    present = [t for t in bonds if len(bonds[t])]
    specs: dict[str, dict[str, ChosenModel]] = {}
    if "study" in names:
        specs["study"] = {t: ChosenModel(t, study[t]) for t in bonds}
    if "baseline" in names:
        specs["baseline"] = {
            t: ChosenModel(t, replace(study[t], baseline="exponential")) for t in bonds
        }
    if "selected" in names:
        specs["selected"] = {
            t: ChosenModel(t, chosen[t].hyperparameters, chosen[t].joint_correlations)
            for t in bonds
        }
    if "joint" in names:
        specs["joint"] = {}
        for t in bonds:
            hp = chosen[t].hyperparameters if t in chosen else study[t]
            correlations = chosen[t].joint_correlations if t in chosen else {}
            if not correlations:
                correlations = fit_correlations(bonds, t, hp, helper_types(t, present), seed=seed)
            specs["joint"][t] = ChosenModel(t, hp, correlations)

    def factory(spec: Mapping[str, ChosenModel]) -> ModelFactory:
        return lambda train, bond_type: spec[bond_type].fit(train, cap, seed)

    return {name: factory(specs[name]) for name in names}


def compare_models(predictions: pd.DataFrame) -> pd.DataFrame:
    """Grouped-CV metrics of every model and bond type from the held-out predictions of
    :func:`cross_validate` (all models on the same folds), coverage from cross-fold
    calibrated std (``calibration.cross_calibrated_std``)."""
    from glassbonds.model.calibration import cross_calibrated_std

    predictions = predictions.copy()
    predictions["std"] = cross_calibrated_std(predictions)
    return metrics(predictions)


def learning_curve_by_subruns(
    bonds: Mapping[str, BondSet],
    factory: ModelFactory,
    folds: Sequence[Fold],
    counts: Sequence[int],
    level: str = "subrun",
    seed: int = 0,
) -> pd.DataFrame:
    """Grouped-CV RMSE (eV) per bond type against the number of DFT cells (sub-runs) used
    for training: for each fold, ``n`` cells drawn (seeded) from its training cells.
    Columns n_subruns, bond_type, n_bonds_train (mean per fold), rmse_eV."""
    rows = []
    labels = sorted({g for b in bonds.values() for g in bond_groups(b, level)})
    rng = np.random.default_rng(seed)
    for count in sorted(set(int(c) for c in counts)):
        for fold in folds:
            pool = [g for g in labels if g not in fold.test_groups]
            if count > len(pool):
                continue
            kept = set(rng.choice(pool, size=count, replace=False).tolist())
            train = {
                t: b.take(np.nonzero(np.isin(bond_groups(b, level), list(kept)))[0])
                for t, b in bonds.items()
            }
            for bond_type, bond_set in bonds.items():
                _, test_idx = fold.split(bond_groups(bond_set, level))
                if len(test_idx) == 0 or len(train[bond_type]) < 2:
                    continue
                test = bond_set.take(test_idx)
                predicted = factory(train, bond_type).predict(test.features())
                rows.append(
                    {
                        "n_subruns": count,
                        "bond_type": bond_type,
                        "fold": fold.number,
                        "n_bonds_train": len(train[bond_type]),
                        "sq_error": float(np.sum((predicted - test.target) ** 2)),
                        "n_test": len(test_idx),
                    }
                )
    table = pd.DataFrame(rows)
    if table.empty:
        return pd.DataFrame(columns=["n_subruns", "bond_type", "n_bonds_train", "rmse_eV"])
    grouped = table.groupby(["n_subruns", "bond_type"], sort=True)
    return pd.DataFrame(
        {
            "n_bonds_train": grouped["n_bonds_train"].mean(),
            "rmse_eV": np.sqrt(grouped["sq_error"].sum() / grouped["n_test"].sum()),
        }
    ).reset_index()
