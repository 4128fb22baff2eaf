# glassbonds: Generate+ETL of PRM 4, 113603 (2020) as a Snakemake workflow.
# Usage: see README.md.  Config keys: workflow/schemas/config.schema.yaml.


import gc

# Snakemake's own process holds every job and file of the DAG (~10^6 Python objects for a
# production tree): Python's default garbage-collection thresholds (700, 10, 10) then spend
# a fifth of a production dry-run re-scanning them. So the cyclic collector is off while
# Snakemake parses the workflow and builds the DAG, objects that all live on; `onstart`
# (below: after the DAG, before the first job) freezes them and turns it back on, with a
# younger generation of 50,000 objects. A process without `onstart` ends with the
# collector off, holding its cyclic garbage: a dry run (`-n`, `--lint`, `--summary`; for
# 4,500 sub-runs 3 % faster than with the collector on and 75 MB more at peak, 575 MB) or
# a Slurm job step (`--no-hooks`: one job, whose script runs in a process of its own).
# Results do not depend on it (bench/bench_dry_run.py; docs/benchmarks.md).
gc.set_threshold(50_000, 10, 10)
gc.disable()


report: "workflow/report/workflow.rst"


# The study's production settings unless a config file is given (--configfile), which then
# stands alone: merging two configs would mix, e.g., their bond windows.
if not config:

    configfile: f"{workflow.basedir}/config/config.yaml"


include: "workflow/rules/common.smk"


wildcard_constraints:
    nc="[A-Z][A-Za-z0-9.]*",
    nat=r"\d+",
    run=r"\d+",
    sub=r"\d+",
    element="[A-Z][a-z]?",
    bond="[A-Z][a-z]?-[A-Z][a-z]?",
    db="[A-Za-z0-9_.-]+",
    item="[A-Za-z0-9_.-]+",


if config["subrun_source"] == "md":

    include: "workflow/rules/generate.smk"
    include: "workflow/rules/dft.smk"


include: "workflow/rules/etl.smk"
include: "workflow/rules/per_cluster.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/inference.smk"
include: "workflow/rules/active_learning.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        all_targets(),


# One run per tree (Snakemake locks only its working directory): see glassbonds.run_lock.
# The DAG is built: out of the collector's scans, which go on (top of this file).
onstart:
    gc.freeze()
    gc.enable()
    print(run_lock.acquire(RUN_LOCK))


onsuccess:
    run_lock.release(RUN_LOCK)


onerror:
    run_lock.release(RUN_LOCK)


# Everything parsed so far lives as long as Snakemake: out of the collector's scans.
gc.collect()
gc.freeze()
