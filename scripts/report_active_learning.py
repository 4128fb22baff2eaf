"""Rule report_active_learning: the active-learning replay (acquisition vs random) in the
report, next to the published RMSE.

input: ``summary`` (TSV of rule active_learning_replay), ``training`` (the training
database's metadata.json: its provenance decides the test-double banner). output: ``html``,
``png``. params: ``published`` (config published_fits), ``replay`` (config
active_learning.replay), ``database`` (the training database's name).
"""

import pandas as pd

from glassbonds.model.active_learning_replay import ReplaySettings
from glassbonds.report.active_learning import protocol_text, write_replay_report
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    summary = pd.read_csv(sm.input.summary, sep="\t", dtype={"seed": str})
    goals = {bond: float(fit["rmse"]) for bond, fit in sm.params.published.items()}
    settings = ReplaySettings.from_config(sm.params.replay)
    protocol = protocol_text(settings, sm.params.database)
    table = write_replay_report(
        summary, goals, sm.output.html, sm.output.png, [sm.input.training], protocol
    )
    print(table.to_string(index=False))
