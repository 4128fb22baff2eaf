"""Convert a LAMMPS data file (atom_style atomic) to a one-frame LAMMPS text dump.

Usage: ``python tools/data_to_dump.py IN.data OUT.dump [--step N]``

The dump has ``ITEM: ATOMS id type x y z`` (angstrom, as in the data file, not wrapped)
and the box of the data file (triclinic tilts become LAMMPS bounding-box bounds). Atom
types stay integers: no element mapping is needed. Written atomically.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glassbonds.errors import InputError
from glassbonds.files import atomic_path


@dataclass
class DataFile:
    """Box (angstrom), tilts and atoms of a LAMMPS data file."""

    bounds: np.ndarray  # (3, 2) lo, hi
    tilts: tuple[float, float, float] | None  # xy, xz, yz
    ids: np.ndarray
    types: np.ndarray
    positions: np.ndarray  # (n, 3)


def read_data(path: str | Path) -> DataFile:
    """Parse the header and the ``Atoms`` section (``id type x y z [ix iy iz]``)."""
    path = Path(path)
    lines = path.read_text().splitlines()
    natoms, bounds, tilts, start = None, np.zeros((3, 2)), None, None
    for number, line in enumerate(lines):
        fields = line.split("#")[0].split()
        if len(fields) == 2 and fields[1] == "atoms":
            natoms = int(fields[0])
        for axis, name in enumerate(("x", "y", "z")):
            if len(fields) == 4 and fields[2:] == [f"{name}lo", f"{name}hi"]:
                bounds[axis] = [float(fields[0]), float(fields[1])]
        if len(fields) == 6 and fields[3:] == ["xy", "xz", "yz"]:
            tilts = (float(fields[0]), float(fields[1]), float(fields[2]))
        if fields and fields[0] == "Atoms":
            start = number + 1
            break
    if natoms is None or start is None:
        raise InputError(path, "no 'N atoms' header or 'Atoms' section", "give a LAMMPS data file")
    rows = [line.split("#")[0].split() for line in lines[start:]]
    rows = [row for row in rows if row][:natoms]
    if len(rows) != natoms or any(len(row) < 5 for row in rows):
        raise InputError(
            path,
            f"the Atoms section does not hold {natoms} 'id type x y z' lines",
            "the file is cut or not atom_style atomic",
        )
    table = np.array([row[:5] for row in rows], dtype=float)
    order = np.argsort(table[:, 0])
    table = table[order]
    return DataFile(bounds, tilts, table[:, 0].astype(int), table[:, 1].astype(int), table[:, 2:5])


def dump_text(data: DataFile, step: int = 0) -> str:
    """One dump frame in LAMMPS' text layout."""
    (xlo, xhi), (ylo, yhi), (zlo, zhi) = data.bounds
    lines = ["ITEM: TIMESTEP", str(step), "ITEM: NUMBER OF ATOMS", str(len(data.ids))]
    if data.tilts is None:
        lines += [
            "ITEM: BOX BOUNDS pp pp pp",
            f"{xlo:.10f} {xhi:.10f}",
            f"{ylo:.10f} {yhi:.10f}",
            f"{zlo:.10f} {zhi:.10f}",
        ]
    else:
        xy, xz, yz = data.tilts
        lines += [
            "ITEM: BOX BOUNDS xy xz yz pp pp pp",
            f"{xlo + min(0.0, xy, xz, xy + xz):.10f} {xhi + max(0.0, xy, xz, xy + xz):.10f}"
            f" {xy:.10f}",
            f"{ylo + min(0.0, yz):.10f} {yhi + max(0.0, yz):.10f} {xz:.10f}",
            f"{zlo:.10f} {zhi:.10f} {yz:.10f}",
        ]
    lines.append("ITEM: ATOMS id type x y z")
    lines += [
        f"{i} {t} {x:.8f} {y:.8f} {z:.8f}"
        for i, t, (x, y, z) in zip(
            data.ids.tolist(), data.types.tolist(), data.positions.tolist(), strict=True
        )
    ]
    return "\n".join(lines) + "\n"


def convert(data_path: str | Path, dump_path: str | Path, step: int = 0) -> None:
    """Write ``dump_path`` (one frame at ``step``) from ``data_path``, atomically."""
    text = dump_text(read_data(data_path), step)
    with atomic_path(dump_path) as tmp:
        tmp.write_text(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("dump", type=Path)
    parser.add_argument("--step", type=int, default=0, help="timestep written in the frame")
    args = parser.parse_args(argv)
    convert(args.data, args.dump, args.step)


if __name__ == "__main__":
    main()
