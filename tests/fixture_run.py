"""Runs the fixture workflow once per test session in a temporary tree (shared by tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"


def fixture_config(tree: Path) -> dict:
    """config/fixture.yaml re-rooted in ``tree`` (scratch and inference input too)."""
    config = yaml.safe_load((REPO / "config/fixture.yaml").read_text())
    config["root"] = str(tree)
    config["qe"]["scratch_dir"] = str(tree / "scratch")
    for item in config["inference"]["items"].values():
        item["path"] = item["path"].replace("results-fixture", str(tree))
    return config


def write_config(config: dict, path: Path) -> Path:
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def snakemake(
    workdir: Path, config_file: Path, *args: str, profile: str = "local", timeout: float = 1800
) -> subprocess.CompletedProcess:
    """Run the repository's workflow in ``workdir`` (its own .snakemake) with a profile."""
    command = [
        str(SNAKEMAKE),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--profile",
        str(REPO / "profiles" / profile),
        "--configfile",
        str(config_file),
        *args,
    ]
    env = dict(os.environ, PATH=f"{SNAKEMAKE.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
