"""The model rule scripts (fit, learning_curve, select_hyperparameters, grouped_cv,
validate_cell) run on a database store as Snakemake runs them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from glassbonds.config_defaults import (
    study_hyperparameters,
    study_soap_parameters,
)
from glassbonds.io.lobster import read_icohplist
from glassbonds.model.bonds import BondSet
from glassbonds.model.files import load_model
from glassbonds.model.fitting import read_dat
from tests.factories import SOAP_PARAMS, synthetic_bonds

REPO = Path(__file__).resolve().parents[2]
# The config schema's defaults.
STUDY_HYPERPARAMETERS = study_hyperparameters()


# ----------------------------------------------------------------------------- rule scripts


class _Namedlist(dict):
    """Enough of Snakemake's Namedlist for the scripts: attribute and .get access, iteration."""

    __getattr__ = dict.__getitem__

    def __iter__(self):
        return iter(self.values())


def _run_script(name: str, tmp_path: Path, **sections) -> None:
    import runpy
    from types import SimpleNamespace

    log = tmp_path / f"{name}.log"
    sm = SimpleNamespace(log=[str(log)], **{k: _Namedlist(v) for k, v in sections.items()})
    runpy.run_path(str(REPO / "scripts" / f"{name}.py"), init_globals={"snakemake": sm})
    assert log.read_text().strip()


def _store(tmp_path: Path, bonds: BondSet) -> Path:
    """A bond database store as the database engineer's ``save_store`` writes it."""
    from glassbonds.database.store import BondDatabase, save_store

    n = len(bonds)
    rows = pd.DataFrame(
        {
            "bond_type": bonds.bond_type,
            "source": bonds.database,
            "run": 1,
            "subrun": np.arange(n) % 4,  # four DFT cells, for grouped cross-validation
            "atom_a": np.arange(n),
            "atom_b": np.arange(n) + n,
            "distance": bonds.distance,
            "minus_icohp": bonds.target,
            "soap_a": np.arange(n),
            "soap_b": np.arange(n) + n,
        }
    )
    soap = np.vstack([bonds.soap_a, bonds.soap_b])
    directory = tmp_path / bonds.database
    save_store(
        BondDatabase(bonds.database, rows, soap, dict(SOAP_PARAMS), ["Zr", "Cu", "Al"]), directory
    )
    return directory


def test_rule_scripts_run_on_a_database_store(tmp_path):
    bonds = synthetic_bonds(120, database="NC1")
    store = _store(tmp_path, bonds)
    stem = tmp_path / "out" / "NC1-Zr-Cu-80-1.0-0.5-0.01-30"
    _run_script(
        "fit",
        tmp_path,
        input={"train": str(store / "metadata.json")},
        output={
            s: f"{stem}.{e}"
            for s, e in (("dat", "dat"), ("info", "info"), ("png", "png"), ("model", "npz"))
        },
        params={
            "bond_type": "Zr-Cu",
            "n_train": 80,
            "n_test": 30,
            "zeta": 1,
            "sigma": 0.5,
            "gamma": 0.01,
            "seed": 0,
            "kernel": "soap_distance",
            "exclude_cells": [],
        },
    )
    assert len(read_dat(f"{stem}.dat")) == 30
    _run_script(
        "learning_curve",
        tmp_path,
        input={"database": str(store / "metadata.json")},
        output={"tsv": str(tmp_path / "lc.tsv"), "png": str(tmp_path / "lc.png")},
        params={
            "bond_type": "Zr-Cu",
            "sizes": [20, 60],
            "n_test": 30,
            "seeds": [0, 1],
            "zeta": 1,
            "sigma": 0.5,
            "gamma": 0.01,
            "kernel": "soap_distance",
        },
    )
    assert pd.read_csv(tmp_path / "lc.tsv", sep="\t")["n_train"].tolist() == [20, 60]
    _run_script(
        "select_hyperparameters",
        tmp_path,
        input={"database": str(store / "metadata.json")},
        output={
            "scores": str(tmp_path / "s.tsv"),
            "chosen": str(tmp_path / "c.json"),
            "png": str(tmp_path / "s.png"),
        },
        params={
            "bond_type": "Zr-Cu",
            "bond_types": ["Zr-Cu"],
            "grid": {"zeta": [1.0], "sigma": [0.2, 0.5], "gamma": [0.01], "baseline": ["none"]},
            "joint": True,
            "level": "subrun",
            "folds": 3,
            "cap": 2000,
            "seed": 0,
            "kernel": "soap_distance",
            "exclude_cells": ["NC1/1/3"],
        },
    )
    assert len(pd.read_csv(tmp_path / "s.tsv", sep="\t")) == 2  # no other type: no joint
    chosen = json.loads((tmp_path / "c.json").read_text())
    assert chosen["cv"]["folds"] == 3 and chosen["hyperparameters"]["sigma"] in (0.2, 0.5)
    selected = tmp_path / "out" / "NC1-Zr-Cu-all-selected-30"
    _run_script(
        "fit",
        tmp_path,
        input={"train": str(store / "metadata.json"), "chosen": str(tmp_path / "c.json")},
        output={
            s: f"{selected}.{e}"
            for s, e in (("dat", "dat"), ("info", "info"), ("png", "png"), ("model", "npz"))
        },
        params={
            "bond_type": "Zr-Cu",
            "n_train": "all",
            "n_test": 30,
            "zeta": 0,
            "sigma": 0,
            "gamma": 0,
            "seed": 0,
            "kernel": "soap_distance",
            "exclude_cells": ["NC1/1/3"],
        },
    )
    model, metadata = load_model(f"{selected}.npz")
    assert model.sigma == chosen["hyperparameters"]["sigma"]
    cv = {
        k: str(tmp_path / name)
        for k, name in (
            ("metrics", "m.tsv"),
            ("curve", "c.tsv"),
            ("png", "m.png"),
            ("curve_png", "c.png"),
            ("html", "cv.html"),
        )
    }
    _run_script(
        "grouped_cv",
        tmp_path,
        input={"database": str(store / "metadata.json"), "chosen": [str(tmp_path / "c.json")]},
        output=cv,
        params={
            "bond_types": ["Zr-Cu"],
            "study": {"Zr-Cu": {"zeta": 1, "sigma": 0.5, "gamma": 0.01}},
            "kernel": "soap_distance",
            "models": ["study", "baseline", "joint", "selected"],
            "level": "subrun",
            "folds": None,
            "cap": 2000,
            "seed": 0,
            "subrun_counts": [1, 2],
            "exclude_cells": ["NC1/1/3"],
            "published": {"Zr-Cu": {"rmse": 0.0826}},
        },
    )
    table = pd.read_csv(cv["metrics"], sep="\t")
    assert list(table["model"]) == ["study", "baseline", "joint", "selected"]
    assert set(table["n_groups"]) == {3} and set(table["published_rmse_eV"]) == {0.0826}
    assert pd.read_csv(cv["curve"], sep="\t")["n_subruns"].tolist() == [1, 2]
    assert metadata["n_train"] == 90 - 30  # 120 bonds minus cell 3 (30) minus the test set


