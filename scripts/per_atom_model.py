"""Rule per_atom_model: summed -ICOHP of a centre atom from its SOAP, leave-one-sub-run-out.

input: ``store`` files of a PCSSDB. output: ``summary`` (one row per centre element),
``held_out`` (one row per cluster), ``png`` (parity). params: ``species``, ``settings``.
"""

from pathlib import Path

import pandas as pd
from tqdm import tqdm

from glassbonds.database.pcssdb import load_clusters
from glassbonds.files import atomic_path, write_text
from glassbonds.model.per_atom import PerAtomSettings, evaluate_per_atom
from glassbonds.report.plots import per_atom_parity_figure, save_figure
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    settings = PerAtomSettings(**sm.params.settings)
    store = Path(sm.input.store[0]).parent
    summaries, held_out = [], {}
    for element in sm.params.species:
        clusters = load_clusters(store, element)
        table, summary = evaluate_per_atom(
            clusters.rows,
            clusters.soap,
            element,
            settings,
            progress=lambda items, e=element: tqdm(items, desc=f"{e} folds", mininterval=5.0),
        )
        held_out[element] = table.assign(element=element)
        summaries.append(summary)
    summary = pd.DataFrame(summaries)
    write_text(sm.output.summary, summary.to_csv(sep="\t", index=False, float_format="%.6f"))
    with atomic_path(sm.output.held_out) as tmp:
        pd.concat(held_out.values()).to_csv(tmp, sep="\t", index=False, float_format="%.6f")
    save_figure(per_atom_parity_figure(held_out), sm.output.png)
    print(summary.to_string(index=False))
