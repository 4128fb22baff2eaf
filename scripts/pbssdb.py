"""Rule pbssdb: the per-bond database of one composition from all its sub-runs.

input: ``status`` (the status bundles of the sub-runs' describe_subrun jobs), ``xyz``,
``soap`` (one per sub-run, params order), ``neighbours`` and ``icohplist`` (those that
exist). output: ``bnd`` (one per bond type, params order),
``nd_info``, ``nd_reasons``, ``dub_info``, ``summary``, ``store`` files. params: ``nc``,
``subruns``, ``missing_runs``, ``species``, ``bond_types``, ``soap``.
"""

from pathlib import Path

from tqdm import tqdm

from glassbonds.database.pbssdb import build_pbssdb, summary_table, write_pbssdb_legacy
from glassbonds.database.store import save_store
from glassbonds.database.subruns import declared_subrun_files, subrun_statuses
from glassbonds.descriptors import SoapParameters
from glassbonds.files import write_text
from glassbonds.rule_log import rule_log
from glassbonds.tree import SubRun

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    nc = sm.params.nc
    subruns = [SubRun(nc, nat, run, sub, snap) for run, sub, nat, snap in sm.params.subruns]
    files = declared_subrun_files(
        subruns, subrun_statuses(subruns, sm.input.status), sm.input.xyz, sm.input.soap,
        sm.input.neighbours, sm.input.icohplist,
    )  # fmt: skip
    missing = list(sm.params.missing_runs)
    if missing:
        print(f"WARNING: configured runs {missing} of {nc} have no sub-run on disk (skipped)")
    descriptor = SoapParameters.from_config(sm.params.species, sm.params.soap).as_dict()
    result = build_pbssdb(
        nc, files, sm.params.species, descriptor,
        progress=lambda items: tqdm(items, desc=f"{nc} sub-runs", mininterval=2.0),
    )  # fmt: skip
    write_pbssdb_legacy(
        result,
        dict(zip(sm.params.bond_types, sm.output.bnd, strict=True)),
        sm.output.nd_info,
        sm.output.nd_reasons,
        sm.output.dub_info,
    )
    save_store(result.database, Path(sm.output.store[0]).parent)
    summary = summary_table(result, len(files), missing)
    write_text(sm.output.summary, summary.to_csv(sep="\t", index=False))
    print(summary.to_string(index=False))
