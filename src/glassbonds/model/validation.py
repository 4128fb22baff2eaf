"""Whole-cell validation (the study's ML-ICOHP_RMSD): every LOBSTER bond of one sub-run
predicted by the per-type models, RMSD per bond type, parity plot. The std written is the
model's calibrated predictive std (``calibration.py``)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from ase import Atoms

from glassbonds.composition import bond_type_of
from glassbonds.errors import InputError
from glassbonds.files import write_text
from glassbonds.model.features import bond_feature_matrix
from glassbonds.model.figures import pyplot_free_figure, save_figure
from glassbonds.model.kernel import SoapBondKernelRegressor


def cell_bond_table(atoms: Atoms, bonds: pd.DataFrame, species: Sequence[str]) -> pd.DataFrame:
    """LOBSTER bonds (columns atom_a, atom_b 0-based, distance in angstrom, icohp in eV as in
    the file, negative for bonding) with their bond type (elements in ``species`` order, as
    the config names them) and target -ICOHP."""
    missing = {"atom_a", "atom_b", "distance", "icohp"} - set(bonds.columns)
    if missing:
        raise InputError(
            "validate_cell bonds",
            f"missing columns {sorted(missing)}",
            "pass the table of glassbonds.io.lobster.read_icohplist",
        )
    if len(bonds) == 0:
        raise InputError(
            "validate_cell bonds",
            "the ICOHPLIST has no bonds",
            "check the LOBSTER run of this sub-run",
        )
    symbols = np.array(atoms.get_chemical_symbols())
    a = bonds["atom_a"].to_numpy(dtype=int)
    b = bonds["atom_b"].to_numpy(dtype=int)
    if a.min() < 0 or b.min() < 0 or max(a.max(), b.max()) >= len(atoms):
        raise InputError(
            "validate_cell bonds",
            f"atom index outside 0..{len(atoms) - 1}",
            "use the structure the LOBSTER run was made for",
        )
    table = pd.DataFrame(
        {
            "atom_a": a,
            "atom_b": b,
            "bond_type": [
                bond_type_of(x, y, species) for x, y in zip(symbols[a], symbols[b], strict=True)
            ],
            "distance": bonds["distance"].to_numpy(dtype=np.float64),
            "target": -bonds["icohp"].to_numpy(dtype=np.float64),
        }
    )
    if not np.all(np.isfinite(table[["distance", "target"]].to_numpy())):
        raise InputError(
            "validate_cell bonds",
            "NaN distance or ICOHP in the bond list",
            "re-run LOBSTER for this sub-run",
        )
    return table


def validate_cell(
    models: Mapping[str, SoapBondKernelRegressor],
    atoms: Atoms,
    soap: np.ndarray,
    bonds: pd.DataFrame,
    species: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Predict -ICOHP (eV) of every LOBSTER bond whose type has a model.

    ``soap`` is (n_atoms, F) per-atom SOAP; ``species`` orders the elements of bond-type
    names (default: their order of appearance in the model names, e.g. Zr-Zr, Zr-Cu ->
    Zr, Cu, then the cell's other elements). Returns one row per predicted bond: atom_a,
    atom_b, bond_type, distance, target, predicted, std (the model's calibrated predictive std,
    eV; ``calibration.py``).
    """
    if species is None:
        named = [el for name in models for el in name.split("-")]
        species = list(dict.fromkeys([*named, *atoms.get_chemical_symbols()]))
    soap = np.asarray(soap, dtype=np.float64)
    if soap.ndim != 2 or soap.shape[0] != len(atoms):
        raise InputError(
            "validate_cell soap",
            f"SOAP array {soap.shape} for {len(atoms)} atoms",
            "compute the SOAP of this very structure",
        )
    table = cell_bond_table(atoms, bonds, species)
    table = table[table["bond_type"].isin(list(models))].reset_index(drop=True)
    if len(table) == 0:
        raise InputError(
            "validate_cell",
            f"no bond of the model types {sorted(models)}",
            "check the models match the cell's elements",
        )
    predicted = np.empty(len(table))
    std = np.empty(len(table))
    for bond_type, rows in table.groupby("bond_type").groups.items():
        rows = np.asarray(rows)
        part = table.loc[rows]
        features = bond_feature_matrix(part["distance"], soap[part["atom_a"]], soap[part["atom_b"]])
        predicted[rows], std[rows] = models[bond_type].predict(features, return_std=True)
    table["predicted"] = predicted
    table["std"] = std
    return table


