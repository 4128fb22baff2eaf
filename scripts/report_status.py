"""Rule report_status: status table and plot of every sub-run (glassbonds.report.status).

input: ``status`` (subrun.status files, same order as params.subruns). output: ``html``,
``png``. params: ``subruns`` ([nc, nat, run, sub] per file), ``compositions``.
"""

from glassbonds.io.status_file import read_status_file
from glassbonds.report.status import SubRunRecord, write_status_report
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    records = [
        SubRunRecord(str(nc), int(nat), int(run), int(sub), read_status_file(path))
        for (nc, nat, run, sub), path in zip(sm.params.subruns, sm.input.status, strict=True)
    ]
    counts = write_status_report(
        records, list(sm.params.compositions), sm.output.html, sm.output.png
    )
    print(counts.to_string(index=False))
