"""Cell transformations that make the deformed sub-runs of a reference cell (angstrom).

Sub-run 0 is the reference cell; sub-runs 1-14 of the study are six simple shears, axial
tension/compression along x, y, z, and isotropic tension/compression (config key
``subruns``, whose schema default is the study's list;
:func:`glassbonds.config_defaults.study_transformations`). Atoms keep their
fractional coordinates, so every transformation is a new 3x3 cell (rows = lattice vectors).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from ase import Atoms

from glassbonds.errors import InputError

AXES = {"x": 0, "y": 1, "z": 2}
# Positions of s0..s5 in the shear matrix [[1, s0, s1], [s2, 1, s3], [s4, s5, 1]].
SHEAR_SLOTS = ((0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1))


@dataclass(frozen=True)
class Transformation:
    """One sub-run: ``kind`` is reference, shear, axial or isotropic.

    shear: ``element`` (0-5) of the shear matrix set to ``value``;
    axial: ``axis`` (x, y, z) scaled by ``1 + strain``; isotropic: all axes by ``1 + strain``.
    """

    subrun: int
    kind: str
    element: int = 0
    value: float = 0.0
    axis: str = "x"
    strain: float = 0.0

    def matrix(self) -> np.ndarray:
        """The 3x3 matrix M with new_cell = M @ reference_cell."""
        if self.kind == "reference":
            return np.eye(3)
        if self.kind == "shear":
            shear = np.eye(3)
            shear[SHEAR_SLOTS[self.element]] = self.value
            return shear
        if self.kind == "axial":
            scale = np.eye(3)
            scale[AXES[self.axis], AXES[self.axis]] = 1.0 + self.strain
            return scale
        if self.kind == "isotropic":
            return np.eye(3) * (1.0 + self.strain)
        raise InputError("subruns", f"unknown transformation kind {self.kind!r}")


def transformations_from_config(entries: list[dict[str, Any]]) -> dict[int, Transformation]:
    """Build the sub-run transformations from the ``subruns`` list of the config."""
    result: dict[int, Transformation] = {}
    for position, entry in enumerate(entries):
        try:
            transformation = Transformation(**entry)
        except TypeError as error:
            raise InputError(f"config key subruns[{position}]", str(error)) from error
        if transformation.kind == "shear" and not 0 <= transformation.element < 6:
            raise InputError(f"config key subruns[{position}].element", "must be 0..5")
        if transformation.kind == "axial" and transformation.axis not in AXES:
            raise InputError(f"config key subruns[{position}].axis", "must be x, y or z")
        transformation.matrix()
        if transformation.subrun in result:
            raise InputError(
                f"config key subruns[{position}]", f"sub-run {transformation.subrun} twice"
            )
        result[transformation.subrun] = transformation
    return result


def deform(reference: Atoms, transformation: Transformation) -> Atoms:
    """Return a copy of ``reference`` with cell M @ cell and unchanged fractional coordinates."""
    deformed = reference.copy()
    new_cell = transformation.matrix() @ np.asarray(reference.cell)
    deformed.set_cell(new_cell, scale_atoms=True)
    return deformed
