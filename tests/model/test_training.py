"""Fit outputs, learning curves, hyperparameter selection and cell validation; accuracy on
the study's real 100-atom sub-run when ../shared/data/prm-4-113603 is present."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ase import Atoms
from sklearn.model_selection import KFold

from glassbonds.errors import InputError
from glassbonds.model.bonds import BondSet, Hyperparameters, check_bond_set, result_stem
from glassbonds.model.files import load_model
from glassbonds.model.fitting import FitOutputs, fit_and_test, read_dat, read_info, run_fit
from glassbonds.model.grid_search import select_hyperparameters, write_selection
from glassbonds.model.learning_curve import (
    learning_curve,
    summarise_learning_curve,
    write_learning_curve,
)
from glassbonds.model.validation import cell_rmsd, validate_cell, write_cell_validation

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "prm-4-113603"
SUBRUN = DATA / "G" / "Zr49Cu49Al2" / "c" / "md" / "lammps" / "100" / "21" / "2000" / "0"
PUBLISHED = DATA / "TT" / "fit-results-Zr49Cu49Al2"
needs_data = pytest.mark.skipif(
    not SUBRUN.is_dir(), reason=f"real study data absent ({DATA} not found; fresh clone)"
)
SOAP_PARAMS = {"species": ["Zr", "Cu", "Al"], "r_cut": 3.75, "n_max": 8, "l_max": 6}
STUDY_HYPERPARAMETERS = {
    "Al-Al": Hyperparameters(1.0, 0.5, 0.005),
    "Cu-Al": Hyperparameters(1.0, 0.5, 0.005),
    "Cu-Cu": Hyperparameters(1.0, 0.5, 0.01),
    "Zr-Al": Hyperparameters(1.0, 0.5, 0.01),
    "Zr-Cu": Hyperparameters(1.0, 1.0, 0.04),
    "Zr-Zr": Hyperparameters(1.0, 0.5, 0.01),
}
PUBLISHED_RMSE = {
    "Cu-Al": 0.0535,
    "Cu-Cu": 0.0476,
    "Zr-Al": 0.0682,
    "Zr-Cu": 0.0826,
    "Zr-Zr": 0.0906,
}


def synthetic_bonds(
    n: int,
    seed: int = 0,
    database: str = "TEST",
    bond_type: str = "Zr-Cu",
    params: dict | None = None,
    n_features: int = 16,
) -> BondSet:
    """Bonds whose -ICOHP (eV) decays with length and depends on the SOAP, plus noise."""
    rng = np.random.default_rng(seed)
    soap_a = rng.random((n, n_features))
    soap_b = rng.random((n, n_features))
    soap_a /= np.linalg.norm(soap_a, axis=1, keepdims=True)
    soap_b /= np.linalg.norm(soap_b, axis=1, keepdims=True)
    distance = rng.uniform(2.4, 3.8, n)
    target = (
        3.0 * np.exp(-2.5 * (distance - 2.4))
        + 0.8 * (soap_a[:, 0] + soap_b[:, 1])
        + rng.normal(0, 0.01, n)
    )
    return BondSet(
        distance, soap_a, soap_b, target, params or dict(SOAP_PARAMS), bond_type, database
    )


# ----------------------------------------------------------------------------- fit outputs


def test_result_stem_matches_published_names():
    hp = Hyperparameters(1.0, 0.5, 0.005)
    assert result_stem("Zr49Cu49Al2", "Cu-Al", 2000, hp, 1000) == (
        "Zr49Cu49Al2-Cu-Al-2000-1.0-0.5-0.005-1000"
    )
    assert result_stem("DB4", "Zr-Cu", 2000, Hyperparameters(1, 1, 0.04), 1000, "Zr45Cu45Al10") == (
        "DB4-Zr45Cu45Al10-Zr-Cu-2000-1.0-1.0-0.04-1000"
    )
    assert result_stem("X", "Zr-Zr", 10, Hyperparameters(kernel="se", sigma=0.5), 5) == (
        "X-Zr-Zr-10-SE-0.5-0.01-5"
    )
    if PUBLISHED.is_dir():
        published = {p.stem for p in PUBLISHED.glob("*.dat")}
        ours = {
            result_stem("Zr49Cu49Al2", bt, 2000, STUDY_HYPERPARAMETERS[bt], 1000)
            for bt in PUBLISHED_RMSE
        }
        assert ours == published


def test_run_fit_writes_published_layouts(tmp_path):
    bonds = synthetic_bonds(150)
    hp = Hyperparameters(1.0, 0.5, 0.005)
    stem = result_stem("TEST", "Zr-Cu", 100, hp, 40)
    outputs = FitOutputs.in_directory(tmp_path, stem)
    result = run_fit(bonds, outputs, 100, 40, hp, seed=3)
    assert outputs.dat.name == "TEST-Zr-Cu-100-1.0-0.5-0.005-40.dat"

    dat = read_dat(outputs.dat)
    np.testing.assert_allclose(dat[:, 0], result.predicted, atol=5e-7)
    np.testing.assert_allclose(dat[:, 1], result.target, atol=5e-7)
    dat_lines = outputs.dat.read_text().splitlines()
    assert all(re.fullmatch(r" *-?\d+\.\d{6} +-?\d+\.\d{6}", line) for line in dat_lines)

    rows, summary = read_info(outputs.info)
    np.testing.assert_allclose(rows, dat, atol=0)
    assert list(summary) == [
        "RMSE",
        "TRAINING_VAR",
        "TESTING_VAR",
        "TRAINING_STD",
        "TESTING_STD",
        "MAX_ICOHP",
    ]
    rmse = np.sqrt(np.mean((result.predicted - result.target) ** 2))
    assert summary["RMSE"] == pytest.approx(rmse, abs=1e-6)
    assert summary["TESTING_STD"] == pytest.approx(np.std(result.target), abs=1e-6)
    assert summary["TRAINING_VAR"] == pytest.approx(np.var(result.train_target), abs=1e-6)
    info_lines = outputs.info.read_text().splitlines()
    assert info_lines[0].startswith("0 0 ") and info_lines[39].startswith("39 39 ")
    assert rmse < 0.5 * np.std(result.target)  # learns something

    assert outputs.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model, metadata = load_model(outputs.model)
    assert metadata["bond_type"] == "Zr-Cu" and metadata["descriptor_parameters"] == SOAP_PARAMS
    # The saved model reproduces the written predictions of the same test bonds.
    _, test_part = _split_like_run_fit(bonds, 100, 40, 3)
    np.testing.assert_array_equal(model.predict(test_part.features()), result.predicted)


def _split_like_run_fit(bonds, n_train, n_test, seed):
    from glassbonds.model.fitting import split_train_test

    return split_train_test(bonds, n_train, n_test, seed)


@pytest.mark.skipif(not PUBLISHED.is_dir(), reason=f"published results absent ({PUBLISHED})")
def test_published_files_parse_with_our_readers_and_match_our_layout(tmp_path):
    info = PUBLISHED / "Zr49Cu49Al2-Cu-Al-2000-1.0-0.5-0.005-1000.info"
    rows, summary = read_info(info)
    dat = read_dat(info.with_suffix(".dat"))
    np.testing.assert_array_equal(rows, dat)
    assert list(summary) == ["RMSE", "TRAINING_VAR", "TESTING_VAR", "TRAINING_STD", "TESTING_STD"]
    assert summary["RMSE"] == pytest.approx(
        np.sqrt(np.mean((dat[:, 0] - dat[:, 1]) ** 2)), abs=1e-6
    )
    # Our lines have exactly the published widths.
    bonds = synthetic_bonds(60)
    outputs = FitOutputs.in_directory(tmp_path, "x")
    run_fit(bonds, outputs, 40, 20, Hyperparameters(), seed=0)
    published_info = info.read_text().splitlines()
    ours = outputs.info.read_text().splitlines()
    assert len(ours[5]) == len(published_info[5])  # "5 5   0.xxxxxx   0.xxxxxx"
    assert [line.split("=")[0] for line in ours[-6:-1]] == [
        line.split("=")[0] for line in published_info[-5:]
    ]
    assert len(outputs.dat.read_text().splitlines()[0]) == len(
        info.with_suffix(".dat").read_text().splitlines()[0]
    )


def test_cross_database_fit_and_descriptor_mismatch(tmp_path):
    train = synthetic_bonds(80, seed=1, database="DB4")
    test = synthetic_bonds(50, seed=2, database="Zr45Cu45Al10")
    _, result = fit_and_test(train, 60, 30, Hyperparameters(), seed=0, test=test)
    assert result.stem() == "DB4-Zr45Cu45Al10-Zr-Cu-60-1.0-0.5-0.01-30"
    other = synthetic_bonds(50, seed=2, params={**SOAP_PARAMS, "r_cut": 5.0})
    with pytest.raises(InputError, match=r"other SOAP parameters \(r_cut: 5.0 != 3.75\)"):
        fit_and_test(train, 60, 30, Hyperparameters(), seed=0, test=other)


def test_same_seed_same_split_different_seed_different_split():
    bonds = synthetic_bonds(100)
    _, a = fit_and_test(bonds, 50, 20, Hyperparameters(), seed=1)
    _, b = fit_and_test(bonds, 50, 20, Hyperparameters(), seed=1)
    _, c = fit_and_test(bonds, 50, 20, Hyperparameters(), seed=2)
    np.testing.assert_array_equal(a.target, b.target)
    assert not np.array_equal(a.target, c.target)


def test_bad_inputs_name_the_problem():
    bonds = synthetic_bonds(30, bond_type="Zr-Al")
    with pytest.raises(InputError, match=r"Zr-Al: 45 bonds requested .* only 30 available"):
        fit_and_test(bonds, 40, 5, Hyperparameters(), seed=0)
    nan = synthetic_bonds(30)
    nan.target[4] = np.nan
    with pytest.raises(InputError, match=r"NaN/infinite target \(first rows \[4\]\)"):
        fit_and_test(nan, 10, 5, Hyperparameters(), seed=0)
    nan_soap = synthetic_bonds(30)
    nan_soap.soap_b[7, 2] = np.nan
    with pytest.raises(InputError, match="soap_b"):
        check_bond_set(nan_soap)
    empty = synthetic_bonds(0, bond_type="Al-Al")
    with pytest.raises(InputError, match="bond type Al-Al has no bonds"):
        fit_and_test(empty, 1, 1, Hyperparameters(), seed=0)


# ----------------------------------------------------------------------------- curves, selection


def test_learning_curve_table_and_plot(tmp_path):
    bonds = synthetic_bonds(260)
    curve = learning_curve(bonds, [20, 60, 180], 60, Hyperparameters(gamma=0.005), [0, 1, 2])
    assert len(curve) == 9
    summary = summarise_learning_curve(curve)
    assert summary["n_train"].tolist() == [20, 60, 180]
    assert summary["n_seeds"].tolist() == [3, 3, 3]
    assert summary["mean_rmse_eV"].iloc[-1] < summary["mean_rmse_eV"].iloc[0]
    expected = curve[curve["n_train"] == 60]["rmse_eV"]
    assert summary["std_rmse_eV"].iloc[1] == pytest.approx(np.std(expected))
    write_learning_curve(curve, "Zr-Cu", tmp_path / "lc.tsv", tmp_path / "lc.png")
    table = pd.read_csv(tmp_path / "lc.tsv", sep="\t")
    assert table.columns.tolist()[:3] == ["n_train", "mean_rmse_eV", "std_rmse_eV"]
    assert (tmp_path / "lc.png").stat().st_size > 1000
    with pytest.raises(InputError, match="requested"):
        learning_curve(bonds, [250], 60, Hyperparameters(), [0])


def test_hyperparameter_selection_picks_lowest_cv_rmse(tmp_path):
    bonds = synthetic_bonds(200)
    grid = {"zeta": [1.0, 2.0], "sigma": [0.05, 0.5], "gamma": [0.001, 0.1]}
    selection = select_hyperparameters(bonds, grid, n_train=120, folds=3, seed=4)
    scores = selection.scores
    assert len(scores) == 8
    assert scores["chosen"].sum() == 1
    chosen = scores[scores["chosen"]].iloc[0]
    assert chosen["mean_rmse_eV"] == pytest.approx(scores["mean_rmse_eV"].min())
    assert selection.best.sigma == chosen["sigma"]
    # The CV score of one candidate recomputed by hand with the same folds.
    subset = bonds.take(np.random.default_rng(4).permutation(len(bonds))[:120])
    X, y = subset.features(), subset.target
    errors = []
    for train, test in KFold(3, shuffle=True, random_state=4).split(X):
        model = Hyperparameters(2.0, 0.05, 0.1).estimator().fit(X[train], y[train])
        errors.append(np.sqrt(np.mean((model.predict(X[test]) - y[test]) ** 2)))
    row = scores[(scores.zeta == 2.0) & (scores.sigma == 0.05) & (scores.gamma == 0.1)]
    assert row["mean_rmse_eV"].iloc[0] == pytest.approx(np.mean(errors), rel=1e-9)
    write_selection(selection, tmp_path / "s.tsv", tmp_path / "c.tsv", tmp_path / "s.png")
    chosen_table = pd.read_csv(tmp_path / "c.tsv", sep="\t")
    assert chosen_table[["zeta", "sigma", "gamma"]].iloc[0].tolist() == [
        selection.best.zeta,
        selection.best.sigma,
        selection.best.gamma,
    ]
    assert len(pd.read_csv(tmp_path / "s.tsv", sep="\t")) == 8
    with pytest.raises(InputError, match="zeta/sigma/gamma"):
        select_hyperparameters(bonds, {"theta": [1.0]}, 50, 3, 0)


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


def read_icohplist_minimal(path: Path) -> pd.DataFrame:
    """COHP#, atomMU (e.g. Cu1), atomNU, distance, tx ty tz, ICOHP: 0-based atom indices."""
    rows = []
    for line in path.read_text().splitlines()[1:]:
        fields = line.split()
        index_a = int(re.fullmatch(r"[A-Z][a-z]?(\d+)", fields[1]).group(1)) - 1
        index_b = int(re.fullmatch(r"[A-Z][a-z]?(\d+)", fields[2]).group(1)) - 1
        rows.append((index_a, index_b, float(fields[3]), float(fields[7])))
    return pd.DataFrame(rows, columns=["atom_a", "atom_b", "distance", "icohp"])


