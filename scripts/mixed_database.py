"""Rule mixed_database_<DB>: a seeded sample of bonds from several compositions' PBSSDBs."""

from glassbonds.bond_database import (
    MixedDatabaseSpec,
    load_store,
    mix_databases,
    save_store,
    write_mixed_legacy,
)
from glassbonds.rule_log import rule_log
from glassbonds.tree import PBSSDB_DIR

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    spec = MixedDatabaseSpec(
        name=sm.params.spec["name"],
        bond_types=tuple(sm.params.bond_types),
        counts=dict(sm.params.spec["counts"]),
        seed=sm.params.spec.get("seed", 1),
    )
    sources = {nc: load_store(PBSSDB_DIR.format(root=sm.params.root, nc=nc)) for nc in spec.counts}
    database = mix_databases(spec, sources)
    write_mixed_legacy(database, spec, sm.params.directory)
    save_store(database, sm.params.directory)
    print(database.rows.groupby(["bond_type", "source"]).size().to_string())
