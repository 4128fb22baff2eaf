"""Rule mixed_database_<DB>: a seeded sample of bonds from several compositions' PBSSDBs.

input: ``metadata`` (the source stores, in the order of the spec's counts). output: ``info``
and ``bnd`` (one per bond type, params order), ``store`` files. params: ``spec``,
``bond_types``.
"""

from pathlib import Path

from glassbonds.database.mixed import MixedDatabaseSpec, mix_databases, write_mixed_legacy
from glassbonds.database.store import load_store, save_store
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    spec = MixedDatabaseSpec(
        name=sm.params.spec["name"],
        bond_types=tuple(sm.params.bond_types),
        counts=dict(sm.params.spec["counts"]),
        seed=sm.params.spec["seed"],
    )
    stores = [Path(metadata).parent for metadata in sm.input.metadata]
    sources = {nc: load_store(store) for nc, store in zip(spec.counts, stores, strict=True)}
    database = mix_databases(spec, sources)
    write_mixed_legacy(
        database,
        spec,
        dict(zip(spec.bond_types, sm.output.info, strict=True)),
        dict(zip(spec.bond_types, sm.output.bnd, strict=True)),
    )
    save_store(database, Path(sm.output.store[0]).parent)
    print(database.rows.groupby(["bond_type", "source"]).size().to_string())
