"""Per-atom bond-strength map of the study's real 10,000-atom cell, from models of run 21.

Builds the run-21 database from ``../shared/data/prm-4-113603`` (cached in OUT), fits the
study's kernel model per bond type on at most 2,000 bonds, predicts every bond of
``ETL_inference/Zr49Cu49Al2-10000-1-1-1.data`` with ``infer_frames`` and draws the per-atom
map (the picture of docs/active-learning.md and the README).

Usage: python tools/atom_map_10k.py OUT [--png docs/atom-map-10k.png]
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np
from ase.io import read

from glassbonds.config_defaults import (
    study_hyperparameters,
    study_soap_parameters,
    study_windows,
)
from glassbonds.database.store import load_store
from glassbonds.inference.frames import infer_frames
from glassbonds.inference.models import FittedModels
from glassbonds.inference.writers import OutputNames
from glassbonds.model.features import bond_feature_matrix
from glassbonds.model.files import save_model
from glassbonds.model.kernel import SoapBondKernelRegressor
from glassbonds.model.study_data import SPECIES, build_run21_store
from glassbonds.report.plots import atom_map_figure, save_figure

DATA = Path(__file__).resolve().parents[1].parent / "shared/data/prm-4-113603"
# The study's sigma, gamma per bond type (config schema defaults), in this tool's order;
# Al-Al has no bonds in run 21.
_HP = study_hyperparameters()
STUDY = {t: (_HP[t].sigma, _HP[t].gamma) for t in ("Zr-Cu", "Zr-Zr", "Cu-Cu", "Zr-Al", "Cu-Al")}


def _names(item: str) -> OutputNames:
    """The tree's file names of one inference item (INFERENCE_FILES of inference.smk)."""
    return OutputNames(item, f"{item}_inference_summary.tsv", f"{item}_{{step}}_ICOHPLIST.lobster",
                       f"{item}_{{step}}_ICOHPLIST.info", f"{item}_{{step}}_ICOHPLIST.std",
                       f"{item}_{{step}}_atoms.xyz")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--png", type=Path, default=None)
    args = parser.parse_args()
    cell = DATA / "ETL_inference/Zr49Cu49Al2-10000-1-1-1.data"
    if not cell.is_file():
        print(f"skipped: {cell} is absent", file=sys.stderr)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    database = load_store(build_run21_store(DATA, args.out / "run21"))
    rng = np.random.default_rng(1)
    paths = {}
    for bond_type, (sigma, gamma) in STUDY.items():
        rows, soap_a, soap_b = database.bond_arrays(bond_type)
        chosen = np.sort(rng.choice(len(rows), min(2000, len(rows)), replace=False))
        model = SoapBondKernelRegressor(sigma=sigma, gamma=gamma).fit(
            bond_feature_matrix(rows["distance"].to_numpy()[chosen], soap_a[chosen],
                                soap_b[chosen]),
            rows["minus_icohp"].to_numpy()[chosen],
        )  # fmt: skip
        paths[bond_type] = args.out / f"{bond_type}.model.npz"
        save_model(model, paths[bond_type], {"bond_type": bond_type,
                   "descriptor_parameters": study_soap_parameters(SPECIES).as_dict()})  # fmt: skip
    models = FittedModels.load(paths, SPECIES)
    windows = {b: w for b, w in study_windows().items() if b in paths}
    soap = study_soap_parameters(SPECIES)
    infer_frames(
        cell,
        "lammps-data",
        {1: "Zr", 2: "Cu", 3: "Al"},
        models,
        windows,
        soap,
        args.out,
        _names("cell10k"),
        log=io.StringIO(),
    )
    atoms = read(next(args.out.glob("cell10k_*_atoms.xyz")))
    values = atoms.arrays["sum_minus_icohp"]
    for element in ("Zr", "Cu", "Al"):
        part = values[np.array(atoms.get_chemical_symbols()) == element]
        print(
            f"{element}: {len(part)} atoms, sum of -ICOHP {part.mean():.2f} +- {part.std():.2f} eV"
        )
    if args.png:
        save_figure(atom_map_figure(atoms, "real 10,000-atom Zr49Cu49Al2 cell"), args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
