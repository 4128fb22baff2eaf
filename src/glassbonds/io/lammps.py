"""LAMMPS I/O: melt-quench input files, text dumps (streamed frame by frame), data files.

Units are LAMMPS ``metal``: angstrom, ps, K. Atom types are mapped to elements explicitly
(ASE alone would read types as H, He, ...).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

from glassbonds.errors import InputError


@dataclass(frozen=True)
class MeltQuenchSettings:
    """The MD protocol of one run: random cell, CG minimisation, melt, quench, anneal + dump."""

    box_side: float  # angstrom, cube edge of the random initial cell
    pair_style: str  # e.g. eam/alloy or eam/fs
    potential_file: str  # file name as referenced from the run directory
    timestep: float  # ps
    melt_temperature: float  # K
    melt_steps: int
    anneal_temperature: float  # K
    quench_steps: int
    anneal_steps: int
    dump_every: int
    thermo_every: int = 5000
    thermostat_damping: float = 0.2  # ps
    barostat_damping: float = 2.0  # ps
    dump_name: str = "zca-th300.dump"


def run_seeds(composition: str, run: int, elements: Sequence[str]) -> dict[str, int]:
    """Deterministic positive LAMMPS seeds per element, derived from composition and run."""
    seeds = {}
    for element in elements:
        digest = hashlib.sha256(f"{composition}/{run}/{element}".encode()).digest()
        seeds[element] = 1 + int.from_bytes(digest[:4], "big") % 899_999
    return seeds


def potential_elements(path: str | Path) -> list[str]:
    """Elements of a DYNAMO setfl (eam/alloy) or Finnis-Sinclair (eam/fs) potential file.

    Line 4 of both formats is ``N El1 El2 ...``.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            path, "potential file not found", "set lammps.potential to an existing file"
        )
    with open(path) as stream:
        lines = [stream.readline() for _ in range(4)]
    fields = lines[3].split()
    try:
        count = int(fields[0])
    except (IndexError, ValueError):
        raise InputError(
            path, "line 4 is not 'N El1 El2 ...'", "give an eam/alloy or eam/fs file"
        ) from None
    elements = fields[1 : 1 + count]
    if len(elements) != count:
        raise InputError(path, f"line 4 announces {count} elements but lists {elements}")
    return elements


def melt_quench_input(
    composition: str,
    counts: Mapping[str, int],
    species: Sequence[str],
    settings: MeltQuenchSettings,
    seeds: Mapping[str, int],
) -> str:
    """The LAMMPS input of one run (study protocol); atom type i+1 is ``species[i]``."""
    half = settings.box_side / 2.0
    lines = [
        f"# {composition}: melt-quench-anneal of a random cell (glassbonds)",
        "units metal",
        "boundary p p p",
        "atom_style atomic",
        "",
        f"region box block {-half:.4f} {half:.4f} {-half:.4f} {half:.4f} {-half:.4f} {half:.4f}",
        f"create_box {len(species)} box",
    ]
    for type_index, element in enumerate(species, start=1):
        if counts.get(element, 0) > 0:
            lines.append(
                f"create_atoms {type_index} random {counts[element]} {seeds[element]} NULL"
                f" units box # {element}"
            )
    lines += [
        "",
        f"pair_style {settings.pair_style}",
        f"pair_coeff * * {settings.potential_file} {' '.join(species)}",
        "",
        "thermo_style custom step etotal temp press pe vol density lx ly lz enthalpy",
        f"thermo {settings.thermo_every}",
        "min_style cg",
        "minimize 0.0 1.0e-8 10000 10000",
        "",
        f"timestep {settings.timestep}",
        f"fix melt all npt temp {settings.melt_temperature} {settings.melt_temperature}"
        f" {settings.thermostat_damping} iso 0 0 {settings.barostat_damping}",
        f"run {settings.melt_steps}",
        "unfix melt",
        "",
        f"fix quench all npt temp {settings.melt_temperature} {settings.anneal_temperature}"
        f" {settings.thermostat_damping} iso 0 0 {settings.barostat_damping}",
        f"run {settings.quench_steps}",
        "unfix quench",
        "",
        f"fix anneal all npt temp {settings.anneal_temperature} {settings.anneal_temperature}"
        f" {settings.thermostat_damping} iso 0 0 {settings.barostat_damping}",
        f"dump anneal all atom {settings.dump_every} {settings.dump_name}",
        f"run {settings.anneal_steps}",
        "unfix anneal",
        "undump anneal",
        "",
    ]
    return "\n".join(lines)


