"""Synthetic production-size trees (the study's layout, DESIGN.md section 2) for benchmarks.

Two kinds:

``dry-run``
    For ``snakemake -n`` on a production-size DAG: 3 compositions x 100 runs x 15 sub-runs
    (``subrun_source: md``). Every run has its LAMMPS files, every sub-run its four input
    files (``<NC>.xyz``, ``<NC>.scf.in``, ``lobsterin``, ``lobsterin-quippy``); runs up to
    ``--scf-runs`` also have ``<NC>.scf.out`` and runs up to ``--lobster-runs`` the LOBSTER
    outputs (sub-runs with ``scf.out`` but no LOBSTER output have their QE scratch directory,
    ``<root>/scratch/<NC>/<NAT>/<RUN>/2000/<SUB>``, which LOBSTER will read); no sub-run has
    its status or SOAP yet. Files are small placeholders (a dry run looks at existence and
    mtimes only) whose mtimes increase along the rule chain, so that nothing present is out
    of date. With the defaults the DAG has ~14,000 jobs to do (qe_scf
    1,800, lobster 3,150, describe_subrun 300 (one per run), databases, models).
    :func:`dry_run_config` gives the matching workflow configuration.

``pbssdb``
    For the PBSSDB scale benchmark: one composition (Zr49Cu49Al2) with 40 runs x 15 sub-runs
    of 100 atoms: random dense cells (random sequential addition with a minimum distance in
    a cube of side ``--side`` angstrom) and the study's 15 transformations, then per sub-run
    ``<NC>.xyz``, ``lobsterin-quippy`` (``io.lobster_inputs.neighbour_list_text``, SOAP cutoff),
    ``ICOHPLIST.lobster`` (``synthetic_lobster.synthetic_icohp`` + ``io.lobster.icohplist_text``),
    ``subrun.status`` (DONE) and ``SOAPS.npz`` with random L2-normalised 2100-long vectors
    recorded with the study's SOAP parameters (``study_soap_parameters()``) (real SOAP for 600
    cells would take too long). About 450,000 bonds with the defaults.

Run: ``.venv/bin/python tools/make_synthetic_tree.py {dry-run,pbssdb} ROOT [options]``.
"""

from __future__ import annotations

import argparse
import copy
import os
import time
from collections.abc import Sequence
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import yaml
from ase import Atoms
from ase.io import write as write_structure

from glassbonds.cells import deform
from glassbonds.config_defaults import (
    study_config,
    study_soap_parameters,
    study_species,
    study_transformations,
)
from glassbonds.descriptors import save_soap
from glassbonds.files import atomic_path, write_text
from glassbonds.io.lobster import icohplist_text
from glassbonds.io.lobster_inputs import LobsterSettings, neighbour_list_text
from glassbonds.io.status_file import write_status_file
from glassbonds.subrun_status import StatusCode, SubRunStatus
from glassbonds.synthetic_lobster import synthetic_icohp
from glassbonds.tree import SubRun

# The files of a sub-run as the workflow's rules name them (workflow/rules/*.smk): the files
# each rule writes into the sub-run directory.
RULE_FILES = {
    "subrun_inputs": ("{nc}.xyz", "{nc}.scf.in", "lobsterin", "lobsterin-quippy"),
    "qe_scf": ("{nc}.scf.out", "scf.attempts"),
    "lobster": ("ICOHPLIST.lobster", "{nc}.lb.out", "lobsterout"),
}

REPO = Path(__file__).resolve().parents[1]
COMPOSITIONS = ("Zr49Cu49Al2", "Zr47Cu47Al6", "Zr45Cu45Al10")
SPECIES = study_species()
NATOMS = 100
SNAPSHOT = "2000"
NSUB = 15
POTENTIAL = "ZrCuAl-2011.lammps.eam"
UPFS = {
    "Al": "Al.aryjr-1.0.0-ld1.UPF",
    "Cu": "Cu.aryjr-1.0.0-ld1.UPF",
    "Zr": "Zr.aryjr-1.0.0-ld1.UPF",
}
SOAP_WIDTH = 2100  # DScribe's length for 3 species, n_max 8, l_max 6
LOBSTER = LobsterSettings.from_config(study_config()["lobster"])
SOAP_CUTOFF = 3.75


# ---------------------------------------------------------------- dry-run tree (a)


def _touch(path: Path, mtime: float, text: str = "") -> None:
    path.write_text(text)
    os.utime(path, (mtime, mtime))


