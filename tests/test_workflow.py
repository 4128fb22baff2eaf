"""The fixture end to end with the real programs (lmp, ld1.x, pw.x; LOBSTER's test double),
adoption of an existing tree, and what a bad config says."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from ase.io import read

from glassbonds.config_defaults import study_transformations
from glassbonds.descriptors import load_soap
from glassbonds.io.lammps import iter_dump_frames
from glassbonds.io.status_file import read_status_file
from tests.fixture_run import fixture_config, snakemake, write_config

pytestmark = pytest.mark.slow
COMPOSITIONS = {"Zr50Cu50": {"Zr": 4, "Cu": 4}, "Zr25Cu75": {"Zr": 2, "Cu": 6}}


def run_dir(tree: Path, nc: str) -> Path:
    return tree / nc / "c/md/lammps/8/1"


def test_lammps_melt_quench_makes_the_composition(fixture_tree):
    for nc, counts in COMPOSITIONS.items():
        directory = run_dir(fixture_tree, nc)
        assert "Total wall time" in (directory / f"{nc}.lmp.out").read_text()
        frames = list(iter_dump_frames(directory / "zca-th300.dump"))
        assert len(frames) >= 2
        symbols = frames[-1].to_atoms({1: "Zr", 2: "Cu"}).get_chemical_symbols()
        assert {el: symbols.count(el) for el in counts} == counts


def test_fifteen_subruns_are_the_study_deformations_of_the_reference(fixture_tree):
    for nc in COMPOSITIONS:
        snapshot = run_dir(fixture_tree, nc) / "2000"
        reference = read(snapshot / "0" / f"{nc}.xyz")
        assert sorted(int(p.name) for p in snapshot.iterdir()) == list(range(15))
        for transformation in study_transformations():
            cell = read(snapshot / str(transformation.subrun) / f"{nc}.xyz")
            assert len(cell) == 8
            np.testing.assert_allclose(
                cell.cell.array, transformation.matrix() @ reference.cell.array, atol=1e-6
            )
            np.testing.assert_allclose(
                cell.get_scaled_positions(wrap=False),
                reference.get_scaled_positions(wrap=False),
                atol=1e-6,
            )


def test_every_subrun_has_a_status_and_converged_ones_have_lobster_output(fixture_tree):
    for nc in COMPOSITIONS:
        for sub in range(15):
            directory = run_dir(fixture_tree, nc) / "2000" / str(sub)
            status = read_status_file(directory / "subrun.status")
            assert status.code.value in range(1, 8)
            if status.code.usable:
                assert (directory / "ICOHPLIST.lobster").stat().st_size > 0
                assert "test double" in (directory / f"{nc}.lb.out").read_text()
                # the double leaves its trace: status and database provenance name it
                assert status.icohp_program["synthetic"] is True
                assert status.icohp_program["name"] == "glassbonds-synthetic-lobster"
                assert status.pw_program["name"] == "PWSCF"
                assert all(p["sha256"] for p in status.pw_program["pseudopotentials"])


def test_qe_scratch_is_removed_once_lobster_has_read_it(fixture_tree):
    # temp(directory()) output of qe_scf, input of lobster (fixture: qe.keep_scratch false)
    for nc in COMPOSITIONS:
        for sub in range(15):
            subrun = run_dir(fixture_tree, nc) / "2000" / str(sub)
            scratch = fixture_tree / "scratch" / nc / "8/1/2000" / str(sub)
            written = f"Writing output data file {scratch}/{nc}.save/"
            assert written in (subrun / f"{nc}.scf.out").read_text()  # pw.x wrote there
            assert (subrun / "ICOHPLIST.lobster").is_file()  # LOBSTER ran after it
            assert not scratch.exists()  # and Snakemake removed it


def test_the_test_double_is_marked_in_databases_and_the_report(fixture_tree):
    import json

    for store in (fixture_tree / "Zr50Cu50-PBSSDB", fixture_tree / "DB2"):
        records = json.loads((store / "metadata.json").read_text())["provenance"]
        assert records and all(r["icohp_program"]["synthetic"] for r in records)
    for page in ("bond-databases.html", "test-rmse.html"):
        assert 'id="synthetic-banner"' in (fixture_tree / "report" / page).read_text()
    for log in (fixture_tree / "logs/lobster").rglob("*.log"):
        assert "LOBSTER ran" not in log.read_text()


def test_the_hard_subrun_is_recovered_and_its_attempts_recorded(fixture_tree):
    """config/fixture.yaml's qe.overrides allows Zr50Cu50/1/3 five scf iterations: its first
    pw.x attempt cannot converge, the recovery's later one does; status, database
    provenance, `glassbonds provenance` and the status report say so."""
    import json
    import subprocess
    import sys

    directory = run_dir(fixture_tree, "Zr50Cu50") / "2000" / "3"
    assert "electron_maxstep = 5" in (directory / "Zr50Cu50.scf.in").read_text()
    status = read_status_file(directory / "subrun.status")
    attempts = status.scf_attempts
    assert attempts["runs"][0]["result"] == "not_converged"
    assert attempts["runs"][0]["iterations"] == 5
    converged = attempts["converged_attempt"]
    assert converged is not None and converged > 1 and status.scf_converged
    assert (directory / f"Zr50Cu50.scf.out.attempt{converged}").read_text() == (
        directory / "Zr50Cu50.scf.out"
    ).read_text()
    assert f"scf converged at attempt {converged}" in status.reason
    other = read_status_file(directory.parent / "4" / "subrun.status")
    assert other.scf_attempts["attempts"] == 1 and other.scf_attempts["converged_attempt"] == 1
    store = fixture_tree / "Zr50Cu50-PBSSDB"
    records = json.loads((store / "metadata.json").read_text())["provenance"]
    (record,) = [r for r in records if (r["run"], r["subrun"]) == (1, 3)]
    assert record["scf_attempts"] == attempts
    shown = subprocess.run(
        [sys.executable, "-m", "glassbonds.cli", "provenance", str(store)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "run 1 sub-run 3: " in shown and f"scf RECOVERED at attempt {converged}" in shown
    assert "scf recovery" in (fixture_tree / "report" / "subrun-status.html").read_text()


def test_soap_vectors_have_the_cell_shape_and_unit_norm(fixture_tree):
    for nc in COMPOSITIONS:
        for sub in (0, 8, 14):
            record = load_soap(fixture_tree / f"{nc}-SOAPS/c/md/lammps/8/1/2000/{sub}/SOAPS.npz")
            # two species, n_max 8, l_max 6: (16 * 17 / 2) * 7 numbers
            assert record.vectors.shape == (8, 952)
            np.testing.assert_allclose(np.linalg.norm(record.vectors, axis=1), 1.0)
            assert record.parameters["r_cut"] == 3.75


def test_each_subrun_is_in_its_database_or_in_nd_info(fixture_tree):
    for nc in COMPOSITIONS:
        database = fixture_tree / f"{nc}-PBSSDB"
        rows = pd.read_parquet(database / "bonds.parquet")
        used = set(zip(rows["run"], rows["subrun"], strict=True))
        nd_lines = (database / "ND.info").read_text().split("\n")
        not_done = {(int(r), int(s)) for r, s, _ in (line.split() for line in nd_lines if line)}
        assert not used & not_done
        assert used | not_done == {(1, sub) for sub in range(15)}
        legacy = sum(
            len((database / f"{bond}.bnd").read_text().splitlines())
            for bond in ("Zr-Zr", "Zr-Cu", "Cu-Cu")
        )
        assert legacy == len(rows) > 0


def test_cluster_sums_count_every_database_bond_from_both_atoms(fixture_tree):
    for nc in COMPOSITIONS:
        clusters = [
            atoms
            for element in ("Zr", "Cu")
            for atoms in read(fixture_tree / f"{nc}-PCSSDB/{element}.xyz", index=":")
        ]
        assert (fixture_tree / f"{nc}-PCSSDB/DUB.info").read_text() == ""
        rows = pd.read_parquet(fixture_tree / f"{nc}-PBSSDB/bonds.parquet")
        assert len(clusters) == 8 * rows.groupby(["run", "subrun"]).ngroups
        total = sum(atoms.info["SUM_ICOHP"] for atoms in clusters)
        assert total == pytest.approx(2 * rows["minus_icohp"].sum(), rel=1e-5)


def test_per_atom_model_is_judged_on_held_out_subruns(fixture_tree):
    for nc in COMPOSITIONS:
        held_out = pd.read_csv(
            fixture_tree / f"TT/per-atom-{nc}/{nc}-per-atom-held-out.tsv", sep="\t"
        )
        summary = pd.read_csv(
            fixture_tree / f"TT/per-atom-{nc}/{nc}-per-atom-grouped-cv.tsv", sep="\t"
        )
        assert set(summary["element"]) == {"Zr", "Cu"}
        rmse = np.sqrt(((held_out["predicted"] - held_out["target"]) ** 2).mean())
        assert rmse < held_out["target"].std()  # better than predicting the mean


def test_suggestions_rank_every_candidate_and_extend_the_dft_list(fixture_tree):
    import yaml

    ranked = pd.read_csv(fixture_tree / "active-learning/suggested-subruns.tsv", sep="\t")
    # run 2 of each composition has structures only: its 15 sub-runs are the candidates
    assert sorted(zip(ranked.nc, ranked.run, ranked.subrun, strict=True)) == sorted(
        (nc, 2, sub) for nc in COMPOSITIONS for sub in range(15)
    )
    assert list(ranked["score"]) == sorted(ranked["score"], reverse=True)
    fragment = yaml.safe_load((fixture_tree / "active-learning/next-dft-subruns.yaml").read_text())
    chosen = fragment["active_learning"]["dft_subruns"]
    added = [entry for entries in chosen.values() for entry in entries if entry != "1"]
    best = ranked.head(3)
    assert added and sorted(added) == sorted(f"{r.run}/{r.subrun}" for r in best.itertuples())
    assert all(entries[0] == "1" for entries in chosen.values())


def test_the_replay_compares_acquisition_and_random_on_whole_training_cells(fixture_tree):
    stem = fixture_tree / "active-learning/replay-DB2/DB2-replay"
    rows = pd.read_parquet(fixture_tree / "DB2/bonds.parquet")
    cells = set(rows.source + "/" + rows.run.astype(str) + "/" + rows.subrun.astype(str))
    cells -= {"Zr50Cu50/1/0"}  # the validation sub-run is never trained on
    curves = pd.read_csv(stem.with_name(stem.name + "-curves.tsv"), sep="\t")
    for _, part in curves.groupby(["strategy", "seed", "fold"]):
        steps = part.sort_values("subruns").drop_duplicates("subruns")
        added = [c for entry in steps.added for c in entry.split(";")]
        assert len(added) == len(set(added)) == part.subruns.max() and set(added) < cells
    summary = pd.read_csv(stem.with_name(stem.name + "-summary.tsv"), sep="\t", dtype=str)
    assert set(summary.strategy) == {"acquisition", "random"}
    assert set(summary.seed) == {"mean", "0", "1"}
    page = (fixture_tree / "report/active-learning-replay.html").read_text()
    assert "Sub-runs needed: acquisition vs random" in page and 'id="synthetic-banner"' in page
    assert (fixture_tree / "report/active-learning-replay.png").stat().st_size > 0


def test_mixed_database_takes_the_configured_bonds_from_each_composition(fixture_tree):
    rows = pd.read_parquet(fixture_tree / "DB2/bonds.parquet")
    counts = rows.groupby(["bond_type", "source"]).size()
    assert set(counts.to_numpy()) == {30} and len(counts) == 6


def test_models_are_fitted_validated_and_applied_to_the_dump(fixture_tree):
    fits = sorted((fixture_tree / "TT/fit-results-DB2").glob("*.info"))
    assert [p.name.split("-")[1:3] for p in fits] == [["Cu", "Cu"], ["Zr", "Cu"], ["Zr", "Zr"]]
    for info in fits:
        assert "RMSE" in info.read_text()
    validation = pd.read_csv(next((fixture_tree / "TT/validation-DB2").glob("*.tsv")), sep="\t")
    assert set(validation["bond_type"]) >= {"Zr-Zr", "Zr-Cu", "Cu-Cu"}
    icohps = fixture_tree / "ETL_inference/Zr50Cu50-run1/icohps"
    summary = pd.read_csv(icohps / "Zr50Cu50-run1_inference_summary.tsv", sep="\t")
    dump = run_dir(fixture_tree, "Zr50Cu50") / "zca-th300.dump"
    assert list(summary["step"]) == [frame.step for frame in iter_dump_frames(dump)]
    for step in summary["step"]:
        lines = (icohps / f"Zr50Cu50-run1_{step}_ICOHPLIST.lobster").read_text().splitlines()
        assert lines[0].split()[:3] == ["COHP#", "atomMU", "atomNU"] and len(lines) > 1


def test_a_second_dry_run_has_nothing_to_do(fixture_tree):
    config = write_config(fixture_config(fixture_tree), fixture_tree.parent / "again.yaml")
    result = snakemake(fixture_tree.parent, config, "-n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Nothing to be done" in result.stdout + result.stderr


def test_an_existing_tree_without_dumps_is_adopted_without_rerunning_programs(
    fixture_tree, tmp_path
):
    adopted = tmp_path / "adopted"
    for nc in COMPOSITIONS:
        source = run_dir(fixture_tree, nc) / "2000"
        target = run_dir(adopted, nc) / "2000"
        # only what the study published per sub-run: no dump, no status, no SOAP, no database
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("subrun.status"))
    # a sub-run directory holding only its structure: recorded in ND.info, nothing blocked
    only_xyz = run_dir(adopted, "Zr50Cu50") / "2000" / "15"
    only_xyz.mkdir()
    shutil.copy(run_dir(adopted, "Zr50Cu50") / "2000/0/Zr50Cu50.xyz", only_xyz)
    config = fixture_config(adopted)
    config.update(subrun_source="existing", runs="discover")
    config["inference"]["items"] = {}
    config_file = write_config(config, tmp_path / "adopt.yaml")
    result = snakemake(tmp_path, config_file)
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    for program_rule in ("lammps_run", "qe_scf", "lobster", "subrun_inputs"):
        assert f"rule {program_rule}:" not in log
    for nc in COMPOSITIONS:
        for bond in ("Zr-Zr", "Zr-Cu", "Cu-Cu"):
            original = (fixture_tree / f"{nc}-PBSSDB/{bond}.bnd").read_text()
            assert (adopted / f"{nc}-PBSSDB/{bond}.bnd").read_text() == original
    assert "1 15 6" in (adopted / "Zr50Cu50-PBSSDB/ND.info").read_text().splitlines()
    reasons = (adopted / "Zr50Cu50-PBSSDB/ND-reasons.tsv").read_text()
    assert "1\t15\t6\tno scf output" in reasons


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda c: c["lammps"].update(timestepp=0.001), "timestepp"),
        (lambda c: c.update(compositions=["Zr50Cu40"]), "Zr50Cu40"),
        (lambda c: c.update(natoms=7), "of 7 atoms"),
        (lambda c: c["qe"].update(ecutwfc="thirty"), "thirty"),
        (lambda c: c.update(natoms=8.0), "natoms"),
        (lambda c: c["model"]["grid"].update(fold=3), "fold"),
        (
            lambda c: c["model"]["hyperparameters"].update(
                {"Cu-Zr": c["model"]["hyperparameters"].pop("Zr-Cu")}
            ),
            "Cu-Zr",
        ),
    ],
)
def test_a_bad_config_stops_with_a_message_naming_the_key(tmp_path, change, named):
    config = fixture_config(tmp_path / "tree")
    change(config)
    result = snakemake(tmp_path, write_config(config, tmp_path / "bad.yaml"), "-n")
    assert result.returncode != 0
    assert named in result.stdout + result.stderr


def test_a_root_with_a_space_runs_lammps_inside_its_run_directory(tmp_path):
    tree = tmp_path / "my runs" / "tree"
    config = fixture_config(tree)
    config_file = write_config(config, tmp_path / "space.yaml")
    dump = run_dir(tree, "Zr50Cu50") / "zca-th300.dump"
    result = snakemake(tmp_path, config_file, "--cores", "2", "--", str(dump))
    assert result.returncode == 0, result.stderr[-3000:]
    assert dump.is_file() and (dump.parent / "log.lammps").is_file()
    # nothing ran in the parent directory of the root or the working directory
    assert sorted(p.name for p in (tmp_path / "my runs").iterdir()) == ["tree"]
    assert not (tmp_path / "log.lammps").exists()


def test_a_published_tree_is_adopted_without_writing_into_it(study_data, tmp_path):
    """derived_root: status, SOAP and databases go to a mirror; the adopted tree is unchanged."""
    published = tmp_path / "published"
    source = study_data / "G/Zr49Cu49Al2/c/md/lammps/100/21/2000"
    for sub in ("0", "13"):  # a DONE sub-run and the one whose scf was cut off
        shutil.copytree(source / sub, published / "Zr49Cu49Al2/c/md/lammps/100/21/2000" / sub)
    before = {p: p.stat().st_mtime_ns for p in published.rglob("*")}
    derived = tmp_path / "derived"
    config = yaml.safe_load((Path(__file__).parents[1] / "config/config.yaml").read_text())
    config.update(
        root=str(published),
        derived_root=str(derived),
        compositions=["Zr49Cu49Al2"],
        runs="discover",
        subrun_source="existing",
        mixed_databases=[],
    )
    config_file = write_config(config, tmp_path / "adopt.yaml")
    target = derived / "Zr49Cu49Al2-PBSSDB/ND.info"
    result = snakemake(tmp_path, config_file, "--cores", "2", "--", str(target))
    assert result.returncode == 0, result.stderr[-3000:]
    assert {p: p.stat().st_mtime_ns for p in published.rglob("*")} == before
    assert target.read_text() == "21 13 2\n"
    status = derived / "Zr49Cu49Al2/c/md/lammps/100/21/2000/0/subrun.status"
    assert read_status_file(status).code == 1


def test_a_second_run_on_the_same_tree_refuses_to_start(tmp_path):
    import json
    import socket
    import subprocess

    tree = tmp_path / "tree"
    tree.mkdir()
    other = subprocess.Popen(["sleep", "60"])
    try:
        lock = {"host": socket.gethostname(), "pid": other.pid, "cwd": "/elsewhere", "started": "x"}
        (tree / ".glassbonds-run.lock").write_text(json.dumps(lock))
        config_file = write_config(fixture_config(tree), tmp_path / "fixture.yaml")
        result = snakemake(tmp_path, config_file, "--cores", "1")
    finally:
        other.kill()
        other.wait()
    assert result.returncode != 0
    assert "another run works on this tree" in result.stdout + result.stderr
    assert "/elsewhere" in result.stdout + result.stderr
    assert not (tree / "Zr50Cu50").exists()  # nothing ran


def test_each_inferred_frame_has_a_per_atom_map(fixture_tree):
    icohps = fixture_tree / "ETL_inference/Zr50Cu50-run1/icohps"
    summary = pd.read_csv(icohps / "Zr50Cu50-run1_inference_summary.tsv", sep="\t", dtype=str)
    steps = list(summary.loc[summary["status"] == "ok", "step"])
    assert steps
    for step in steps:
        atoms = read(icohps / f"Zr50Cu50-run1_{step}_atoms.xyz")
        assert len(atoms) == 8 and (atoms.arrays["sum_minus_icohp"] > 0).all()
        info = (icohps / f"Zr50Cu50-run1_{step}_ICOHPLIST.info").read_text()
        # the fixture's models learned from the LOBSTER test double: the .info says so
        assert "SYNTHETIC -ICOHP (test double, not LOBSTER)" in info
        assert "# model " in info and " sha256 " in info
    assert (fixture_tree / "report/inference/Zr50Cu50-run1-atoms.png").is_file()
