"""Hyperparameters chosen by grouped cross-validation and written to a file the fits use.

For one bond type, every candidate of the grid (zeta, sigma in angstrom, gamma, baseline kind)
is scored by the pooled RMSE (eV) of its predictions on held-out DFT cells (the folds of
``evaluation.py``, the same for every candidate). The best candidate is then compared with the
joint model over bond types (``joint.py``: correlations per pair of types fitted by log
marginal likelihood) at the same hyperparameters, and the joint model is kept only if its
grouped-CV RMSE is lower. The chosen candidate's held-out errors give the calibration of the
std (``calibration.py``). Everything is written to one JSON file (:class:`ChosenModel`) that
rule ``fit`` reads: the fitted model uses exactly these values.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from glassbonds.errors import InputError
from glassbonds.files import write_text
from glassbonds.model.bonds import BondSet, Hyperparameters
from glassbonds.model.calibration import Calibration, cross_calibrated_std, fit_calibration
from glassbonds.model.evaluation import Fold, cross_validate, metrics
from glassbonds.model.figures import pyplot_free_figure, save_figure
from glassbonds.model.joint import fit_correlations, fit_joint, helper_types
from glassbonds.model.kernel import SoapBondKernelRegressor

GRID_KEYS = ("zeta", "sigma", "gamma", "baseline")


def subsample(bonds: BondSet, cap: int | None, seed: int) -> BondSet:
    """At most ``cap`` bonds drawn with ``seed`` (all when ``cap`` is None)."""
    if cap is None or len(bonds) <= cap:
        return bonds
    return bonds.take(np.sort(np.random.default_rng(seed).permutation(len(bonds))[:cap]))


@dataclass
class ChosenModel:
    """What the fit of one bond type uses: hyperparameters, joint correlations (empty: the
    single-type model), calibration of the std, and the grouped-CV scores it was chosen by."""

    bond_type: str
    hyperparameters: Hyperparameters
    joint_correlations: dict[str, float] = field(default_factory=dict)
    calibration: Calibration = field(default_factory=Calibration)
    cv: dict = field(default_factory=dict)

    def fit(
        self, train: Mapping[str, BondSet], cap: int | None = 2000, seed: int = 0
    ) -> SoapBondKernelRegressor:
        """Fit on ``train`` (bonds by type; helper types used only by a joint model) and apply
        the calibration."""
        if self.joint_correlations:
            model = fit_joint(
                train, self.bond_type, self.hyperparameters, self.joint_correlations, cap, seed=seed
            )
        else:
            bonds = subsample(train[self.bond_type], cap, seed)
            model = self.hyperparameters.estimator().fit(bonds.features(), bonds.target)
        self.calibration.apply(model)
        return model

    def as_dict(self) -> dict:
        return {
            "bond_type": self.bond_type,
            "hyperparameters": asdict(self.hyperparameters),
            "joint_correlations": dict(self.joint_correlations),
            "calibration": self.calibration.as_dict(),
            "cv": self.cv,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> ChosenModel:
        return cls(
            bond_type=str(data["bond_type"]),
            hyperparameters=Hyperparameters(**data["hyperparameters"]),
            joint_correlations={k: float(v) for k, v in data.get("joint_correlations", {}).items()},
            calibration=Calibration(**data.get("calibration", {})),
            cv=dict(data.get("cv", {})),
        )


def write_chosen(chosen: ChosenModel, path: str | Path) -> None:
    write_text(path, json.dumps(chosen.as_dict(), indent=2) + "\n")


def read_chosen(path: str | Path) -> ChosenModel:
    """Read a file of :func:`write_chosen`; one clear line when it is not one."""
    try:
        return ChosenModel.from_dict(json.loads(Path(path).read_text()))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(
            path, f"not a chosen-hyperparameters file ({error})", "rerun select_hyperparameters"
        ) from None


def candidates(
    grid: Mapping[str, Sequence], kernel: str = "soap_distance"
) -> list[Hyperparameters]:
    """Every combination of the grid's zeta, sigma, gamma and baseline values (config
    section ``model.grid``, whose schema defaults give every key)."""
    unknown = set(grid) - set(GRID_KEYS)
    if unknown:
        raise InputError("model.grid", f"unknown keys {sorted(unknown)}", f"use {list(GRID_KEYS)}")
    missing = [key for key in GRID_KEYS if key not in grid]
    if missing:
        raise InputError("model.grid", f"missing keys {missing}", f"give all of {list(GRID_KEYS)}")
    values = [list(grid[key]) for key in GRID_KEYS]
    return [
        Hyperparameters(float(z), float(s), float(g), kernel, str(b))
        for z, s, g, b in itertools.product(*values)
    ]


def _single(hp: Hyperparameters, cap: int | None, seed: int):
    def factory(train, bond_type):
        return ChosenModel(bond_type, hp).fit(train, cap, seed)

    return factory


def select_grouped(
    bonds: Mapping[str, BondSet],
    bond_type: str,
    grid: Mapping[str, Sequence],
    folds: Sequence[Fold],
    cap: int | None = 2000,
    seed: int = 0,
    try_joint: bool = True,
    kernel: str = "soap_distance",
    level: str = "subrun",
    progress: Callable[[str], None] = print,
) -> tuple[ChosenModel, pd.DataFrame]:
    """Grouped-CV choice for ``bond_type``: (chosen model, scores of every candidate)."""
    target = {bond_type: bonds[bond_type]}
    rows, predictions = [], {}
    for hp in candidates(grid, kernel):
        name = f"{hp.zeta:g}-{hp.sigma:g}-{hp.gamma:g}-{hp.baseline}"
        pred = cross_validate(target, {name: _single(hp, cap, seed)}, folds, level)
        predictions[name] = pred
        score = metrics(pred).iloc[0]
        rows.append({**asdict(hp), "joint": False, "rmse_eV": score["rmse_eV"]})
        progress(f"{bond_type} {name}: grouped-CV RMSE {score['rmse_eV']:.5f} eV")
    scores = pd.DataFrame(rows)
    best = int(scores["rmse_eV"].idxmin())
    hp = candidates(grid, kernel)[best]
    chosen = ChosenModel(bond_type, hp)
    best_pred = predictions[list(predictions)[best]]
    helpers = helper_types(bond_type, [t for t in bonds if len(bonds[t])])
    if try_joint and helpers:
        correlations = fit_correlations(bonds, bond_type, hp, helpers, seed=seed)
        joint = ChosenModel(bond_type, hp, correlations)
        pred = cross_validate(
            bonds_for_joint(bonds, bond_type, helpers),
            {"joint": lambda train, t: joint.fit(train, cap, seed)},
            folds,
            level,
            predict_types=[bond_type],
        )
        rmse = metrics(pred).iloc[0]["rmse_eV"]
        progress(f"{bond_type} joint {correlations}: grouped-CV RMSE {rmse:.5f} eV")
        scores.loc[len(scores)] = {**asdict(hp), "joint": True, "rmse_eV": rmse}
        if rmse < scores.loc[best, "rmse_eV"]:
            chosen, best_pred, best = joint, pred, len(scores) - 1
    scores["chosen"] = np.arange(len(scores)) == best
    chosen.calibration = fit_calibration(
        (best_pred["predicted"] - best_pred["target"]).to_numpy(), best_pred["std"].to_numpy() ** 2
    )
    best_pred = best_pred.assign(std=cross_calibrated_std(best_pred))
    cv = metrics(best_pred).iloc[0]
    chosen.cv = {
        "level": level,
        "folds": len(folds),
        "cap": cap,
        **{
            k: float(cv[k])
            for k in ("rmse_eV", "mae_eV", "bias_eV", "coverage_1std", "coverage_2std")
        },
    }
    return chosen, scores


def bonds_for_joint(bonds: Mapping[str, BondSet], target: str, helpers: Sequence[str]) -> dict:
    """The target type's bonds first, then its helper types' (what a joint fit needs)."""
    return {target: bonds[target], **{u: bonds[u] for u in helpers}}


def write_scores_plot(scores: pd.DataFrame, bond_type: str, png: str | Path) -> None:
    """Grouped-CV RMSE of every candidate (one line per zeta/baseline, against gamma)."""
    figure = pyplot_free_figure(6, 4.5)
    axes = figure.add_subplot(1, 1, 1)
    single = scores[~scores["joint"].astype(bool)]
    for (zeta, sigma, baseline), line in single.groupby(["zeta", "sigma", "baseline"]):
        line = line.sort_values("gamma")
        axes.plot(
            line["gamma"], line["rmse_eV"], marker="o", label=f"ζ={zeta:g} σ={sigma:g} {baseline}"
        )
    chosen = scores[scores["chosen"]].iloc[0]
    axes.scatter(
        [chosen["gamma"]],
        [chosen["rmse_eV"]],
        s=150,
        facecolors="none",
        edgecolors="r",
        label="chosen" + (" (joint)" if chosen["joint"] else ""),
    )
    axes.set_xscale("log")
    axes.set_xlabel("γ")
    axes.set_ylabel("grouped-CV RMSE of -ICOHP (eV)")
    axes.set_title(f"{bond_type}: hyperparameters by grouped CV")
    axes.legend(fontsize=6)
    figure.tight_layout()
    save_figure(figure, png)
