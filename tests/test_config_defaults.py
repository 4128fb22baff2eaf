"""The study's settings come from the config schema, as Snakemake fills them in."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

from glassbonds import config_defaults
from glassbonds.cells import transformations_from_config
from glassbonds.errors import InputError
from glassbonds.io.lobster_inputs import LobsterSettings
from glassbonds.io.qe import ScfSettings
from glassbonds.subrun_status import LobsterQuality

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def test_study_config_is_what_snakemake_fills_into_a_minimal_config():
    study = config_defaults.study_config()
    required = ("root", "species", "natoms", "compositions")
    config = {key: study[key] for key in required}
    validate(config, str(SCHEMA))
    assert config == study
    assert config_defaults.schema_path() == SCHEMA


def test_study_config_is_a_copy():
    config_defaults.study_config()["soap"]["r_cut"] = 99.0
    assert config_defaults.study_soap_parameters().r_cut == 3.75


def test_the_configs_shipped_list_the_schema_subruns():
    """config.yaml and fixture.yaml spell out the study's 15 sub-runs: the schema's default."""
    expected = transformations_from_config(config_defaults.study_config()["subruns"])
    assert len(expected) == 15
    for name in ("config.yaml", "fixture.yaml"):
        config = yaml.safe_load((REPO / "config" / name).read_text())
        assert transformations_from_config(config["subruns"]) == expected, name


def test_study_settings_are_the_paper_values():
    assert config_defaults.study_species() == ("Zr", "Cu", "Al")
    assert config_defaults.study_windows()["Zr-Zr"] == (2.5, 4.2)
    settings = config_defaults.study_scf_settings()
    assert (settings.ecutwfc, settings.ecutrho, settings.kpoints) == (70, 560, (2, 2, 2))
    assert settings.kpoint_shift == (1, 1, 1) and not settings.gamma_only
    transformations = config_defaults.study_transformations()
    assert [t.subrun for t in transformations] == list(range(15))
    assert transformations[14].kind == "isotropic" and transformations[14].strain == -0.10


def test_lobster_settings_and_quality_are_the_study_values():
    lobster = config_defaults.study_config()["lobster"]
    settings = LobsterSettings.from_config(lobster)
    assert settings.basis_functions["Zr"] == ["4s", "5s", "4p", "4d"]
    assert (settings.cohp_start_energy, settings.cohp_end_energy) == (-100.0, 40.0)
    assert (settings.basis_set, settings.bond_min, settings.bond_max) == ("Bunge", 1.80, 4.20)
    assert LobsterQuality.from_config(None) == LobsterQuality(5, None, ())
    stricter = LobsterQuality.from_config({"max_charge_spilling_percent": 1.5})
    assert stricter == LobsterQuality(1.5, None, ())


def test_scf_settings_have_no_defaults_of_their_own():
    with pytest.raises(TypeError):
        ScfSettings()  # type: ignore[call-arg]


def test_a_missing_schema_names_the_variable_to_set(tmp_path, monkeypatch):
    monkeypatch.setenv(config_defaults.SCHEMA_VARIABLE, str(tmp_path / "absent.yaml"))
    with pytest.raises(InputError, match="GLASSBONDS_CONFIG_SCHEMA"):
        config_defaults.study_config()
