"""Rule report_inference: summary table and -ICOHP / uncertainty histograms of one item.

input: ``icohps`` (the infer rule's directory output). output: ``html``, ``icohp_png``,
``atoms_png`` (per-atom map of the first predicted frame), optional ``std_png``. params:
``item``, ``files`` (the file names inside ``icohps``, as the infer rule's), ``species``,
``bond_types``.
"""

from pathlib import Path

import pandas as pd
from ase.io import read
from tqdm import tqdm

from glassbonds.inference.writers import OutputNames
from glassbonds.report.inference import write_inference_report
from glassbonds.report.plots import atom_map_figure, message_figure, save_figure
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    item = str(sm.params.item)
    names = OutputNames(item=item, **dict(sm.params.files))
    directory = Path(sm.input.icohps)
    statistics = write_inference_report(
        directory,
        names,
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
    frames = pd.read_csv(directory / names.summary, sep="\t", dtype={"step": str, "status": str})
    steps = list(frames.loc[frames["status"] == "ok", "step"])
    atom_map = directory / names.frame(steps[0]).atoms if steps else None
    figure = (
        atom_map_figure(read(atom_map), item)
        if atom_map is not None and atom_map.is_file()
        else message_figure(f"{item}: no predicted frame")
    )
    save_figure(figure, sm.output.atoms_png)
