"""One fit and its published outputs (.dat, .info, .png, model file), against the study's
published fit files when ../shared/data/prm-4-113603 is present."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from glassbonds.config_defaults import (
    study_hyperparameters,
    study_published_rmse,
)
from glassbonds.errors import InputError
from glassbonds.model.bonds import BondSet, Hyperparameters, check_bond_set
from glassbonds.model.files import load_model
from glassbonds.model.fitting import (
    fit_and_test,
    read_dat,
    read_info,
    resolve_size,
    without_cells,
)
from tests.factories import SOAP_PARAMS, fit_and_write, fit_outputs, synthetic_bonds

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "prm-4-113603"
PUBLISHED = DATA / "TT" / "fit-results-Zr49Cu49Al2"
# The config schema's defaults; the published fit names below check them.
STUDY_HYPERPARAMETERS = study_hyperparameters()
PUBLISHED_RMSE = study_published_rmse()


# ----------------------------------------------------------------------------- fit outputs


def test_run_fit_writes_published_layouts(tmp_path):
    bonds = synthetic_bonds(150)
    hp = Hyperparameters(1.0, 0.5, 0.005)
    outputs = fit_outputs(tmp_path, "TEST-Zr-Cu-100-1.0-0.5-0.005-40")
    result = fit_and_write(bonds, outputs, 100, 40, hp, seed=3)
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
    outputs = fit_outputs(tmp_path, "x")
    fit_and_write(bonds, outputs, 40, 20, Hyperparameters(1.0, 0.5, 0.01), seed=0)
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
    _, result = fit_and_test(train, 60, 30, Hyperparameters(1.0, 0.5, 0.01), seed=0, test=test)
    assert (result.train_database, result.test_database) == ("DB4", "Zr45Cu45Al10")
    assert (result.n_train, result.n_test) == (60, 30)
    other = synthetic_bonds(50, seed=2, params={**SOAP_PARAMS, "r_cut": 5.0})
    with pytest.raises(InputError, match=r"other SOAP parameters \(r_cut: 5.0 != 3.75\)"):
        fit_and_test(train, 60, 30, Hyperparameters(1.0, 0.5, 0.01), seed=0, test=other)


def test_same_seed_same_split_different_seed_different_split():
    bonds = synthetic_bonds(100)
    _, a = fit_and_test(bonds, 50, 20, Hyperparameters(1.0, 0.5, 0.01), seed=1)
    _, b = fit_and_test(bonds, 50, 20, Hyperparameters(1.0, 0.5, 0.01), seed=1)
    _, c = fit_and_test(bonds, 50, 20, Hyperparameters(1.0, 0.5, 0.01), seed=2)
    np.testing.assert_array_equal(a.target, b.target)
    assert not np.array_equal(a.target, c.target)


def test_bad_inputs_name_the_problem():
    bonds = synthetic_bonds(30, bond_type="Zr-Al")
    with pytest.raises(InputError, match=r"Zr-Al: 45 bonds requested .* only 30 available"):
        fit_and_test(bonds, 40, 5, Hyperparameters(1.0, 0.5, 0.01), seed=0)
    nan = synthetic_bonds(30)
    nan.target[4] = np.nan
    with pytest.raises(InputError, match=r"NaN/infinite target \(first rows \[4\]\)"):
        fit_and_test(nan, 10, 5, Hyperparameters(1.0, 0.5, 0.01), seed=0)
    nan_soap = synthetic_bonds(30)
    nan_soap.soap_b[7, 2] = np.nan
    with pytest.raises(InputError, match="soap_b"):
        check_bond_set(nan_soap)
    empty = synthetic_bonds(0, bond_type="Al-Al")
    with pytest.raises(InputError, match="bond type Al-Al has no bonds"):
        fit_and_test(empty, 1, 1, Hyperparameters(1.0, 0.5, 0.01), seed=0)


def test_sizes_all_and_per_type():
    assert resolve_size("all", 136, 20) == 116
    assert resolve_size(2000, 4931) == 2000


def test_validation_cells_are_left_out():
    bonds = synthetic_bonds(10)
    bonds.groups = np.array(["A/1/0"] * 4 + ["A/1/1"] * 6)
    kept = without_cells(bonds, ["A/1/0"])
    assert len(kept) == 6 and set(kept.groups) == {"A/1/1"}
    assert isinstance(kept, BondSet)


def test_fit_outputs_name_the_icohp_program_and_mark_the_test_double(tmp_path):
    from glassbonds.model.fitting import SYNTHETIC_MARKER, read_info
    from tests.factories import fit_and_write

    bonds = synthetic_bonds(50)
    outputs = fit_outputs(tmp_path, "fit")
    provenance = {
        "icohp_programs": {"glassbonds-synthetic-lobster 1 (test double, NOT LOBSTER)": 15},
        "synthetic_icohp_subruns": 15,
    }
    fit_and_write(bonds, outputs, 30, 10, Hyperparameters(1.0, 0.5, 0.01), 0, provenance=provenance)
    text = outputs.info.read_text()
    assert SYNTHETIC_MARKER in text and "NOT LOBSTER" in text
    assert len(read_info(outputs.info)[0]) == 10  # comment lines do not break the reader
    _, metadata = load_model(outputs.model)
    assert metadata["training_database"] == provenance
    real = fit_outputs(tmp_path, "real")
    fit_and_write(
        bonds,
        real,
        30,
        10,
        Hyperparameters(1.0, 0.5, 0.01),
        0,
        provenance={"icohp_programs": {"LOBSTER 3.2.0": 14}, "synthetic_icohp_subruns": 0},
    )
    assert SYNTHETIC_MARKER not in real.info.read_text()
    assert "LOBSTER 3.2.0 (14)" in real.info.read_text()