def test_validate_cell_script_on_real_subrun(subrun_dir, tmp_path):
    """Models fitted on the cell's own bonds (a smoke test of formats, not of accuracy)."""
    import ase.io

    from glassbonds.descriptors import save_soap, soap_vectors
    from glassbonds.model.files import save_model
    from glassbonds.model.validation import cell_bond_table

    atoms = ase.io.read(subrun_dir / "Zr49Cu49Al2.xyz")
    parameters = study_soap_parameters()
    soap = soap_vectors(atoms, parameters)
    save_soap(tmp_path / "soap.npz", soap, parameters, atoms.get_chemical_symbols())
    table = cell_bond_table(
        atoms,
        read_icohplist(subrun_dir / "ICOHPLIST.lobster")[["atom_a", "atom_b", "distance", "icohp"]],
        ("Zr", "Cu", "Al"),
    )
    models = []
    for bond_type in ("Zr-Cu", "Zr-Zr"):
        part = table[table.bond_type == bond_type]
        X = np.hstack([part[["distance"]].to_numpy(), soap[part.atom_a], soap[part.atom_b]])
        model = STUDY_HYPERPARAMETERS[bond_type].estimator().fit(X, part.target)
        models.append(str(tmp_path / f"{bond_type}.npz"))
        save_model(
            model,
            models[-1],
            {"bond_type": bond_type, "descriptor_parameters": parameters.as_dict()},
        )
    _run_script(
        "validate_cell",
        tmp_path,
        input={
            "models": models,
            "xyz": str(subrun_dir / "Zr49Cu49Al2.xyz"),
            "soap": str(tmp_path / "soap.npz"),
            "icohplist": str(subrun_dir / "ICOHPLIST.lobster"),
        },
        output={
            "rmsd": str(tmp_path / "rmsd.tsv"),
            "png": str(tmp_path / "rmsd.png"),
            "bonds": str(tmp_path / "bonds.tsv"),
        },
    )
    bonds = pd.read_csv(tmp_path / "bonds.tsv", sep="\t")
    assert len(bonds) == 378 + 188 and (bonds["std"] >= 0).all()
    rmsd = pd.read_csv(tmp_path / "rmsd.tsv", sep="\t").set_index("bond_type")
    assert rmsd.loc["Zr-Cu", "n_bonds"] == 378 and rmsd.loc["Zr-Zr", "n_bonds"] == 188
    assert rmsd.loc["Zr-Cu", "rmsd_eV"] < 0.5 * rmsd.loc["Zr-Cu", "target_std_eV"]
