"""Benchmark of the PBSSDB of one composition at production size (standalone script).

Builds tree (b) of ``tools/make_synthetic_tree.py`` (Zr49Cu49Al2, 40 runs x 15 sub-runs of
100 atoms, synthetic ICOHPLISTs and random SOAP vectors) in a temporary directory, in a child
process, then times ``glassbonds.database.pbssdb.build_pbssdb + writers`` for the 600 sub-runs
here and prints the bonds, the time and the peak resident memory of this process (the tree
is built by other processes, so ``ru_maxrss`` is the database build's alone). Figures go to
``bench/out/bench_pbssdb.json``. Goals: under 60 s and under 4 GB.

Run: ``.venv/bin/python bench/bench_pbssdb.py [--runs 40] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from glassbonds.config_defaults import study_soap_parameters
from glassbonds.database.pbssdb import build_pbssdb, summary_table, write_pbssdb_legacy
from glassbonds.database.store import save_store
from glassbonds.database.subruns import declared_subrun_files
from glassbonds.io.status_file import read_status_file

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
from make_synthetic_tree import NATOMS, NSUB, SNAPSHOT, SPECIES, pbssdb_files  # noqa: E402

from glassbonds.tree import SubRun  # noqa: E402

OUT = REPO / "bench" / "out"
NC = "Zr49Cu49Al2"
GOAL_SECONDS = 60.0
GOAL_GB = 4.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="build the tree here and keep it (reused if already built)",
    )
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="bench-pbssdb-"))
    root = workdir / "tree"
    try:
        if not (root / f"{NC}-SOAPS").is_dir():
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    str(REPO / "tools" / "make_synthetic_tree.py"),
                    "pbssdb",
                    str(root),
                    "--runs",
                    str(args.runs),
                ],
                check=True,
            )
            print(f"tree built in {time.perf_counter() - start:.1f} s")
        subruns = [
            SubRun(NC, NATOMS, run, sub, SNAPSHOT)
            for run in range(1, args.runs + 1)
            for sub in range(NSUB)
        ]
        descriptor = study_soap_parameters(SPECIES).as_dict()
        start = time.perf_counter()
        directory = root / f"{NC}-PBSSDB"
        paths = [pbssdb_files(root, s) for s in subruns]
        files = declared_subrun_files(
            subruns,
            [read_status_file(p["status"]) for p in paths],
            *([p[kind] for p in paths] for kind in ("xyz", "soap", "neighbours", "icohplist")),
        )
        result = build_pbssdb(NC, files, list(SPECIES), descriptor)
        write_pbssdb_legacy(
            result,
            {
                b: directory / f"{b}.bnd"
                for b in ("Zr-Zr", "Zr-Cu", "Zr-Al", "Cu-Cu", "Cu-Al", "Al-Al")
            },
            directory / "ND.info",
            directory / "ND-reasons.tsv",
            directory / "DUB.info",
        )
        save_store(result.database, directory)
        summary = summary_table(result, len(files))
        seconds = time.perf_counter() - start
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB -> GiB
        bonds = int(summary.loc[summary["what"] == "bonds", "count"].sum())
        dropped = int(summary.loc[summary["item"] == "dropped pairs (DUB.info)", "count"].sum())
        sizes = {p.name: p.stat().st_size for p in (root / f"{NC}-PBSSDB").iterdir()}
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(summary.to_string(index=False))
    print(
        f"store: {sum(sizes.values()) / 1e6:.0f} MB "
        f"(soap.npy {sizes.get('soap.npy', 0) / 1e6:.0f} MB, "
        f"bonds.parquet {sizes.get('bonds.parquet', 0) / 1e6:.1f} MB)"
    )
    verdict = "OK" if seconds < GOAL_SECONDS and peak_gb < GOAL_GB else "SLOW/BIG"
    print(
        f"build_pbssdb + writers: {len(subruns)} sub-runs, {bonds} bonds ({dropped} dropped "
        f"pairs), {seconds:.1f} s, peak RSS {peak_gb:.2f} GB "
        f"(goal < {GOAL_SECONDS:.0f} s, < {GOAL_GB:.0f} GB: {verdict})"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    figures = {
        "subruns": len(subruns),
        "bonds": bonds,
        "seconds": round(seconds, 2),
        "peak_rss_gb": round(peak_gb, 3),
        "goal_s": GOAL_SECONDS,
        "goal_gb": GOAL_GB,
    }
    (OUT / "bench_pbssdb.json").write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