@dataclass
class DumpFrame:
    """One frame of a LAMMPS dump: cartesian positions (angstrom), sorted by atom id."""

    step: int
    cell: np.ndarray  # 3x3, rows are lattice vectors
    origin: np.ndarray  # (3,) lower corner of the box
    pbc: tuple[bool, bool, bool]
    ids: np.ndarray
    types: np.ndarray
    positions: np.ndarray  # (N, 3)

    def to_atoms(self, type_map: Mapping[int, str], where: str = "dump") -> Atoms:
        """ASE Atoms with elements from ``type_map`` (LAMMPS type -> symbol)."""
        unknown = sorted(set(np.unique(self.types).tolist()) - set(type_map))
        if unknown:
            raise InputError(
                where,
                f"atom type(s) {unknown} at step {self.step} have no element",
                "add them to the type map of the config (type: symbol)",
            )
        symbols = [type_map[int(t)] for t in self.types]
        return Atoms(
            symbols=symbols,
            positions=self.positions - self.origin,
            cell=self.cell,
            pbc=self.pbc,
        )


class TruncatedDumpError(InputError):
    """The dump ends inside a frame; the frames before it were complete."""


def _box_from_bounds(header: str, bounds: list[list[float]]) -> tuple[np.ndarray, np.ndarray]:
    """Cell and origin from the ``ITEM: BOX BOUNDS`` lines (orthogonal or triclinic)."""
    if "xy" in header.split():
        (xlo_b, xhi_b, xy), (ylo_b, yhi_b, xz), (zlo, zhi, yz) = bounds
        xlo = xlo_b - min(0.0, xy, xz, xy + xz)
        xhi = xhi_b - max(0.0, xy, xz, xy + xz)
        ylo = ylo_b - min(0.0, yz)
        yhi = yhi_b - max(0.0, yz)
    else:
        (xlo, xhi), (ylo, yhi), (zlo, zhi) = (b[:2] for b in bounds)
        xy = xz = yz = 0.0
    cell = np.array([[xhi - xlo, 0.0, 0.0], [xy, yhi - ylo, 0.0], [xz, yz, zhi - zlo]])
    return cell, np.array([xlo, ylo, zlo])


def _positions(
    columns: list[str], table: np.ndarray, cell: np.ndarray, origin: np.ndarray, where: str
) -> np.ndarray:
    """Cartesian positions from whichever coordinate columns the dump has."""
    for names, scaled in (
        (("x", "y", "z"), False),
        (("xu", "yu", "zu"), False),
        (("xs", "ys", "zs"), True),
        (("xsu", "ysu", "zsu"), True),
    ):
        if all(name in columns for name in names):
            values = table[:, [columns.index(name) for name in names]]
            return values @ cell + origin if scaled else values
    raise InputError(where, f"no coordinate columns in {columns}", "dump x y z or xs ys zs")


def iter_dump_frames(path: str | Path) -> Iterator[DumpFrame]:
    """Stream the frames of a LAMMPS text dump, holding one frame in memory at a time.

    Columns may come in any order; coordinates may be x/xu (angstrom) or xs/xsu (scaled).
    A dump that ends inside a frame raises :class:`TruncatedDumpError` after the complete
    frames have been yielded.
    """
    path = Path(path)
    with open(path) as stream:
        while True:
            line = stream.readline()
            if not line:
                return
            if not line.strip():
                continue
            if not line.startswith("ITEM: TIMESTEP"):
                raise InputError(path, f"expected 'ITEM: TIMESTEP', found {line.strip()[:40]!r}")
            try:
                step = int(stream.readline())
                assert stream.readline().startswith("ITEM: NUMBER OF ATOMS")
                natoms = int(stream.readline())
                box_header = stream.readline()
                assert box_header.startswith("ITEM: BOX BOUNDS")
                bounds = [[float(v) for v in stream.readline().split()] for _ in range(3)]
                atoms_header = stream.readline()
                assert atoms_header.startswith("ITEM: ATOMS")
            except (ValueError, AssertionError):
                raise TruncatedDumpError(
                    path,
                    "the last frame's header is cut or malformed",
                    "the frames before it are complete; rerun or trim the dump",
                ) from None
            rows = [stream.readline() for _ in range(natoms)]
            columns = atoms_header.split()[2:]
            if not rows or not rows[-1].endswith("\n") or len(rows[-1].split()) != len(columns):
                raise TruncatedDumpError(
                    path,
                    f"the frame at step {step} is cut ({natoms} atoms announced)",
                    "the frames before it are complete; rerun or trim the dump",
                )
            try:
                table = np.array([row.split() for row in rows], dtype=float)
            except ValueError:
                raise InputError(
                    path, f"non-numeric atom line in the frame at step {step}"
                ) from None
            cell, origin = _box_from_bounds(box_header, bounds)
            pbc = tuple(flag == "pp" for flag in box_header.split()[-3:])
            order = np.argsort(table[:, columns.index("id")]) if "id" in columns else slice(None)
            table = table[order]
            if "type" not in columns:
                raise InputError(path, "the dump has no 'type' column", "dump id type x y z")
            yield DumpFrame(
                step=step,
                cell=cell,
                origin=origin,
                pbc=pbc if len(pbc) == 3 else (True, True, True),
                ids=table[:, columns.index("id")].astype(int)
                if "id" in columns
                else np.arange(1, natoms + 1),
                types=table[:, columns.index("type")].astype(int),
                positions=_positions(columns, table, cell, origin, str(path)),
            )


