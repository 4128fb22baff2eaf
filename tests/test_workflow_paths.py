"""The rules own every path: ``snakemake --summary`` (no job runs) lists each file of the tree
with the one rule that writes it, under the names the study used."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from glassbonds.tree import SubRun
from glassbonds.tree_status import STUDY_LAYOUT
from tests.fixture_run import REPO, fixture_config, snakemake, write_config


def summary(tmp_path: Path, config: dict) -> dict[str, str]:
    """Output file -> rule, from ``snakemake --summary`` of ``config``."""
    result = snakemake(tmp_path, write_config(config, tmp_path / "config.yaml"), "--summary")
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line.split("\t") for line in result.stdout.splitlines()[1:] if "\t" in line]
    rules: dict[str, str] = {}
    for row in rows:
        assert row[0] not in rules, f"{row[0]} is an output of {rules[row[0]]} and {row[2]}"
        rules[row[0]] = row[2]
    return rules


def test_each_file_of_a_subrun_is_written_by_one_rule_under_the_study_name(tmp_path):
    tree = tmp_path / "tree"
    rules = summary(tmp_path, fixture_config(tree))
    subrun = tree / "Zr50Cu50/c/md/lammps/8/1/2000/3"
    expected = {
        "Zr50Cu50.xyz": "subrun_inputs",
        "Zr50Cu50.scf.in": "subrun_inputs",
        "lobsterin": "subrun_inputs",
        "lobsterin-quippy": "subrun_inputs",
        "Zr50Cu50.scf.out": "qe_scf",
        "ICOHPLIST.lobster": "lobster",
        "Zr50Cu50.lb.out": "lobster",
        "lobsterout": "lobster",
        "subrun.status": "describe_subrun",
    }
    assert {p.name: rules[str(p)] for p in map(subrun.joinpath, expected)} == expected
    soap = tree / "Zr50Cu50-SOAPS/c/md/lammps/8/1/2000/3/SOAPS.npz"
    assert rules[str(soap)] == "describe_subrun"
    assert rules[str(tree / "scratch/Zr50Cu50/8/1/2000/3")] == "qe_scf"  # QE's outdir
    database = tree / "Zr50Cu50-PBSSDB"
    for name in ("Zr-Cu.bnd", "ND.info", "ND-reasons.tsv", "DUB.info", "metadata.json"):
        assert rules[str(database / name)] == "pbssdb"
    # the read-only `glassbonds status` looks where the rules write
    located = SubRun("Zr50Cu50", 8, 1, 3)
    assert rules[str(STUDY_LAYOUT.subrun_file(tree, located, "scf_out"))] == "qe_scf"
    assert rules[str(STUDY_LAYOUT.subrun_file(tree, located, "icohplist"))] == "lobster"
    metadata = STUDY_LAYOUT.pbssdb_metadata.format(root=tree, nc="Zr50Cu50")
    assert rules[metadata] == "pbssdb"


def test_the_study_config_names_its_fits_as_the_published_results(study_data, tmp_path):
    published = study_data / "TT" / "fit-results-Zr49Cu49Al2"
    if not published.is_dir():
        pytest.skip(f"{published} is absent")
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    config["model"]["hyperparameters_source"] = "config"  # the study's own values
    pseudo = tmp_path / "pseudo"  # --summary needs the UPFs to exist, nothing more
    pseudo.mkdir()
    for upf in config["qe"]["pseudopotentials"].values():
        (pseudo / upf).write_text("placeholder\n")
    config["qe"]["pseudo_dir"] = str(pseudo)
    config.update(
        root=str(tmp_path / "tree"),
        compositions=["Zr49Cu49Al2"],
        runs=[1],
        mixed_databases=[],
        inference={**config["inference"], "items": {}},
    )
    rules = summary(tmp_path, config)
    fits = {Path(path).stem for path, rule in rules.items() if rule == "fit" and ".dat" in path}
    names = {p.stem for p in published.glob("*.dat")}
    assert names and names <= fits  # the study published five of the six bond types
