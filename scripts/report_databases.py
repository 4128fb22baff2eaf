"""Rule report_databases: bonds per type in each PBSSDB and mixed database.

input: ``summaries`` and ``pbssdb_metadata`` (one per composition, params order),
``mixed_metadata`` (one per mixed database). output: ``html``, ``png``. params:
``compositions``, ``mixed`` (names), ``bond_types``.
"""

from glassbonds.report.databases import write_database_report
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    pbssdbs = {
        nc: (summary, metadata)
        for nc, summary, metadata in zip(
            sm.params.compositions, sm.input.summaries, sm.input.pbssdb_metadata, strict=True
        )
    }
    mixed = dict(zip(sm.params.mixed, sm.input.mixed_metadata, strict=True))
    table = write_database_report(
        pbssdbs, mixed, list(sm.params.bond_types), sm.output.html, sm.output.png
    )
    print(table.to_string(index=False))
