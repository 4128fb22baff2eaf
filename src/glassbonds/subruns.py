"""Sub-run inputs: from the last frame of a run's dump to the 15 deformed cells and, per
sub-run, ``<NC>.xyz``, ``<NC>.scf.in``, ``lobsterin`` and ``lobsterin-quippy``.

This module only assembles the pieces of :mod:`cells`, :mod:`io.qe` and :mod:`io.lobster`
from the workflow configuration (lengths in angstrom).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ase import Atoms
from ase.io import write as write_structure

from glassbonds.cells import deform, transformations_from_config
from glassbonds.errors import InputError
from glassbonds.files import atomic_path, write_text
from glassbonds.io.lammps import last_dump_frame
from glassbonds.io.lobster_inputs import LobsterSettings, lobsterin_text, neighbour_list_text
from glassbonds.io.qe import ScfSettings, basis_function_count, scf_input


@dataclass(frozen=True)
class SubRunOutputs:
    """Paths written for one sub-run."""

    xyz: Path
    scf_in: Path
    lobsterin: Path
    neighbours: Path


# qe settings one sub-run may override (config qe.overrides): &ELECTRONS values that change
# how the scf gets to its result, not the result (cut-offs or conv_thr would).
OVERRIDE_KEYS = ("mixing_beta", "mixing_mode", "electron_maxstep")


def subrun_qe(qe: Mapping, overrides: Mapping | None, subrun: str) -> dict:
    """The ``qe`` section for one sub-run (``subrun`` = "NC/RUN/SUB"): ``qe`` with that
    sub-run's entry of ``overrides`` (config ``qe.overrides``) applied, if it has one."""
    override = dict((overrides or {}).get(subrun) or {})
    bad = sorted(set(override) - set(OVERRIDE_KEYS))
    if bad:
        raise InputError(
            f"config key qe.overrides.{subrun}",
            f"has key(s) {bad}",
            f"override only {list(OVERRIDE_KEYS)} per sub-run",
        )
    return {**qe, **override}


def reference_cell(dump: str | Path, species: Sequence[str]) -> Atoms:
    """The last complete frame of a run's dump, atom type i+1 mapped to ``species[i]``."""
    frame = last_dump_frame(dump)
    return frame.to_atoms(dict(enumerate(species, start=1)), where=str(dump))


def write_subrun_inputs(
    reference: Atoms,
    subrun: int,
    outputs: SubRunOutputs,
    *,
    nc: str,
    transformations: list[dict],
    qe: Mapping,
    lobster: Mapping,
    pseudo_dir: str,
    scratch: str | Path,
    neighbour_cutoff: float,
) -> Atoms:
    """Write the four input files of one sub-run; return its (deformed) cell."""
    table = transformations_from_config(transformations)
    if subrun not in table:
        raise InputError("config key subruns", f"no transformation for sub-run {subrun}")
    atoms = deform(reference, table[subrun])
    missing_basis = sorted(set(atoms.get_chemical_symbols()) - set(lobster["basis_functions"]))
    if missing_basis:
        raise InputError("config key lobster.basis_functions", f"no entry for {missing_basis}")
    missing_upf = sorted(set(atoms.get_chemical_symbols()) - set(qe["pseudopotentials"]))
    if missing_upf:
        raise InputError("config key qe.pseudopotentials", f"no UPF for {missing_upf}")
    settings = LobsterSettings.from_config(lobster)
    counts = {el: basis_function_count(orbs) for el, orbs in settings.basis_functions.items()}
    with atomic_path(outputs.xyz) as tmp:
        write_structure(tmp, atoms, format="extxyz")
    write_text(
        outputs.scf_in,
        scf_input(
            atoms,
            ScfSettings.from_config(qe),
            prefix=nc,
            pseudo_dir=pseudo_dir,
            outdir=scratch,
            pseudopotentials=qe["pseudopotentials"],
            basis_function_counts=counts,
        ),
    )
    write_text(outputs.lobsterin, lobsterin_text(settings))
    write_text(outputs.neighbours, neighbour_list_text(atoms, settings, neighbour_cutoff))
    return atoms