def make_dry_run_tree(
    root: Path,
    runs: int = 100,
    scf_runs: int = 60,
    lobster_runs: int = 30,
    compositions: Sequence[str] = COMPOSITIONS,
) -> int:
    """Write tree (a) under ``root``; returns the number of sub-runs.

    mtimes increase along the chain (LAMMPS input < LAMMPS output < sub-run inputs < scf.out <
    LOBSTER outputs) so that Snakemake's mtime trigger finds nothing present out of date.
    """
    # Recent (Snakemake reruns script rules whose script is newer than their outputs), in
    # the past, ten seconds apart per step of the chain.
    base = time.time() - 60
    level = {
        name: base + 10 * index
        for index, name in enumerate(
            ["lammps_input", "lammps_run", "subrun_inputs", "qe_scf", "lobster"]
        )
    }
    pseudo = root / "pseudo"
    pseudo.mkdir(parents=True, exist_ok=True)
    for upf in UPFS.values():
        _touch(pseudo / upf, base - 10, "placeholder UPF\n")
    _touch(root / POTENTIAL, base - 10, "placeholder EAM potential\n")
    count = 0
    for nc in compositions:
        for run in range(1, runs + 1):
            run_dir = subrun_dir(root, SubRun(nc, NATOMS, run, 0, SNAPSHOT)).parent.parent
            run_dir.mkdir(parents=True, exist_ok=True)
            for name in (f"{nc}.lmp.inp", POTENTIAL):
                _touch(run_dir / name, level["lammps_input"])
            for name in (f"{nc}.lmp.out", "log.lammps", "zca-th300.dump"):
                _touch(run_dir / name, level["lammps_run"])
            for sub in range(NSUB):
                directory = subrun_dir(root, SubRun(nc, NATOMS, run, sub, SNAPSHOT))
                directory.mkdir(parents=True, exist_ok=True)
                rules = ["subrun_inputs"]
                if run <= scf_runs:
                    rules.append("qe_scf")
                if run <= min(lobster_runs, scf_runs):
                    rules.append("lobster")
                for rule in rules:
                    for name in RULE_FILES[rule]:
                        _touch(directory / name.format(nc=nc), level[rule])
                if rules[-1] == "qe_scf":  # QE's outdir, kept until LOBSTER has read it
                    scratch = root / "scratch" / nc / str(NATOMS) / str(run) / SNAPSHOT / str(sub)
                    scratch.mkdir(parents=True, exist_ok=True)
                    os.utime(scratch, (level["qe_scf"], level["qe_scf"]))
                count += 1
    return count


def dry_run_config(root: Path, runs: int = 100, compositions: Sequence[str] = COMPOSITIONS) -> dict:
    """config/config.yaml rooted at ``root`` (runs 1..``runs``), pointing at tree (a)'s
    placeholder potential and UPFs (a dry run needs them to exist, nothing more)."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config = copy.deepcopy(config)
    config["root"] = str(root)
    config["compositions"] = list(compositions)
    config["runs"] = list(range(1, runs + 1))
    config["lammps"]["potential"] = str(root / POTENTIAL)
    config["qe"]["pseudo_dir"] = str(root / "pseudo")
    config["qe"]["pseudopotentials"] = dict(UPFS)
    config["qe"]["scratch_dir"] = str(root / "scratch")
    for spec in config.get("mixed_databases", []):
        spec["counts"] = {nc: count for nc, count in spec["counts"].items() if nc in compositions}
    return config


# ---------------------------------------------------------------- PBSSDB tree (b)


def subrun_dir(root: Path, subrun: SubRun) -> Path:
    """A sub-run's directory (common.smk SUBRUN_DIR); ``root`` is also the derived root."""
    return Path(
        root, subrun.nc, "c/md/lammps", str(subrun.nat), str(subrun.run), subrun.snapshot
    ) / str(subrun.sub)


def pbssdb_files(root: Path, subrun: SubRun) -> dict[str, Path]:
    """The files rule pbssdb reads of a sub-run, as the rules name them."""
    directory = subrun_dir(root, subrun)
    soap_dir = Path(root, f"{subrun.nc}-SOAPS", *directory.relative_to(root / subrun.nc).parts)
    return {
        "status": directory / "subrun.status",  # rule describe_subrun
        "xyz": directory / f"{subrun.nc}.xyz",  # rule subrun_inputs
        "soap": soap_dir / "SOAPS.npz",  # rule describe_subrun
        "neighbours": directory / "lobsterin-quippy",  # rule subrun_inputs
        "icohplist": directory / "ICOHPLIST.lobster",  # rule lobster
    }


def random_dense_cell(
    rng: np.random.Generator, side: float, min_distance: float, counts: dict[str, int]
) -> Atoms:
    """Random sequential addition of atoms in a periodic cube (angstrom): no two closer than
    ``min_distance``; element labels shuffled over the sites."""
    natoms = sum(counts.values())
    positions = np.empty((natoms, 3))
    placed = 0
    while placed < natoms:
        candidates = rng.uniform(0.0, side, size=(64, 3))
        for candidate in candidates:
            delta = positions[:placed] - candidate
            delta -= side * np.round(delta / side)
            if placed == 0 or np.min(np.einsum("ij,ij->i", delta, delta)) >= min_distance**2:
                positions[placed] = candidate
                placed += 1
                if placed == natoms:
                    break
    symbols = [symbol for symbol, count in counts.items() for _ in range(count)]
    rng.shuffle(symbols)
    return Atoms(symbols=symbols, positions=positions, cell=[side] * 3, pbc=True)


