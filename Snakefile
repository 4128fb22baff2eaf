# glassbonds: Generate+ETL of PRM 4, 113603 (2020) as a Snakemake workflow.
# Usage: see README.md.  Config keys: workflow/schemas/config.schema.yaml.


# The study's production settings unless a config file is given (--configfile), which then
# stands alone: merging two configs would mix, e.g., their bond windows.
if not config:

    configfile: f"{workflow.basedir}/config/config.yaml"



include: "workflow/rules/common.smk"


if config["subrun_source"] == "md":

    include: "workflow/rules/generate.smk"
    include: "workflow/rules/dft.smk"


include: "workflow/rules/etl.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/inference.smk"


rule all:
    input:
        all_targets(),
    default_target: True