def last_dump_frame(path: str | Path) -> DumpFrame:
    """The last complete frame of a dump; a dump with no frame or a cut last frame is an error."""
    last = None
    for frame in iter_dump_frames(path):
        last = frame
    if last is None:
        raise InputError(path, "the dump has no frame", "check that the LAMMPS run wrote its dump")
    return last


def read_data_file(path: str | Path, type_map: Mapping[int, str]) -> Atoms:
    """A LAMMPS data file (atom_style atomic) as ASE Atoms, types mapped to elements."""
    from ase.io.lammpsdata import read_lammps_data

    try:
        z_of_type = {int(t): atomic_numbers[symbol] for t, symbol in type_map.items()}
    except KeyError as error:
        raise InputError("type map", f"unknown element {error}") from None
    with open(path) as stream:
        atoms = read_lammps_data(stream, Z_of_type=z_of_type, atom_style="atomic", units="metal")
    atoms.pbc = True
    return atoms


def prepare_run(
    composition_name: str,
    run: int,
    natoms: int,
    species: Sequence[str],
    lammps: Mapping,
    input_path: str | Path,
    potential_copy: str | Path,
) -> None:
    """Write a run's ``<NC>.lmp.inp`` and copy the potential beside it (``lammps`` is the
    workflow's config section). Bad compositions or potentials fail before anything is written.
    """
    import shutil

    from glassbonds.composition import parse_composition
    from glassbonds.files import atomic_path, write_text

    composition = parse_composition(composition_name)
    counts = composition.atom_counts(natoms)
    foreign = sorted(set(composition.elements) - set(species))
    if foreign:
        raise InputError(
            "config key species",
            f"{composition_name} has {foreign}, not in species {species}",
            "add them to species",
        )
    mapped = potential_elements(lammps["potential"])
    unmapped = sorted(set(species) - set(mapped))
    if unmapped:
        raise InputError(
            lammps["potential"],
            f"the potential has no parameters for {unmapped} (it maps {mapped})",
            "choose a potential for every element of config key species",
        )
    settings = MeltQuenchSettings(
        box_side=lammps["box_side"],
        pair_style=lammps["pair_style"],
        potential_file=Path(lammps["potential"]).name,
        timestep=lammps["timestep"],
        melt_temperature=lammps["melt_temperature"],
        melt_steps=lammps["melt_steps"],
        anneal_temperature=lammps["anneal_temperature"],
        quench_steps=lammps["quench_steps"],
        anneal_steps=lammps["anneal_steps"],
        dump_every=lammps["dump_every"],
        thermo_every=lammps["thermo_every"],
    )
    seeds = run_seeds(composition_name, run, composition.elements)
    with atomic_path(potential_copy) as tmp:
        shutil.copyfile(lammps["potential"], tmp)
    write_text(input_path, melt_quench_input(composition_name, counts, species, settings, seeds))


def count_dump_frames(path: str | Path, chunk: int = 1 << 24) -> int:
    """Frames in a LAMMPS text dump (``ITEM: TIMESTEP`` headers), read in 16 MB blocks
    without parsing: a second for a gigabyte. A cut last frame counts."""
    marker = b"ITEM: TIMESTEP"
    count = 0
    tail = b""
    with open(path, "rb") as stream:
        while block := stream.read(chunk):
            data = tail + block
            count += data.count(marker)
            # keep the last len(marker) - 1 bytes: a marker split across blocks counts once
            tail = data[-(len(marker) - 1) :]
    return count


def check_requested_frames(
    path: str | Path, requested: Iterable[int] | None, where: str = "frames"
) -> None:
    """Raise :class:`InputError` naming the requested 0-based frame indices that the dump
    does not hold (instead of silently predicting fewer frames)."""
    if requested is None:
        return
    requested = sorted({int(f) for f in requested})
    if not requested:
        return
    available = count_dump_frames(path)
    absent = [f for f in requested if f < 0 or f >= available]
    if absent:
        raise InputError(
            where,
            f"frame(s) {absent} requested but {path} holds {available} frame(s)"
            f" (0-based indices 0..{available - 1})",
            "request frames that exist, or an empty list for all",
        )
