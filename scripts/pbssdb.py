"""Rule pbssdb: the per-bond database of one composition from all its sub-runs."""

from pathlib import Path

from glassbonds.database.pbssdb import build_and_write_pbssdb
from glassbonds.descriptors import SoapParameters
from glassbonds.rule_log import rule_log
from glassbonds.tree import SubRun

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    nc = sm.params.nc
    subruns = [SubRun(nc, nat, run, sub, snap) for run, sub, nat, snap in sm.params.subruns]
    descriptor = SoapParameters.from_config(sm.params.species, sm.params.soap).as_dict()
    directory = Path(sm.output[0]).parent  # <root>/<NC>-PBSSDB
    missing = list(sm.params.missing_runs)
    if missing:
        print(f"WARNING: configured runs {missing} of {nc} have no sub-run on disk (skipped)")
    summary = build_and_write_pbssdb(
        nc, subruns, directory.parent, sm.params.species, descriptor, directory, missing
    )
    print(summary.to_string(index=False))
