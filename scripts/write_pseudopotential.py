"""Rule pseudopotential: one UPF made by ld1.x (glassbonds.io.pseudopotentials).

input.ld1: the ld1.x input; output[0]: the UPF; params.ld1_command (optional, "ld1.x"),
params.workdir (optional, the UPF's directory).
"""

from pathlib import Path

from glassbonds.io.pseudopotentials import generate_pseudopotential
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    upf = Path(sm.output[0])
    generate_pseudopotential(
        sm.input.ld1,
        upf,
        workdir=sm.params.get("workdir") or upf.parent,
        ld1_command=sm.params.get("ld1_command") or "ld1.x",
    )
    print(f"wrote {upf}")
