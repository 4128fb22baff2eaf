"""Bond sets of one type read from a bond database store, hyperparameter records, checks.

Units: bond lengths in angstrom, -ICOHP in eV (positive = bonding).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glassbonds.database.store import load_store
from glassbonds.errors import InputError
from glassbonds.model.features import bond_feature_matrix
from glassbonds.model.kernel import SoapBondKernelRegressor


@dataclass
class BondSet:
    """The bonds of one type from one database.

    ``distance`` (n,) angstrom; ``soap_a``/``soap_b`` (n, F) SOAP vectors of the two atoms;
    ``target`` (n,) -ICOHP in eV; ``descriptor_parameters`` the SOAP settings the vectors were
    made with (compared before mixing databases); ``bond_type`` e.g. ``"Zr-Cu"``;
    ``database`` the database name used in output names (e.g. ``Zr49Cu49Al2`` or ``DB4``);
    ``groups`` (n,) the DFT cell of each bond, ``"<source>/<run>/<subrun>"`` (grouped CV holds
    whole cells out; ``None`` when unknown).
    """

    distance: np.ndarray
    soap_a: np.ndarray
    soap_b: np.ndarray
    target: np.ndarray
    descriptor_parameters: dict
    bond_type: str = ""
    database: str = ""
    groups: np.ndarray | None = None

    def __len__(self) -> int:
        return int(np.asarray(self.distance).shape[0])

    def features(self) -> np.ndarray:
        """Feature matrix (n, 1 + 2F) for :class:`SoapBondKernelRegressor`."""
        return bond_feature_matrix(self.distance, self.soap_a, self.soap_b)

    def take(self, indices: np.ndarray) -> BondSet:
        """The bonds at ``indices``, same metadata."""
        return BondSet(
            distance=np.asarray(self.distance)[indices],
            soap_a=np.asarray(self.soap_a)[indices],
            soap_b=np.asarray(self.soap_b)[indices],
            target=np.asarray(self.target)[indices],
            descriptor_parameters=self.descriptor_parameters,
            bond_type=self.bond_type,
            database=self.database,
            groups=None if self.groups is None else np.asarray(self.groups)[indices],
        )


@dataclass(frozen=True)
class Hyperparameters:
    """Kernel hyperparameters: ``sigma`` in angstrom, ``zeta`` and ``gamma`` dimensionless,
    ``baseline`` the mean function's kind (``baseline.py``; ``none`` is the study's model).
    The study's values per bond type are the config schema's ``model.hyperparameters``."""

    zeta: float
    sigma: float
    gamma: float
    kernel: str = "soap_distance"
    baseline: str = "none"

    def estimator(self, nystrom_landmarks: int | None = None) -> SoapBondKernelRegressor:
        return SoapBondKernelRegressor(
            kernel=self.kernel,
            zeta=self.zeta,
            sigma=self.sigma,
            gamma=self.gamma,
            nystrom_landmarks=nystrom_landmarks,
            baseline=self.baseline,
        )


def load_bond_set(database_dir: str | Path, bond_type: str) -> BondSet:
    """The bonds of one type from a bond database store directory (``bonds.parquet``,
    ``soap.npy``, ``metadata.json``); ``icohp`` in the store already holds -ICOHP (eV)."""
    database = load_store(database_dir)
    rows, soap_a, soap_b = database.bond_arrays(bond_type)
    return BondSet(
        distance=rows["distance"].to_numpy(dtype=np.float64),
        soap_a=soap_a,
        soap_b=soap_b,
        target=rows["minus_icohp"].to_numpy(dtype=np.float64),
        descriptor_parameters=dict(database.descriptor),
        bond_type=bond_type,
        database=database.name,
        groups=cell_labels(rows),
    )


def cell_labels(rows) -> np.ndarray:
    """``"<source>/<run>/<subrun>"`` of each bond row of a store (its DFT cell)."""
    return (
        rows["source"].astype(str)
        + "/"
        + rows["run"].astype(str)
        + "/"
        + rows["subrun"].astype(str)
    ).to_numpy(dtype=str)


def check_bond_set(bonds: BondSet, where: str = "bond set") -> None:
    """Raise :class:`InputError` for an empty bond type, ragged arrays or NaN values."""
    label = f"{where} {bonds.database} {bonds.bond_type}".strip()
    n = len(bonds)
    if n == 0:
        raise InputError(
            label,
            f"bond type {bonds.bond_type or '?'} has no bonds",
            "remove the bond type from the config or add sub-runs that contain it",
        )
    soap_a, soap_b = np.asarray(bonds.soap_a), np.asarray(bonds.soap_b)
    target = np.asarray(bonds.target)
    if soap_a.ndim != 2 or soap_a.shape != soap_b.shape or soap_a.shape[0] != n or len(target) != n:
        raise InputError(
            label,
            f"arrays disagree: distance {n}, soap_a {soap_a.shape}, soap_b {soap_b.shape}, "
            f"target {target.shape}",
            "rebuild the bond database",
        )
    for name, values in (
        ("distance", bonds.distance),
        ("soap_a", soap_a),
        ("soap_b", soap_b),
        ("target", target),
    ):
        bad = ~np.isfinite(np.asarray(values, dtype=np.float64))
        if bad.any():
            rows = np.unique(np.nonzero(bad)[0])
            raise InputError(
                label,
                f"{int(rows.size)} bond(s) have NaN/infinite {name} "
                f"(first rows {rows[:5].tolist()})",
                "rebuild those sub-runs' SOAP/ICOHP or drop them from the database",
            )


def _require(bonds: BondSet, requested: int, purpose: str) -> None:
    if requested > len(bonds):
        raise InputError(
            f"{bonds.database} {bonds.bond_type}".strip(),
            f"bond type {bonds.bond_type}: {requested} bonds requested ({purpose}) but only "
            f"{len(bonds)} available",
            "lower n_train/n_test in the config or add sub-runs to the database",
        )
    if requested < 1:
        raise InputError(
            f"{bonds.database} {bonds.bond_type}".strip(),
            f"{purpose} needs at least one bond, got {requested}",
            "set a positive size in the config",
        )
