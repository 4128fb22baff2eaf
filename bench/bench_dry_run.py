"""Benchmark of ``snakemake -n`` on a production-size tree with the Slurm profile, side by
side with a bare Snakemake DAG of the same shape.

Builds tree (a) of ``tools/make_synthetic_tree.py`` (3 compositions x 100 runs x 15
sub-runs, inputs and part of the DFT outputs present) in a temporary directory, writes a
production config rooted there (config/config.yaml with runs 1..100), and times quiet dry
runs (``--quiet rules host reason``: the job table stays, the per-job lines go) with
``--profile profiles/slurm`` (a dry run never submits).

The yardstick (issue 14.4) is a bare DAG of the same shape, generated in the same temporary
directory: a minimal Snakefile with, per sub-run, an input file on disk and two chained
jobs, and one aggregate job per composition (3 x 100 x 15 x 2 + 3 + 1 = 9,004 jobs), dry-run
with the same options and profile. The two dry runs alternate (``--repeat`` times each, back
to back, so that the shared machine's load affects both alike); the medians and their ratio
are printed (goal: workflow / bare <= 1.5) with the jobs, the peak resident memory of
Snakemake (``ru_maxrss`` of the children), and written to ``bench/out/bench_dry_run.json``.

Run: ``.venv/bin/python bench/bench_dry_run.py [--runs 100] [--repeat 3] [--keep DIR]
[--profile PATH]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
from make_synthetic_tree import dry_run_config, make_dry_run_tree  # noqa: E402

SNAKEMAKE = Path(sys.executable).with_name("snakemake")
OUT = REPO / "bench" / "out"
GOAL_SECONDS = 30.0
GOAL_RATIO = 1.5

BARE_SNAKEFILE = """\
# The bare DAG of bench_dry_run.py: the production tree's shape, nothing else.
NC = {compositions!r}
RUNS = range(1, {runs} + 1)
SUBS = range({subruns})


rule all:
    input:
        expand("agg/{{nc}}.txt", nc=NC),


rule first:
    input:
        "tree/{{nc}}/{{run}}/{{sub}}/input.txt",
    output:
        "tree/{{nc}}/{{run}}/{{sub}}/first.txt",
    shell:
        "cp {{input}} {{output}}"


rule second:
    input:
        "tree/{{nc}}/{{run}}/{{sub}}/first.txt",
    output:
        "tree/{{nc}}/{{run}}/{{sub}}/second.txt",
    shell:
        "cp {{input}} {{output}}"


rule aggregate:
    input:
        expand("tree/{{{{nc}}}}/{{run}}/{{sub}}/second.txt", run=RUNS, sub=SUBS),
    output:
        "agg/{{nc}}.txt",
    shell:
        "cat {{input}} > {{output}}"
"""


def make_bare_dag(directory: Path, compositions: list[str], runs: int, subruns: int) -> Path:
    """The bare DAG's Snakefile and its input files under ``directory``; the Snakefile."""
    for nc in compositions:
        for run in range(1, runs + 1):
            for sub in range(subruns):
                path = directory / "tree" / nc / str(run) / str(sub) / "input.txt"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("x\n")
    snakefile = directory / "Snakefile"
    snakefile.write_text(
        BARE_SNAKEFILE.format(compositions=compositions, runs=runs, subruns=subruns)
    )
    return snakefile