def _write_pbssdb_run(task: tuple[str, str, int, int, float, float]) -> int:
    """Write the 15 sub-runs of one run; returns the number of ICOHPLIST bonds written."""
    root_name, nc, run, seed, side, min_distance = task
    root = Path(root_name)
    rng = np.random.default_rng(seed)
    counts = _counts(nc)
    reference = random_dense_cell(rng, side, min_distance, counts)
    parameters = study_soap_parameters(SPECIES)
    total = 0
    for transformation in study_transformations():
        files = pbssdb_files(root, SubRun(nc, NATOMS, run, transformation.subrun, SNAPSHOT))
        atoms = deform(reference, transformation)
        with atomic_path(files["xyz"]) as tmp:
            write_structure(tmp, atoms, format="extxyz")
        write_text(files["neighbours"], neighbour_list_text(atoms, LOBSTER, SOAP_CUTOFF))
        bonds = synthetic_icohp(atoms, LOBSTER.bond_min, LOBSTER.bond_max)
        write_text(files["icohplist"], icohplist_text(bonds))
        status = SubRunStatus(
            code=StatusCode.DONE,
            reason="synthetic sub-run (benchmark tree)",
            scf_converged=True,
            scf_finished=True,
            lobster_interactions=len(bonds),
            lobster_finished=True,
            icohp_bonds=len(bonds),
        )
        write_status_file(files["status"], status)
        vectors = rng.standard_normal((len(atoms), SOAP_WIDTH))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        save_soap(files["soap"], vectors, parameters, atoms.get_chemical_symbols())
        total += len(bonds)
    return total


def _counts(nc: str) -> dict[str, int]:
    from glassbonds.composition import parse_composition

    return dict(parse_composition(nc).atom_counts(NATOMS))


def make_pbssdb_tree(
    root: Path,
    runs: int = 40,
    nc: str = "Zr49Cu49Al2",
    side: float = 11.4,
    min_distance: float = 2.1,
    seed: int = 1,
    processes: int | None = None,
) -> int:
    """Write tree (b) under ``root``; returns the number of ICOHPLIST bonds (all sub-runs)."""
    tasks = [
        (str(root), nc, run, seed * 100_003 + run, side, min_distance) for run in range(1, runs + 1)
    ]
    with Pool(processes or os.cpu_count() or 1) as pool:
        return sum(pool.map(_write_pbssdb_run, tasks, chunksize=1))


def pbssdb_subruns(runs: int = 40, nc: str = "Zr49Cu49Al2") -> list[SubRun]:
    """The sub-runs of tree (b), in the workflow's order."""
    return [
        SubRun(nc, NATOMS, run, sub, SNAPSHOT) for run in range(1, runs + 1) for sub in range(NSUB)
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: ``make_synthetic_tree.py {dry-run,pbssdb} ROOT [options]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="kind", required=True)
    dry = commands.add_parser("dry-run", help="tree (a): 3 x 100 x 15 placeholder sub-runs")
    dry.add_argument("root", type=Path)
    dry.add_argument("--runs", type=int, default=100)
    dry.add_argument("--scf-runs", type=int, default=60, help="runs whose sub-runs have scf.out")
    dry.add_argument(
        "--lobster-runs", type=int, default=30, help="runs whose sub-runs have the LOBSTER outputs"
    )
    dry.add_argument("--config", type=Path, help="also write the matching config here")
    big = commands.add_parser("pbssdb", help="tree (b): one composition, real-format files")
    big.add_argument("root", type=Path)
    big.add_argument("--runs", type=int, default=40)
    big.add_argument("--side", type=float, default=11.4, help="cube side, angstrom")
    big.add_argument("--min-distance", type=float, default=2.1, help="angstrom")
    big.add_argument("--seed", type=int, default=1)
    big.add_argument("--processes", type=int, default=None)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.kind == "dry-run":
        count = make_dry_run_tree(args.root, args.runs, args.scf_runs, args.lobster_runs)
        if args.config:
            args.config.write_text(
                yaml.safe_dump(dry_run_config(args.root, args.runs), sort_keys=False)
            )
        print(f"{count} sub-runs under {args.root} in {time.perf_counter() - start:.1f} s")
    else:
        bonds = make_pbssdb_tree(
            args.root,
            args.runs,
            side=args.side,
            min_distance=args.min_distance,
            seed=args.seed,
            processes=args.processes,
        )
        print(
            f"{args.runs * NSUB} sub-runs, {bonds} ICOHPLIST bonds under {args.root} "
            f"in {time.perf_counter() - start:.1f} s"
        )


if __name__ == "__main__":
    main()