@needs_data
def test_accuracy_on_real_subrun(request):
    """Held-out RMSE per bond type on run 21 sub-run 0 (738 LOBSTER bonds, DScribe SOAP)."""
    import ase.io

    from glassbonds.descriptors import SoapParameters, soap_vectors
    from glassbonds.model.validation import cell_bond_table

    atoms = ase.io.read(SUBRUN / "Zr49Cu49Al2.xyz")
    parameters = SoapParameters(species=("Zr", "Cu", "Al"))
    soap = soap_vectors(atoms, parameters)
    bonds = read_icohplist_minimal(SUBRUN / "ICOHPLIST.lobster")
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
    smk = SimpleNamespace(log=[str(log)], **{k: _Namedlist(v) for k, v in sections.items()})
    runpy.run_path(str(REPO / "scripts" / f"{name}.py"), init_globals={"snakemake": smk})
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
            "icohp": bonds.target,
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
            "grid": {"sigma": [0.2, 0.5], "gamma": [0.01], "baseline": ["none"]},
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


@needs_data
def test_validate_cell_script_on_real_subrun(tmp_path):
    """Models fitted on the cell's own bonds (a smoke test of formats, not of accuracy)."""
    import ase.io

    from glassbonds.descriptors import SoapParameters, save_soap, soap_vectors
    from glassbonds.model.files import save_model
    from glassbonds.model.validation import cell_bond_table

    atoms = ase.io.read(SUBRUN / "Zr49Cu49Al2.xyz")
    parameters = SoapParameters(species=("Zr", "Cu", "Al"))
    soap = soap_vectors(atoms, parameters)
    save_soap(tmp_path / "soap.npz", soap, parameters, atoms.get_chemical_symbols())
    table = cell_bond_table(
        atoms, read_icohplist_minimal(SUBRUN / "ICOHPLIST.lobster"), ("Zr", "Cu", "Al")
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
            "xyz": str(SUBRUN / "Zr49Cu49Al2.xyz"),
            "soap": str(tmp_path / "soap.npz"),
            "icohplist": str(SUBRUN / "ICOHPLIST.lobster"),
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
