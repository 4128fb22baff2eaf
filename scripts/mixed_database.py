"""Rule mixed_database_<DB>: a seeded sample of bonds from several compositions' PBSSDBs."""

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
    directory = Path(sm.output[0]).parent
    write_mixed_legacy(database, spec, directory)
    save_store(database, directory)
    print(database.rows.groupby(["bond_type", "source"]).size().to_string())