def dry_run(
    workdir: Path, profile: Path, snakefile: Path, *options: str
) -> tuple[int, float, float, float, str]:
    """One quiet dry run; returns (jobs, wall s, CPU s (user + system), peak RSS in MB,
    output). The CPU time is Snakemake's own: on a loaded machine it varies less than the
    wall time."""
    command = [
        str(SNAKEMAKE),
        "--snakefile",
        str(snakefile),
        "--profile",
        str(profile),
        *options,
        "--dry-run",
        "--quiet",
        "rules",
        "host",
        "reason",
    ]
    env = dict(os.environ, PATH=f"{SNAKEMAKE.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    with tempfile.TemporaryFile("w+") as log:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, text=True, env=env
        )
        # wait4: this process's own peak RSS (ru_maxrss, KiB on Linux), not all children's
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read()
    if process.returncode != 0:
        raise SystemExit(f"snakemake -n failed (status {process.returncode}):\n{output[-4000:]}")
    totals = re.findall(r"^total\s+(\d+)\s*$", output, re.MULTILINE)
    if not totals:
        raise SystemExit(f"no job count in the dry-run output:\n{output[-4000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return int(totals[0]), wall, cpu, usage.ru_maxrss / 1024, output


def job_table(output: str) -> dict[str, int]:
    """The ``Job stats`` table of a dry run: rule -> jobs."""
    block = output.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    return {
        m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", block, re.MULTILINE)
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="dry runs of each DAG (medians)")
    parser.add_argument("--profile", type=Path, default=REPO / "profiles" / "slurm")
    parser.add_argument(
        "--keep", type=Path, default=None, help="build the trees in this directory and keep them"
    )
    parser.add_argument(
        "--no-mixed", action="store_true", help="drop the config's mixed databases (DB4, DB8)"
    )
    parser.add_argument("--no-bare", action="store_true", help="time the workflow only")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="bench-dry-run-"))
    workdir.mkdir(parents=True, exist_ok=True)
    times: dict[str, list[float]] = {"workflow": [], "bare": [], "workflow_cpu": [], "bare_cpu": []}
    try:
        start = time.perf_counter()
        root = workdir / "tree"
        # 60 % of the runs with scf outputs, 30 % with LOBSTER outputs, as at 100 runs
        scf_runs, lobster_runs = round(0.6 * args.runs), round(0.3 * args.runs)
        subruns = make_dry_run_tree(root, args.runs, scf_runs, lobster_runs)
        config = dry_run_config(root, runs=args.runs)
        if args.no_mixed:
            config["mixed_databases"] = []
        config_file = workdir / "config.yaml"
        config_file.write_text(yaml.safe_dump(config, sort_keys=False))
        bare_dir = workdir / "bare"
        bare_snakefile = make_bare_dag(
            bare_dir, list(config["compositions"]), args.runs, len(config["subruns"])
        )
        print(f"trees: {subruns} sub-runs in {time.perf_counter() - start:.1f} s ({workdir})")
        workflow = (workdir, args.profile, REPO / "Snakefile", "--configfile", str(config_file))
        for attempt in range(args.repeat):
            jobs, wall, cpu, peak_mb, output = dry_run(*workflow)
            times["workflow"].append(wall)
            times["workflow_cpu"].append(cpu)
            line = f"run {attempt + 1}/{args.repeat}: workflow {wall:.1f} s ({cpu:.1f} s CPU)"
            if not args.no_bare:
                bare_jobs, bare_wall, bare_cpu, bare_mb, bare_output = dry_run(
                    bare_dir, args.profile, bare_snakefile
                )
                times["bare"].append(bare_wall)
                times["bare_cpu"].append(bare_cpu)
                line += f", bare DAG {bare_wall:.1f} s ({bare_cpu:.1f} s CPU)"
            print(line, flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    table = job_table(output)
    print(
        "jobs: " + ", ".join(f"{rule} {count}" for rule, count in table.items() if rule != "total")
    )
    wall = statistics.median(times["workflow"])
    cpu = statistics.median(times["workflow_cpu"])
    verdict = "OK" if wall < GOAL_SECONDS else "SLOW"
    print(
        f"snakemake -n ({args.profile.name} profile): {jobs} jobs, median of {args.repeat}: "
        f"{wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak_mb:.0f} MB "
        f"(goal < {GOAL_SECONDS:.0f} s wall: {verdict})"
    )
    figures: dict[str, object] = {
        "jobs": jobs,
        "wall_s": round(wall, 2),
        "wall_runs_s": [round(w, 2) for w in times["workflow"]],
        "cpu_s": round(cpu, 2),
        "peak_rss_mb": round(peak_mb),
        "subruns": subruns,
        "goal_s": GOAL_SECONDS,
    }
    if times["bare"]:
        bare = statistics.median(times["bare"])
        bare_cpu = statistics.median(times["bare_cpu"])
        ratio, cpu_ratio = wall / bare, cpu / bare_cpu
        print(
            f"bare DAG of the same shape: {bare_jobs} jobs, median {bare:.1f} s wall, "
            f"{bare_cpu:.1f} s CPU, peak RSS {bare_mb:.0f} MB ({job_table(bare_output)})"
        )
        print(
            f"dry-run ratio workflow / bare DAG: {ratio:.2f} wall, {cpu_ratio:.2f} CPU "
            f"(goal <= {GOAL_RATIO}: {'met' if ratio <= GOAL_RATIO else 'NOT met'})"
        )
        figures.update(
            bare_jobs=bare_jobs,
            bare_wall_s=round(bare, 2),
            bare_wall_runs_s=[round(w, 2) for w in times["bare"]],
            bare_cpu_s=round(bare_cpu, 2),
            cpu_ratio=round(cpu_ratio, 2),
            bare_peak_rss_mb=round(bare_mb),
            ratio=round(ratio, 2),
            goal_ratio=GOAL_RATIO,
        )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench_dry_run.json").write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
