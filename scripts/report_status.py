"""Rule report_status: status table and plot of every sub-run (glassbonds.report.status).

input: ``status`` (status bundles of the describe_subrun jobs). output: ``html``, ``png``.
params: ``subruns`` ([nc, nat, run, sub] per sub-run, the table's order), ``compositions``.
"""

from glassbonds.io.status_file import bundled_statuses, status_key
from glassbonds.report.status import SubRunRecord, write_status_report
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    statuses = bundled_statuses(
        [status_key(*subrun) for subrun in sm.params.subruns], sm.input.status
    )
    records = [
        SubRunRecord(str(nc), int(nat), int(run), int(sub), status)
        for (nc, nat, run, sub), status in zip(sm.params.subruns, statuses, strict=True)
    ]
    counts = write_status_report(
        records, list(sm.params.compositions), sm.output.html, sm.output.png
    )
    print(counts.to_string(index=False))
