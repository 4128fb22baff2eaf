"""A TEST DOUBLE for LOBSTER, for local runs only: never a substitute for the real program.

LOBSTER is proprietary and cannot be installed here. So that the fixture exercises every later
rule (status, databases, regression, inference) on learnable, non-trivial data, this program
stands in for it: run in a sub-run directory, it reads the structure from pw.x's output
(``*.scf.out``), the bond range from ``lobsterin`` (``cohpGenerator from X to Y``), and writes
``ICOHPLIST.lobster`` and ``lobsterout`` in the LOBSTER 3.0.0 layout, printing the same log on
standard output (which the workflow saves as ``<NC>.lb.out``). The logs (``lobsterout``,
``<NC>.lb.out``) start with ``glassbonds-synthetic-lobster <version>`` where LOBSTER writes
``LOBSTER v3.0.0``, so the status file, the database provenance and the report know that
the -ICOHP is synthetic; ``ICOHPLIST.lobster`` keeps LOBSTER's own header so that every
reader of the real format reads it. It writes no charge spilling (it projects nothing).
The workflow runs it only when the config says ``lobster.test_double: true``.

Synthetic model (eV, angstrom), for a bond a-b at distance d::

    -ICOHP = eps_ab * 2 / (1 + exp((d - r_ab) / lam)) * (12 / cn_ab) ** 0.5

with r_ab = r_a + r_b (metallic radii), eps_ab = sqrt(eps_a * eps_b), lam = 0.35 angstrom
(exponential decay beyond contact, saturating at 2 eps_ab for compressed bonds),
and cn_ab the mean of the two atoms' smooth coordination numbers
cn_i = sum_j 1 / (1 + exp((r_ij - 1.2 r_ij0) / 0.1)) over neighbours within 4.5 angstrom.
Shorter bonds and less crowded atoms bond more strongly, as in the study's data.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from ase import Atoms
from ase.data import atomic_numbers, covalent_radii
from ase.io import read as read_structure
from ase.neighborlist import neighbor_list

from glassbonds import __version__
from glassbonds.files import write_text
from glassbonds.io.lobster import icohplist_text
from glassbonds.provenance import SYNTHETIC_PROGRAM

METALLIC_RADIUS = {"Zr": 1.60, "Cu": 1.28, "Al": 1.43, "Ni": 1.24, "Ti": 1.47, "Fe": 1.26}
BOND_ENERGY = {"Zr": 1.9, "Cu": 0.75, "Al": 1.2, "Ni": 0.9, "Ti": 1.6, "Fe": 1.0}
DECAY_LENGTH = 0.35
BANNER = (
    f"{SYNTHETIC_PROGRAM} {__version__} (TEST DOUBLE, NOT LOBSTER: writes the LOBSTER 3.0.0"
    " file layout; -ICOHP values come from a synthetic model of distance and environment)"
)


def _radius(symbol: str) -> float:
    return METALLIC_RADIUS.get(symbol, float(covalent_radii[atomic_numbers[symbol]]))


def synthetic_icohp(atoms: Atoms, bond_min: float, bond_max: float) -> pd.DataFrame:
    """Every pair between ``bond_min`` and ``bond_max`` once (all periodic images), with a
    synthetic ICOHP (eV, negative), in LOBSTER's order and translation convention."""
    symbols = np.array(atoms.get_chemical_symbols())
    radius = np.array([_radius(s) for s in symbols])
    energy = np.array([BOND_ENERGY.get(s, 1.0) for s in symbols])
    i, j, d = neighbor_list("ijd", atoms, 4.5)
    contact = radius[i] + radius[j]
    coordination = np.bincount(i, 1.0 / (1.0 + np.exp((d - 1.2 * contact) / 0.1)), len(atoms))
    a, b, shift, distance = neighbor_list("ijSd", atoms, bond_max)
    keep = (distance >= bond_min) & ((a < b) | ((a == b) & _positive(shift)))
    a, b, shift, distance = a[keep], b[keep], shift[keep], distance[keep]
    strength = (
        np.sqrt(energy[a] * energy[b])
        * 2.0
        / (1.0 + np.exp((distance - (radius[a] + radius[b])) / DECAY_LENGTH))
        * np.sqrt(12.0 / (0.5 * (coordination[a] + coordination[b])))
    )
    table = pd.DataFrame(
        {
            "atom_a": a,
            "atom_b": b,
            "symbol_a": symbols[a],
            "symbol_b": symbols[b],
            "distance": distance,
            # LOBSTER's translation T places b at r_b - T @ cell relative to a
            "tx": -shift[:, 0],
            "ty": -shift[:, 1],
            "tz": -shift[:, 2],
            "icohp": -strength,
        }
    )
    return table.sort_values(["atom_a", "atom_b", "tx", "ty", "tz"], ignore_index=True)


def _positive(shift: np.ndarray) -> np.ndarray:
    """True for the one of (S, -S) that is lexicographically positive (self-image pairs)."""
    first_nonzero = np.argmax(shift != 0, axis=1)
    return shift[np.arange(len(shift)), first_nonzero] > 0


def _bond_range(lobsterin: Path) -> tuple[float, float]:
    match = re.search(r"cohpGenerator\s+from\s+([\d.]+)\s+to\s+([\d.]+)", lobsterin.read_text())
    if not match:
        raise SystemExit(f"{lobsterin}: no 'cohpGenerator from X to Y' line")
    return float(match.group(1)), float(match.group(2))


def run(directory: Path) -> int:
    """Do what ``lobster`` would do in ``directory``; return the exit code."""
    start = time.time()
    lobsterin = directory / "lobsterin"
    outputs = sorted(directory.glob("*.scf.out"))
    if not lobsterin.is_file() or not outputs:
        print(f"{BANNER}\nERROR: need lobsterin and a pw.x output (*.scf.out) in {directory}")
        return 1
    bond_min, bond_max = _bond_range(lobsterin)
    atoms = read_structure(outputs[0], format="espresso-out")
    bonds = synthetic_icohp(atoms, bond_min, bond_max)
    log = "\n".join(
        [
            BANNER,
            f"starting in {directory} on {time.strftime('%Y-%m-%d at %H:%M:%S')} using 1 thread",
            "detecting used PAW program... Quantum Espresso (structure read from "
            f"{outputs[0].name})",
            f"setting up CO interactions... found {len(bonds)} interactions.",
            "writing COHPCAR.lobster and ICOHPLIST.lobster...",
            "SKIPPING writing COHPCAR.lobster (test double)",
            f"finished in 0 h  0 min  {time.time() - start:.0f} s  0 ms of wall time",
            "",
        ]
    )
    write_text(directory / "ICOHPLIST.lobster", icohplist_text(bonds))
    write_text(directory / "lobsterout", log)
    sys.stdout.write(log)
    return 0


def main() -> None:
    """Console entry point ``glassbonds-synthetic-lobster`` (runs in the current directory)."""
    raise SystemExit(run(Path.cwd()))


if __name__ == "__main__":
    main()
