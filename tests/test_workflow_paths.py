"""The rules own every path: ``snakemake --summary`` (no job runs) lists each file of the tree
with the one rule that writes it, under the names the study used."""

from __future__ import annotations

import re
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


def dry_run_jobs(tmp_path: Path, config: dict) -> list[str]:
    """The job blocks (``rule <name>:`` with its input, output, wildcards) of ``snakemake -n``."""
    result = snakemake(tmp_path, write_config(config, tmp_path / "config.yaml"), "-n")
    assert result.returncode == 0, result.stderr[-3000:]
    return re.split(r"\n(?=(?:local)?rule \w+:)", result.stdout)


def test_sub_runs_chosen_one_by_one_get_dft_and_their_run_is_described_in_one_job(tmp_path):
    """describe_subrun: one job per run, whose status inputs are the DFT files of the run's
    sub-runs that get DFT (active_learning.dft_subruns "RUN/SUB"); the others are candidates."""
    tree = tmp_path / "tree"
    config = fixture_config(tree)
    # 1/0 is also the fixture's validation cell (model.validation_subruns): it needs DFT
    config["active_learning"]["dft_subruns"] = {"Zr50Cu50": ["1/0", "1/3"], "Zr25Cu75": ["1"]}
    jobs = dry_run_jobs(tmp_path, config)
    qe = [
        re.search(r"wildcards: ([^\n]*)", job).group(1)
        for job in jobs
        if job.startswith("rule qe_scf:") and "nc=Zr50Cu50" in job
    ]
    assert sorted(qe) == [f"nc=Zr50Cu50, nat=8, run=1, sub={sub}" for sub in (0, 3)]
    describe = [job for job in jobs if job.startswith("rule describe_subrun:")]
    runs = sorted(re.search(r"wildcards: ([^\n]*)", job).group(1) for job in describe)
    assert runs == ["nc=Zr25Cu75, nat=8, run=1", "nc=Zr50Cu50, nat=8, run=1"]
    (chosen,) = [job for job in describe if "nc=Zr50Cu50" in job]
    inputs = re.search(r"input: ([^\n]*)", chosen).group(1).split(", ")
    scf = sorted(p for p in inputs if p.endswith(".scf.out"))
    run = tree / "Zr50Cu50/c/md/lammps/8/1/2000"
    assert scf == sorted(str(run / f"{sub}/Zr50Cu50.scf.out") for sub in (0, 3))
    assert len([p for p in inputs if p.endswith(".xyz")]) == 15  # every sub-run's structure
    outputs = re.search(r"output: ([^\n]*)", chosen).group(1).split(", ")
    assert str(run / "7/subrun.status") in outputs  # NOT_RUN_YET, in no database
