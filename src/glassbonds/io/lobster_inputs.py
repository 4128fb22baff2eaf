"""LOBSTER's inputs: ``lobsterin`` (basis, energy window, cohpGenerator range) and the
explicit neighbour list ``lobsterin-quippy`` (``cohpbetween atom I atom J offset a b c``).

Distances in angstrom, energies in eV; atom indices 0-based in the tables, 1-based in the
files. The offset of ``lobsterin-quippy`` is the opposite of ICOHPLIST's translation
(:mod:`glassbonds.io.lobster`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd
from ase import Atoms
from ase.neighborlist import neighbor_list

from glassbonds.errors import InputError


@dataclass(frozen=True)
class LobsterSettings:
    """The ``lobsterin`` keywords (energies in eV relative to the Fermi level), named as the
    keys of the config section ``lobster``, whose schema defaults are the study's."""

    basis_functions: Mapping[str, Sequence[str]]  # element -> orbitals, e.g. Zr: [4s, 5s, 4p, 4d]
    cohp_start_energy: float
    cohp_end_energy: float
    basis_set: str
    bond_min: float  # cohpGenerator range, angstrom
    bond_max: float

    @classmethod
    def from_config(cls, lobster: Mapping) -> LobsterSettings:
        """Settings from the ``lobster`` config section (its other keys are not lobsterin's)."""
        values = {item.name: lobster[item.name] for item in fields(cls)}
        values["basis_functions"] = {
            element: list(orbitals) for element, orbitals in lobster["basis_functions"].items()
        }
        return cls(**values)


def _header_lines(settings: LobsterSettings) -> list[str]:
    lines = [
        "skipDOS",
        "skipCOOP",
        "skipPopulationAnalysis",
        f"COHPstartEnergy {settings.cohp_start_energy:.1f}",
        f"COHPendEnergy {settings.cohp_end_energy:.1f}",
        f"basisSet {settings.basis_set}",
    ]
    for element in sorted(settings.basis_functions):
        lines.append(f"basisfunctions {element} {' '.join(settings.basis_functions[element])}")
    return lines


def lobsterin_text(settings: LobsterSettings) -> str:
    """The ``lobsterin`` of a sub-run: every pair between ``bond_min`` and ``bond_max``."""
    lines = _header_lines(settings)
    lines.append(f"cohpGenerator from {settings.bond_min:.2f} to {settings.bond_max:.2f}")
    return "\n".join(lines) + "\n"


def neighbour_pairs(atoms: Atoms, cutoff: float) -> pd.DataFrame:
    """All ordered pairs (centre, neighbour, offset) closer than ``cutoff`` (periodic images too).

    The offset is in lattice vectors with distance = |r_neighbour + offset @ cell - r_centre|.
    Rows are sorted by centre, then neighbour, then offset, so files are reproducible.
    """
    centre, neighbour, shift, distance = neighbor_list("ijSd", atoms, cutoff)
    table = pd.DataFrame(
        {
            "centre": centre,
            "neighbour": neighbour,
            "ox": shift[:, 0],
            "oy": shift[:, 1],
            "oz": shift[:, 2],
            "distance": distance,
        }
    )
    return table.sort_values(["centre", "neighbour", "ox", "oy", "oz"], ignore_index=True)


def neighbour_list_text(atoms: Atoms, settings: LobsterSettings, cutoff: float) -> str:
    """The ``lobsterin-quippy`` file: the header of ``lobsterin`` and one ``cohpbetween`` line
    per ordered neighbour pair within ``cutoff`` (the SOAP cutoff, 3.75 angstrom in the study:
    the clusters of the database are the SOAP environments)."""
    lines = _header_lines(settings)
    for row in neighbour_pairs(atoms, cutoff).itertuples(index=False):
        lines.append(
            f"cohpbetween atom {row.centre + 1} atom {row.neighbour + 1}"
            f" offset {row.ox} {row.oy} {row.oz}"
        )
    return "\n".join(lines) + "\n"


def read_neighbour_list(path: str | Path) -> pd.DataFrame:
    """Read ``cohpbetween atom I atom J offset a b c`` lines: columns centre, neighbour
    (0-based), ox, oy, oz, in file order."""
    rows = []
    with open(path) as stream:
        for number, line in enumerate(stream, start=1):
            fields = line.split()
            if not fields or fields[0] != "cohpbetween":
                continue
            try:
                if fields[1] != "atom" or fields[3] != "atom":
                    raise ValueError
                offset = [int(v) for v in fields[6:9]] if len(fields) >= 9 else [0, 0, 0]
                rows.append((int(fields[2]) - 1, int(fields[4]) - 1, *offset))
            except (ValueError, IndexError):
                raise InputError(
                    f"{path}:{number}",
                    f"malformed cohpbetween line {line.strip()!r}",
                    "expected 'cohpbetween atom I atom J offset a b c'",
                ) from None
    return pd.DataFrame(rows, columns=["centre", "neighbour", "ox", "oy", "oz"])
