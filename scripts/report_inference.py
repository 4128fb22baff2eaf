"""Rule report_inference: summary table and -ICOHP / uncertainty histograms of one item.

input: ``summary`` (<item>_inference_summary.tsv; the per-frame ICOHPLIST/.std files beside
it are read). output: ``html``, ``icohp_png``, optional ``std_png``. params: ``item``,
``species``, ``bond_types``.
"""

from tqdm import tqdm

from glassbonds.report.inference import write_inference_report
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    smk = snakemake  # noqa: F821
    item = str(smk.params.item)
    statistics = write_inference_report(
        smk.input.summary,
        item,
        list(smk.params.species),
        list(smk.params.bond_types),
        smk.output.html,
        smk.output.icohp_png,
        smk.output.get("std_png"),
        progress=lambda steps: tqdm(
            steps, desc=f"report {item} frames", unit="frame", mininterval=2.0
        ),
    )
    print(statistics.to_string(index=False))
