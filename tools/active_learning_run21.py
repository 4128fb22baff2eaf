"""Does choosing sub-runs by uncertainty pay? Replay the active-learning loop on run 21.

Builds the per-bond database of the study's 15 real sub-runs of run 21 (from
``../shared/data/prm-4-113603``, SOAP computed here), then for several held-out splits of
sub-runs and seeds starts from 2 sub-runs and adds one at a time, by the acquisition of
:mod:`glassbonds.model.active_learning` and at random, refitting the study's kernel model
per bond type each time. Writes the curves (TSV), the sub-runs each strategy needs to reach
the published RMSE, and a plot.

Usage: python tools/active_learning_run21.py OUT_DIR [--seeds 3] [--max-bonds 1200]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from glassbonds.database.store import load_store
from glassbonds.model.active_learning import TypeBonds, selection_curves, subruns_to_reach
from glassbonds.model.features import bond_feature_matrix
from glassbonds.model.kernel import SoapBondKernelRegressor
from glassbonds.model.study_data import build_run21_store
from glassbonds.report.plots import selection_curves_figure

REPO = Path(__file__).resolve().parents[1]
RUN21 = REPO.parent / "shared/data/prm-4-113603/G/Zr49Cu49Al2/c/md/lammps/100/21/2000"
# The study's hyperparameters (zeta, sigma, gamma) and published test RMSE (eV).
STUDY = {
    "Zr-Cu": ((1, 1.0, 0.04), 0.0826),
    "Zr-Zr": ((1, 0.5, 0.01), 0.0906),
    "Cu-Cu": ((1, 0.5, 0.01), 0.0476),
    "Zr-Al": ((1, 0.5, 0.01), 0.0682),
    "Cu-Al": ((1, 0.5, 0.005), 0.0535),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-bonds", type=int, default=1200)
    args = parser.parse_args()
    if not RUN21.is_dir():
        print(f"skipped: the study's run 21 is not at {RUN21}", file=sys.stderr)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    database = load_store(build_run21_store(REPO.parent / "shared/data/prm-4-113603", args.out))
    bonds = {}
    for bond_type in STUDY:
        rows, soap_a, soap_b = database.bond_arrays(bond_type)
        bonds[bond_type] = TypeBonds(
            features=bond_feature_matrix(rows["distance"].to_numpy(), soap_a, soap_b),
            target=rows["icohp"].to_numpy(dtype=float),
            subrun=list(zip(rows["run"], rows["subrun"], strict=True)),
        )

    def study_model(bond_type: str) -> SoapBondKernelRegressor:
        zeta, sigma, gamma = STUDY[bond_type][0]
        return SoapBondKernelRegressor(zeta=zeta, sigma=sigma, gamma=gamma)

    subruns = sorted({key for data in bonds.values() for key in data.subrun})
    rng = np.random.default_rng(2020)
    shuffled = [subruns[i] for i in rng.permutation(len(subruns))]
    splits = [shuffled[0:3], shuffled[3:6], shuffled[6:9]]
    from tqdm import tqdm

    curves = selection_curves(
        bonds,
        study_model,
        splits,
        start=2,
        seeds=range(args.seeds),
        max_bonds=args.max_bonds,
        progress=lambda items: tqdm(items, desc="splits x seeds", mininterval=5),
    )
    curves.to_csv(args.out / "selection-curves.tsv", sep="\t", index=False)
    needed = subruns_to_reach(curves, {t: rmse for t, (_, rmse) in STUDY.items()})
    needed.to_csv(args.out / "subruns-to-published-rmse.tsv", sep="\t", index=False)
    selection_curves_figure(curves, {t: rmse for t, (_, rmse) in STUDY.items()}).savefig(
        args.out / "selection-curves.png", dpi=110
    )
    print(needed.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
