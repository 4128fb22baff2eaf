"""Whole-cell validation; accuracy on the study's real 100-atom sub-run when
../shared/data/prm-4-113603 is present."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ase import Atoms
from sklearn.model_selection import KFold

from glassbonds.config_defaults import (
    study_hyperparameters,
    study_published_rmse,
    study_soap_parameters,
)
from glassbonds.errors import InputError
from glassbonds.io.lobster import read_icohplist
from glassbonds.model.bonds import BondSet
from glassbonds.model.validation import cell_rmsd, validate_cell, write_cell_validation
from tests.factories import synthetic_bonds

# The config schema's defaults.
STUDY_HYPERPARAMETERS = study_hyperparameters()
PUBLISHED_RMSE = study_published_rmse()
# The ICOHPLIST columns whole-cell validation reads (ICOHP as LOBSTER writes it, eV).
ICOHPLIST_COLUMNS = ["atom_a", "atom_b", "distance", "icohp"]


# ----------------------------------------------------------------------------- cell validation


def test_validate_cell_predicts_modelled_types_only(tmp_path):
    rng = np.random.default_rng(0)
    atoms = Atoms("Zr3Cu3Al", positions=rng.random((7, 3)) * 5, cell=[8, 8, 8], pbc=True)
    soap = rng.random((7, 16))
    soap /= np.linalg.norm(soap, axis=1, keepdims=True)
    bonds = pd.DataFrame(
        {
            "atom_a": [0, 3, 0, 4, 6],
            "atom_b": [3, 0, 1, 5, 2],
            "distance": [2.8, 2.9, 3.2, 2.5, 3.0],
            "icohp": [-1.1, -1.0, -0.9, -0.6, -0.7],
        }
    )
    train = synthetic_bonds(80)
    from glassbonds.model.kernel import SoapBondKernelRegressor

    zr_cu = SoapBondKernelRegressor().fit(train.features(), train.target)
    cu_cu = SoapBondKernelRegressor(sigma=0.3).fit(train.features(), train.target)
    table = validate_cell({"Zr-Cu": zr_cu, "Cu-Cu": cu_cu}, atoms, soap, bonds)
    assert table["bond_type"].tolist() == ["Zr-Cu", "Zr-Cu", "Cu-Cu"]  # Zr-Zr, Zr-Al skipped
    np.testing.assert_allclose(table["target"], [1.1, 1.0, 0.6])
    # Same prediction when the bond is listed in the other atom order (Cu-Zr).
    assert table["predicted"][0] == pytest.approx(
        zr_cu.predict(np.hstack([[2.8], soap[0], soap[3]])[None])[0], rel=1e-12
    )
    rmsd = write_cell_validation(table, tmp_path / "r.tsv", tmp_path / "r.png")
    zc = table[table.bond_type == "Zr-Cu"]
    expected = np.sqrt(np.mean((zc.predicted - zc.target) ** 2))
    assert rmsd.set_index("bond_type").loc["Zr-Cu", "rmsd_eV"] == pytest.approx(expected)
    assert pd.read_csv(tmp_path / "r.tsv", sep="\t")["bond_type"].tolist() == [
        "Cu-Cu",
        "Zr-Cu",
        "all",
    ]
    with pytest.raises(InputError, match="SOAP array"):
        validate_cell({"Zr-Cu": zr_cu}, atoms, soap[:5], bonds)
    with pytest.raises(InputError, match="missing columns"):
        validate_cell({"Zr-Cu": zr_cu}, atoms, soap, bonds.drop(columns="icohp"))


# ----------------------------------------------------------------------------- real data


def test_accuracy_on_real_subrun(subrun_dir, request):
    """Held-out RMSE per bond type on run 21 sub-run 0 (738 LOBSTER bonds, DScribe SOAP)."""
    import ase.io

    from glassbonds.descriptors import soap_vectors
    from glassbonds.model.validation import cell_bond_table

    atoms = ase.io.read(subrun_dir / "Zr49Cu49Al2.xyz")
    parameters = study_soap_parameters()
    soap = soap_vectors(atoms, parameters)
    bonds = read_icohplist(subrun_dir / "ICOHPLIST.lobster")[ICOHPLIST_COLUMNS]
    assert len(bonds) == 738
    table = cell_bond_table(atoms, bonds, ("Zr", "Cu", "Al"))

    rows, held_out_models, held_out_rows = [], {}, []
    for bond_type, part in table.groupby("bond_type"):
        bond_set = BondSet(
            part["distance"].to_numpy(),
            soap[part["atom_a"]],
            soap[part["atom_b"]],
            part["target"].to_numpy(),
            parameters.as_dict(),
            bond_type,
            "Zr49Cu49Al2-21-0",
        )
        hp = STUDY_HYPERPARAMETERS[bond_type]
        n = len(bond_set)
        # 5-fold CV: every bond predicted once by a model that never saw it.
        predicted = np.empty(n)
        for train, test in KFold(5, shuffle=True, random_state=0).split(np.arange(n)):
            model = hp.estimator().fit(bond_set.take(train).features(), bond_set.target[train])
            predicted[test] = model.predict(bond_set.take(test).features())
        cv_rmse = float(np.sqrt(np.mean((predicted - bond_set.target) ** 2)))
        # Seeded 70/30 split, the 30 % predicted through validate_cell on the real bond table.
        order = np.random.default_rng(0).permutation(n)
        n_train = round(0.7 * n)
        held_out_models[bond_type] = hp.estimator().fit(
            bond_set.take(order[:n_train]).features(), bond_set.target[order[:n_train]]
        )
        held_out_rows.append(part.iloc[order[n_train:]])
        rows.append(
            {
                "bond_type": bond_type,
                "n_bonds": n,
                "target_std_eV": np.std(part.target),
                "cv5_rmse_eV": cv_rmse,
                "published_rmse_eV": PUBLISHED_RMSE.get(bond_type),
            }
        )
    held_out = pd.concat(held_out_rows)
    held_bonds = held_out.assign(icohp=-held_out["target"])[
        ["atom_a", "atom_b", "distance", "icohp"]
    ]
    validation = cell_rmsd(validate_cell(held_out_models, atoms, soap, held_bonds))
    report = pd.DataFrame(rows).merge(
        validation.rename(columns={"rmsd_eV": "split70_30_rmse_eV", "n_bonds": "n_held_out"})[
            ["bond_type", "n_held_out", "split70_30_rmse_eV"]
        ],
        on="bond_type",
    )
    text = report.to_string(index=False, float_format=lambda v: f"{v:.4f}")
    out = request.config.cache.mkdir("glassbonds-reports") / "real_subrun_rmse.tsv"
    report.to_csv(out, sep="\t", index=False, float_format="%.6f")
    print(
        f"\nHeld-out -ICOHP RMSE on real sub-run 21/0 (eV), study hyperparameters:\n{text}\n"
        f"(written to {out})"
    )

    for row in report.itertuples():
        assert row.cv5_rmse_eV < 0.5 * row.target_std_eV, row
        if row.n_bonds >= 100:
            # One 100-atom cell is a much smaller training set than the study's 2000 bonds,
            # yet on the well-populated types the error is the published order of magnitude.
            assert row.cv5_rmse_eV < 2.0 * row.published_rmse_eV, row
            assert row.split70_30_rmse_eV < 0.5 * row.target_std_eV, row
