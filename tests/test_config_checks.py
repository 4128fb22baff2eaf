"""Config checks beyond the schema: each mistake stops with one line naming the key."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import pytest
import yaml

from glassbonds.config_checks import check_config
from glassbonds.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
FIXTURE = yaml.safe_load((ROOT / "config/fixture.yaml").read_text())


def _validate(config: dict) -> None:
    jsonschema.validate(config, SCHEMA)
    check_config(config)


def test_the_shipped_configs_pass():
    for name in ("fixture.yaml", "config.yaml"):
        _validate(yaml.safe_load((ROOT / "config" / name).read_text()))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c.update(natoms=8.0), r"config key natoms: 8\.0 is not an integer"),
        (
            lambda c: c["model"]["hyperparameters"].update(
                {"Cu-Zr": c["model"]["hyperparameters"].pop("Zr-Cu")}
            ),
            r"model\.hyperparameters\['Cu-Zr'\].*write it Zr-Cu",
        ),
        (
            lambda c: c["inference"]["windows"].update({"Cu-Zr": [2.3, 3.9]}),
            r"inference\.windows\['Cu-Zr'\]",
        ),
        (lambda c: c["model"].update(bond_types=["Zr-Al"]), r"model\.bond_types\['Zr-Al'\]"),
        (lambda c: c["mixed_databases"][0]["counts"].update(Zr10Cu90=5), r"counts\['Zr10Cu90'\]"),
        (lambda c: c["compositions"].append("Zr50Ni50"), r"element Ni is not in species"),
        (
            lambda c: (c["species"].append("Ni"), c["compositions"].append("Zr50Ni50")),
            r"config key qe\.pseudopotentials: no entry for Ni \(composition Zr50Ni50\)",
        ),
        (
            lambda c: (
                c["species"].append("Ni"),
                c["compositions"].append("Zr50Ni50"),
                c["qe"]["pseudopotentials"].update(Ni="Ni.UPF"),
            ),
            r"config key lobster\.basis_functions: no entry for Ni",
        ),
    ],
)
def test_a_mistake_names_its_key(edit, message):
    config = copy.deepcopy(FIXTURE)
    edit(config)
    with pytest.raises(InputError, match=message):
        _validate(config)


@pytest.mark.parametrize(
    "edit",
    [
        lambda c: c["model"]["learning_curve"].update(size=[10]),
        lambda c: c["model"]["grid"].update({"folds ": 3}),
        lambda c: c["model"]["hyperparameters"]["Zr-Zr"].update(gama=0.1),
        lambda c: c["lobster"].update(quality={"max_charge_spiling_percent": 5}),
        lambda c: c["lobster"].update(test_doubel=True),
    ],
)
def test_misspelled_nested_keys_are_rejected_by_the_schema(edit):
    config = copy.deepcopy(FIXTURE)
    edit(config)
    with pytest.raises(jsonschema.ValidationError, match="Additional properties"):
        jsonschema.validate(config, SCHEMA)


@pytest.mark.parametrize("root", ["/tmp/x;touch /tmp/PWNED;y", "a$(id)b", "tree`x`", "a{nc}b"])
def test_a_root_with_shell_characters_is_refused_by_name(root):
    config = copy.deepcopy(FIXTURE)
    config["root"] = root
    with pytest.raises(InputError, match=r"config key root: .* contains"):
        check_config(config)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(config, SCHEMA)


def test_a_root_with_spaces_is_allowed():
    config = copy.deepcopy(FIXTURE)
    config["root"] = "/scratch/my runs/glass trees"
    _validate(config)


def test_a_training_database_that_is_not_configured_is_named():
    config = copy.deepcopy(FIXTURE)
    config["model"]["database"] = "DB4"
    with pytest.raises(InputError, match=r"config key model\.database: 'DB4'.*DB2"):
        _validate(config)


def test_an_adopted_tree_needs_no_simulation_sections(tmp_path):
    """Nested defaults come from the schema: no lammps, qe or lobster section is needed."""
    import subprocess

    config = {
        "root": str(tmp_path / "tree"),
        "species": ["Zr", "Cu"],
        "natoms": 8,
        "compositions": ["Zr50Cu50"],
        "runs": "discover",
        "subrun_source": "existing",
        "model": {"database": "Zr50Cu50-PBSSDB"},
    }
    sub = tmp_path / "tree/Zr50Cu50/c/md/lammps/8/1/2000/0"
    sub.mkdir(parents=True)
    (sub / "Zr50Cu50.xyz").write_text("")  # discovered; its content is read only when run
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(config))
    snakemake = Path(__file__).resolve().parents[1] / ".venv/bin/snakemake"
    result = subprocess.run(
        [str(snakemake), "-s", str(ROOT / "Snakefile"), "--configfile", str(path), "-n"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "rule pbssdb:" in result.stdout
    assert "lammps_run" not in result.stdout and "qe_scf" not in result.stdout
