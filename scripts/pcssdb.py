"""Rule pcssdb: the per-cluster database of one composition (create_SSDB.py's PC mode).

input: ``status`` (the status bundles of the sub-runs' describe_subrun jobs), ``xyz``,
``neighbours``, ``soap`` (one per sub-run, params order) and ``icohplist`` (those that
exist). output: ``xyz`` and ``idx`` (one per centre element, params order), ``nd_info``,
``dub_info``, ``store`` files. params: ``nc``, ``subruns``, ``species``, ``soap``.
"""

from pathlib import Path

from tqdm import tqdm

from glassbonds.database.pcssdb import build_pcssdb, write_pcssdb
from glassbonds.database.subruns import declared_subrun_files, subrun_statuses
from glassbonds.descriptors import SoapParameters
from glassbonds.rule_log import rule_log
from glassbonds.tree import SubRun

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    subruns = [
        SubRun(sm.params.nc, nat, run, sub, snap) for run, sub, nat, snap in sm.params.subruns
    ]
    files = declared_subrun_files(
        subruns,
        subrun_statuses(subruns, sm.input.status),
        sm.input.xyz,
        sm.input.soap,
        sm.input.neighbours,
        sm.input.icohplist,
    )
    descriptor = SoapParameters.from_config(sm.params.species, sm.params.soap).as_dict()
    result = build_pcssdb(
        sm.params.nc,
        files,
        sm.params.species,
        descriptor,
        progress=lambda items: tqdm(items, desc=f"{sm.params.nc} sub-runs", mininterval=2.0),
    )
    write_pcssdb(
        result,
        dict(zip(sm.params.species, sm.output.xyz, strict=True)),
        dict(zip(sm.params.species, sm.output.idx, strict=True)),
        sm.output.nd_info,
        sm.output.dub_info,
        Path(sm.output.store[0]).parent,
    )
    print(result.table().groupby("element")["sum_minus_icohp"].describe().to_string())
    print(f"{len(result.not_done)} sub-runs in ND.info, {len(result.dropped_clusters)} DUB lines")
