"""Rule suggest_subruns: rank the sub-runs without DFT by what their bonds would teach the
models, and write the next ones to compute as a table and a config fragment.

input: ``models`` (one per bond type, params order), ``train`` (training database
metadata.json), ``candidates`` (``<NC>.xyz`` of each candidate, params order).
output: ``table``, ``fragment``, ``png``. params: ``candidates`` ([nc, run, sub] each),
``bond_types``, ``species``, ``soap``, ``windows``, ``suggest``, ``dft_subruns``.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from ase.io import read
from tqdm import tqdm

from glassbonds.descriptors import SoapParameters
from glassbonds.files import write_text
from glassbonds.model.active_learning import (
    acquisition_scores,
    cell_bond_features,
    next_dft_subruns,
)
from glassbonds.model.bonds import load_bond_set
from glassbonds.model.files import load_model
from glassbonds.report.plots import acquisition_figure, save_figure
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    models = {
        b: load_model(p)[0] for b, p in zip(sm.params.bond_types, sm.input.models, strict=True)
    }
    store = Path(sm.input.train).parent
    variance = {b: float(np.var(load_bond_set(store, b).target)) for b in models}
    parameters = SoapParameters.from_config(sm.params.species, sm.params.soap)
    windows = {b: w for b, w in sm.params.windows.items() if b in models}
    candidates = {
        (nc, run, sub): cell_bond_features(read(xyz), windows, parameters)
        for (nc, run, sub), xyz in tqdm(
            list(zip(sm.params.candidates, sm.input.candidates, strict=True)), desc="candidates"
        )
    }
    ranked = acquisition_scores(candidates, models, variance, key_columns=("nc", "run", "subrun"))
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    write_text(sm.output.table, ranked.to_csv(sep="\t", index=False, float_format="%.6g"))
    fragment = {
        "active_learning": {
            "dft_subruns": next_dft_subruns(ranked, sm.params.dft_subruns, sm.params.suggest)
        }
    }
    header = (
        "# Next DFT sub-runs chosen by uncertainty (rule suggest_subruns). Run the workflow\n"
        "# with this file as a second config file: snakemake --configfile CONFIG THIS_FILE\n"
    )
    write_text(sm.output.fragment, header + yaml.safe_dump(fragment, sort_keys=False))
    save_figure(acquisition_figure(ranked, list(models), sm.params.suggest), sm.output.png)
    print(pd.DataFrame(ranked).head(sm.params.suggest).to_string(index=False))
