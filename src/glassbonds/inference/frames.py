"""ETL inference of a structure file: every frame's bonds (per-type distance windows,
:mod:`glassbonds.neighbours`), per-atom SOAP, predictions (:mod:`.prediction`) and the
per-frame outputs (:mod:`.writers`, :mod:`.atom_maps`), all or nothing per item.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np
from ase import Atoms

from glassbonds.descriptors import SoapParameters, soap_vectors
from glassbonds.errors import InputError
from glassbonds.inference.atom_maps import atom_sums, write_atom_map
from glassbonds.inference.models import FittedModels
from glassbonds.inference.prediction import BondPredictor
from glassbonds.inference.writers import (
    OutputNames,
    icohplist_text,
    info_text,
    std_text,
    summary_text,
    write_text_atomically,
)
from glassbonds.io.lammps import (
    TruncatedDumpError,
    check_requested_frames,
    iter_dump_frames,
    read_data_file,
)
from glassbonds.neighbours import find_bonds, normalise_windows

FORMATS = ("lammps-dump", "lammps-data")


@dataclass
class Frame:
    """One structure to process: its position in the input, timestep and atoms."""

    index: int
    step: int
    atoms: Atoms


def _frames(path: Path, fmt: str, type_map: Mapping[int, str]) -> Iterator[Frame]:
    """Stream frames; a truncated dump raises TruncatedDumpError after its complete frames."""
    if fmt == "lammps-data":
        try:
            atoms = read_data_file(path, type_map)
        except KeyError as error:
            raise InputError(
                path,
                f"atom type {error.args[0]} has no element",
                "add it to the type map of the config (type: symbol)",
            ) from None
        yield Frame(0, 0, atoms)
        return
    for index, frame in enumerate(iter_dump_frames(path)):
        yield Frame(index, frame.step, frame.to_atoms(type_map, where=str(path)))


@dataclass
class FrameResult:
    """What one frame produced (a row of the summary)."""

    index: int
    step: int | str
    natoms: int
    counts: dict[str, int]
    skipped: int
    status: str
    # Wall and CPU (all threads) seconds of the frame; the first includes the one-off setup.
    seconds: float = 0.0
    cpu_seconds: float = 0.0


@dataclass
class InferenceSummary:
    """Per-frame results of a run and where the summary table went."""

    frames: list[FrameResult]
    summary_path: Path
    truncated: bool

    @property
    def processed(self) -> int:
        return sum(result.status == "ok" for result in self.frames)


def infer_frame(
    frame: Frame,
    predictor: BondPredictor,
    windows: Mapping[str, tuple[float, float]],
    soap_parameters: SoapParameters,
    output_dir: Path,
    names: OutputNames,
    predictive_std: bool,
    describer=None,
) -> FrameResult:
    """Bonds, SOAP, predictions and the three output files of one frame."""
    species = soap_parameters.species
    symbols = frame.atoms.get_chemical_symbols()
    bonds = find_bonds(
        frame.atoms.positions,
        np.asarray(frame.atoms.cell),
        symbols,
        windows,
        species,
        tuple(bool(p) for p in frame.atoms.pbc),
    )
    soap = soap_vectors(frame.atoms, soap_parameters, describer)
    predictions = predictor.predict(soap, bonds, predictive_std)
    kept = bonds.subset(predictions.has_model)
    all_counts = bonds.counts()
    written = {
        name: all_counts[name] for name in bonds.type_names if name in predictor.models.models
    }
    skipped = {
        name: count
        for name, count in all_counts.items()
        if name not in predictor.models.models and count > 0
    }
    files = names.frame(frame.step)
    sums, sums_std, counts = atom_sums(len(frame.atoms), bonds, predictions.mean, predictions.std)
    write_atom_map(output_dir / files.atoms, frame.atoms, sums,
                   sums_std, counts)  # fmt: skip
    write_text_atomically(
        output_dir / files.icohplist,
        icohplist_text(kept, symbols, -predictions.mean[predictions.has_model]),
    )
    if predictive_std:
        write_text_atomically(
            output_dir / files.std, std_text(predictions.std[predictions.has_model])
        )
    write_text_atomically(
        output_dir / files.info,
        info_text(
            written,
            skipped,
            predictor.models,
            windows,
            predictor.provenance + (predictor.std_lines() if predictive_std else []),
        ),
    )
    return FrameResult(
        frame.index, frame.step, len(frame.atoms), all_counts, sum(skipped.values()), "ok"
    )


def infer_frames(
    structure_path: str | Path,
    format: str,
    type_map: Mapping[int, str],
    models: FittedModels,
    windows: Mapping[str, Sequence[float]],
    soap_parameters: SoapParameters,
    output_dir: str | Path,
    names: OutputNames,
    frames: Sequence[int] | None = None,
    predictive_std: bool = True,
    log: TextIO | None = None,
    std_tolerance: float | None = None,
    std_factors: Sequence[str | Path] = (),
) -> InferenceSummary:
    """Predict -ICOHP for every bond of the selected frames and write their outputs.

    ``frames``: 0-based frame indices of the input to process (None: all). The input is
    streamed: one frame is held at a time. A frame whose atom count differs from the first
    processed frame is skipped (status ``skipped: ...`` in the summary, counted); a dump cut
    inside its last frame is reported in ``log`` and the summary (status ``truncated``) and
    the complete frames are kept. ``log`` receives the progress bar and messages (stderr if
    None). Returns the per-frame results; the summary TSV is
    ``output_dir / names.summary``. ``output_dir`` is the ``infer`` rule's directory output and
    ``names`` the file names it declares (the library builds none). ``std_tolerance``: relative
    accuracy of the low-rank std (e.g. ``STD_TOLERANCE`` = 1e-3; zeta = 1 models with
    low-rank structure; its one-off build per model takes ~2 s for a 2,000-bond model unless
    ``std_factors`` gives it, files of :mod:`glassbonds.model.std_factors`, one per model);
    None (default): the exact std for every bond.
    """
    from tqdm import tqdm

    if format not in FORMATS:
        raise InputError("inference.format", f"unknown format {format!r}", f"use one of {FORMATS}")
    structure_path, output_dir = Path(structure_path), Path(output_dir)
    item_name = names.item
    if not structure_path.is_file():
        raise InputError(
            structure_path, "structure file not found", "check inference.structure in the config"
        )
    log = log or sys.stderr
    species = soap_parameters.species
    windows = normalise_windows(windows, species)
    models.check_descriptor(soap_parameters)
    unknown = sorted(set(models.models) - set(windows))
    if unknown:
        raise InputError(
            "inference.windows",
            f"no distance window for modelled type(s) {unknown}",
            "add [d_min, d_max] for them",
        )
    predictor = BondPredictor(models, windows, std_tolerance, std_factors)
    describer = soap_parameters.describer()
    if format == "lammps-dump":  # requested frames the dump lacks: an error, not fewer frames
        check_requested_frames(structure_path, frames, f"inference item {item_name}: frames")
    wanted = None if frames is None else set(int(f) for f in frames)
    last_wanted = None if wanted is None else max(wanted, default=-1)
    results: list[FrameResult] = []
    first_natoms: int | None = None
    truncated = False
    progress = tqdm(
        total=None if wanted is None else len(wanted),
        unit="frame",
        file=log,
        desc=f"inference {item_name}",
        mininterval=1.0,
    )
    # All or nothing per item: the frames' files are written to a staging directory and
    # moved beside the summary only when every requested frame went through.
    staging = output_dir / f".{item_name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for frame in _frames(structure_path, format, type_map):
            if last_wanted is not None and frame.index > last_wanted:
                break
            if wanted is not None and frame.index not in wanted:
                continue
            natoms = len(frame.atoms)
            if first_natoms is None:
                first_natoms = natoms
            if natoms != first_natoms:
                reason = f"skipped: {natoms} atoms, first frame had {first_natoms}"
                print(f"frame {frame.index} (step {frame.step}) {reason}", file=log)
                results.append(FrameResult(frame.index, frame.step, natoms, {}, 0, reason))
            else:
                start, cpu_start = time.perf_counter(), time.process_time()
                result = infer_frame(
                    frame,
                    predictor,
                    windows,
                    soap_parameters,
                    staging,
                    names,
                    predictive_std,
                    describer,
                )
                result.seconds = time.perf_counter() - start
                result.cpu_seconds = time.process_time() - cpu_start
                results.append(result)
            progress.update(1)
    except TruncatedDumpError as error:
        truncated = True
        print(f"truncated input: {error}; the {len(results)} complete frame(s) were kept", file=log)
        results.append(FrameResult(len(results), "-", 0, {}, 0, "truncated"))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        progress.close()
    for written_file in sorted(staging.iterdir()):
        os.replace(written_file, output_dir / written_file.name)
    staging.rmdir()
    summary_path = output_dir / names.summary
    write_text_atomically(summary_path, summary_text(results, list(windows)))
    skipped_frames = sum(result.status.startswith("skipped") for result in results)
    timed = [result.seconds for result in results if result.status == "ok"]
    timing = (
        f" in {sum(timed):.1f} s (first frame {timed[0]:.1f} s with the one-off setup, "
        f"median of the others {np.median(timed[1:]):.2f} s)"
        if len(timed) > 1
        else ""
    )
    print(
        f"inference {item_name}: {len(timed)} frame(s) written{timing}, "
        f"{skipped_frames} skipped, truncated={truncated}",
        file=log,
    )
    return InferenceSummary(results, summary_path, truncated)
