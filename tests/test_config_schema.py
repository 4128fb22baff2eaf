"""The config schema's `root` pattern: spaces allowed, shell metacharacters refused."""

from pathlib import Path

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from glassbonds.config_defaults import schema_defaults

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def fixture_config(root: str) -> dict:
    config = yaml.safe_load((REPO / "config" / "fixture.yaml").read_text())
    config["root"] = root
    return config


@pytest.mark.parametrize("root", ["data", "my study/data", "/abs path/with-dash_1.2"])
def test_root_with_spaces_is_accepted(root):
    config = fixture_config(root)
    validate(config, str(SCHEMA))
    assert config["root"] == root


@pytest.mark.parametrize("root", ["data;rm -rf x", "a$HOME", "a`id`", "a'b", 'a"b', "a\nb", "a\\b"])
def test_root_with_shell_metacharacters_is_refused(root):
    with pytest.raises(WorkflowError, match="root"):
        validate(fixture_config(root), str(SCHEMA))


def test_config_without_sections_gets_every_nested_default():
    """An adopted-tree config names only the tree; each phase's section comes from the schema."""
    config = {"root": "data", "species": ["Zr", "Cu", "Al"], "natoms": 100}
    config["compositions"] = ["Zr50Cu50"]
    validate(config, str(SCHEMA))
    schema = yaml.safe_load(SCHEMA.read_text())["properties"]
    for section in ("lammps", "soap", "qe", "lobster", "model", "inference"):
        expected = schema_defaults(schema[section]["properties"])
        assert expected, section
        assert {key: config[section][key] for key in expected} == expected, section
    assert config["qe"]["recovery"]["attempts"] == 4
