"""Shared fixtures: the real PRM 4, 113603 study data, reached through ../shared (never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared/data/prm-4-113603"
SUBRUN = Path("G/Zr49Cu49Al2/c/md/lammps/100/21/2000/0")


@pytest.fixture(scope="session")
def study_data() -> Path:
    """The study's data folder; skips when ../shared/data/prm-4-113603 is absent."""
    if not DATA.is_dir():
        pytest.skip(f"real study data not available: {DATA} is absent (fresh clone)")
    return DATA


@pytest.fixture(scope="session")
def subrun_dir(study_data: Path) -> Path:
    """The real sub-run 0 of run 21 of Zr49Cu49Al2 (xyz, scf.out, lobsterin, ICOHPLIST...)."""
    path = study_data / SUBRUN
    if not path.is_dir():
        pytest.skip(f"real sub-run not available: {path} is absent")
    return path


@pytest.fixture(scope="session")
def fixture_tree(tmp_path_factory) -> Path:
    """The whole fixture workflow (real lmp, ld1.x, pw.x), run once per session in tmp."""
    from tests.fixture_run import fixture_config, snakemake, write_config

    base = tmp_path_factory.mktemp("fixture")
    tree = base / "tree"
    config = write_config(fixture_config(tree), base / "fixture.yaml")
    result = snakemake(base, config)
    assert result.returncode == 0, result.stderr[-3000:]
    return tree
