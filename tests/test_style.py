"""The repository's own rules: ruff-clean Python, snakefmt-formatted and lint-clean workflow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PYTHON_DIRS = ["src", "tests", "scripts", "bench", "tools"]


@pytest.mark.parametrize(
    "command",
    [
        [str(BIN / "ruff"), "check", *PYTHON_DIRS],
        [str(BIN / "ruff"), "format", "--check", *PYTHON_DIRS],
        [str(BIN / "snakefmt"), "--check", "Snakefile", "workflow/rules"],
    ],
    ids=["ruff-check", "ruff-format", "snakefmt"],
)
def test_code_style(command):
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_snakemake_lint_finds_nothing():
    result = subprocess.run(
        [str(BIN / "snakemake"), "--lint", "--configfile", "config/fixture.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "in a good condition" in output, output[-3000:]