def cell_rmsd(table: pd.DataFrame) -> pd.DataFrame:
    """RMSD (eV) between predicted and LOBSTER -ICOHP per bond type, plus an ``all`` row."""

    def row(name: str, part: pd.DataFrame) -> dict:
        error = part["predicted"] - part["target"]
        return {
            "bond_type": name,
            "n_bonds": len(part),
            "rmsd_eV": float(np.sqrt(np.mean(error**2))),
            "mean_error_eV": float(np.mean(error)),
            "target_std_eV": float(np.std(part["target"])),
            **(
                {
                    "coverage_1std": float(np.mean(np.abs(error) <= part["std"])),
                    "coverage_2std": float(np.mean(np.abs(error) <= 2 * part["std"])),
                }
                if "std" in part
                else {}
            ),
        }

    rows = [row(name, part) for name, part in table.groupby("bond_type")]
    rows.append(row("all", table))
    return pd.DataFrame(rows)


def write_cell_validation(
    table: pd.DataFrame, rmsd_tsv: str | Path, png: str | Path, title: str = ""
) -> pd.DataFrame:
    """Write the per-type RMSD TSV and a parity plot coloured by bond type."""
    rmsd = cell_rmsd(table)
    write_text(rmsd_tsv, rmsd.to_csv(sep="\t", index=False, float_format="%.6f"))
    figure = pyplot_free_figure(6, 6)
    axes = figure.add_subplot(1, 1, 1)
    high = math.ceil(max(table["predicted"].max(), table["target"].max(), 0.0) * 1.1) or 1.0
    low = min(0.0, math.floor(min(table["predicted"].min(), table["target"].min())))
    axes.plot([low, high], [low, high], color="0.6", lw=1)
    by_type = rmsd.set_index("bond_type")["rmsd_eV"]
    for bond_type, part in table.groupby("bond_type"):
        axes.scatter(
            part["predicted"],
            part["target"],
            s=10,
            label=f"{bond_type} ({len(part)}, RMSD {by_type[bond_type]:.4f} eV)",
        )
    axes.set_xlim(low, high)
    axes.set_ylim(low, high)
    axes.set_xlabel("predicted -ICOHP (eV)")
    axes.set_ylabel("LOBSTER -ICOHP (eV)")
    axes.set_title(title or f"cell validation, RMSD {by_type['all']:.4f} eV")
    axes.legend(fontsize=8)
    figure.tight_layout()
    save_figure(figure, png)
    return rmsd


def run_validate_cell(
    model_paths: Sequence[str | Path],
    xyz: str | Path,
    soap_path: str | Path,
    icohplist: str | Path,
    rmsd_tsv: str | Path,
    png: str | Path,
    bonds_tsv: str | Path | None = None,
) -> pd.DataFrame:
    """Entry point of rule ``validate_cell``: models (.npz, one per bond type), the sub-run's
    structure, its SOAP file (``descriptors.save_soap``) and ``ICOHPLIST.lobster``;
    ``bonds_tsv``: every bond with its prediction and calibrated std (eV)."""
    import ase.io

    from glassbonds.descriptors import check_same_descriptor, load_soap
    from glassbonds.io.lobster import read_icohplist
    from glassbonds.model.files import load_model

    soap = load_soap(soap_path)
    models = {}
    for path in model_paths:
        model, metadata = load_model(path)
        check_same_descriptor(
            path,
            metadata.get("descriptor_parameters"),
            soap.parameters,
            "recompute the cell's SOAP with the model's descriptor settings",
        )
        models[metadata["bond_type"]] = model
    atoms = ase.io.read(xyz)
    species = soap.parameters.get("species")
    table = validate_cell(models, atoms, soap.vectors, read_icohplist(icohplist), species)
    if bonds_tsv is not None:
        write_text(bonds_tsv, table.to_csv(sep="\t", index=False, float_format="%.6f"))
    return write_cell_validation(table, rmsd_tsv, png, title=f"{Path(xyz).parent}")
