# glassbonds: Generate+ETL of PRM 4, 113603 (2020) as a Snakemake workflow.
# Usage: see README.md.  Config keys: workflow/schemas/config.schema.yaml.


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
onstart:
    print(run_lock.acquire(RUN_LOCK))


onsuccess:
    run_lock.release(RUN_LOCK)


onerror:
    run_lock.release(RUN_LOCK)
