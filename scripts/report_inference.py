"""Rule report_inference: summary table and -ICOHP / uncertainty histograms of one item.

input: ``summary`` (<item>_inference_summary.tsv; the per-frame ICOHPLIST/.std files beside
it are read). output: ``html``, ``icohp_png``, optional ``std_png``. params: ``item``,
``species``, ``bond_types``.
"""

from tqdm import tqdm

from glassbonds.report.inference import write_inference_report
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    item = str(sm.params.item)
    statistics = write_inference_report(
        sm.input.summary,
        item,
        list(sm.params.species),
        list(sm.params.bond_types),
        sm.output.html,
        sm.output.icohp_png,
        sm.output.get("std_png"),
        progress=lambda steps: tqdm(
            steps, desc=f"report {item} frames", unit="frame", mininterval=2.0
        ),
    )
    print(statistics.to_string(index=False))
