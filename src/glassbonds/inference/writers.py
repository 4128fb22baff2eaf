"""Text of the per-frame inference outputs (LOBSTER-style) and of the run summary.

``<ITEM>_<STEP>_ICOHPLIST.lobster``
    The LOBSTER 3.0.0 ``ICOHPLIST.lobster`` layout: its header, then
    ``COHP#  atomMU  atomNU  distance  tx ty tz  ICOHP`` with the same column widths.
    Labels are element + 1-based atom index in the frame (atoms sorted by LAMMPS id).
    The value is **+ICOHP** (eV), i.e. minus the predicted -ICOHP, as LOBSTER writes it.
    LOBSTER's translation sign: ``distance = |r_NU - T @ cell - r_MU|`` (angstrom).
    Bonds are sorted by (atomMU, atomNU, translation); bonds of a type without a fitted
    model are not written (they are counted in the ``.info``).
``<ITEM>_<STEP>_ICOHPLIST.std``
    One line per written bond, same ``COHP#``: the calibrated predictive standard deviation
    of -ICOHP (eV) of that bond (:mod:`glassbonds.model.predictive_std`).
``<ITEM>_<STEP>_ICOHPLIST.info``
    The layout of the original ML-ICOHP.py info file: ``N interactions``, then one row per
    modelled bond type in name order (count, window, zeta, sigma, reg. par. = gamma).
    Bond types found in the frame but without a fitted model follow in a second table
    with their skipped counts, then the model provenance lines.
``<ITEM>_inference_summary.tsv``
    One row per frame read: frame index, step, atoms, bonds per type, bonds skipped for
    want of a model, status (``ok``, ``skipped: ...`` or ``truncated``).

The file names are given by the ``infer`` rule (``workflow/rules/inference.smk``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from glassbonds.files import atomic_path
from glassbonds.neighbours import Bonds

if TYPE_CHECKING:
    from glassbonds.inference.frames import FrameResult
    from glassbonds.inference.models import FittedModels

ICOHPLIST_HEADER = (
    "  COHP#  atomMU  atomNU     distance     translation      ICOHP (at) eF   for spin  1"
)
INFO_HEADER = "[interaction] [count] [min. dist.] [max. dist.] [zeta] [sigma] [reg. par.]"


@dataclass(frozen=True)
class FrameNames:
    """File names of one frame's outputs (inside the item's output directory)."""

    icohplist: str
    info: str
    std: str
    atoms: str


@dataclass(frozen=True)
class OutputNames:
    """Names of one inference item's files inside its output directory, as the ``infer``
    rule declares them (``workflow/rules/inference.smk``): ``summary`` and per-frame
    templates with a ``{step}`` field (the frame's MD timestep); ``item`` labels messages."""

    item: str
    summary: str
    icohplist: str
    info: str
    std: str
    atoms: str

    def frame(self, step: int | str) -> FrameNames:
        return FrameNames(
            *(
                template.format(step=step)
                for template in (self.icohplist, self.info, self.std, self.atoms)
            )
        )


def icohplist_text(bonds: Bonds, symbols: Sequence[str], icohp: np.ndarray) -> str:
    """LOBSTER 3.0.0 ``ICOHPLIST.lobster`` text; ``icohp`` is +ICOHP (eV) per bond.

    The translation column is LOBSTER's ``T = -S`` of the bonds' shifts ``S``
    (:mod:`glassbonds.neighbours`), so that ``distance = |r_NU - T @ cell - r_MU|``.
    """
    symbols = np.asarray(symbols)
    labels_a = np.char.add(symbols[bonds.atom_a], (bonds.atom_a + 1).astype(str)).tolist()
    labels_b = np.char.add(symbols[bonds.atom_b], (bonds.atom_b + 1).astype(str)).tolist()
    lines = [ICOHPLIST_HEADER]
    lines += [
        f"{number:7d} {la:>7s} {lb:>7s} {d:12.5f} {tx:7d} {ty:3d} {tz:3d} {value:18.5f} "
        for number, la, lb, d, (tx, ty, tz), value in zip(
            range(1, len(bonds) + 1),
            labels_a,
            labels_b,
            bonds.distance.tolist(),
            (-bonds.translation).tolist(),
            icohp.tolist(),
            strict=True,
        )
    ]
    return "\n".join(lines) + "\n"


def std_text(std: np.ndarray) -> str:
    """``COHP#`` and predictive std of -ICOHP (eV), one line per written bond."""
    lines = ["  COHP#   std(-ICOHP) eV"]
    lines += [f"{number:7d} {value:16.8f}" for number, value in enumerate(std.tolist(), 1)]
    return "\n".join(lines) + "\n"


def provenance_lines(models: FittedModels) -> list[str]:
    """``#`` lines of an inference ``.info``: each model file with its SHA-256 (read by
    ``glassbonds provenance``), the -ICOHP programs of its training database, and a marker
    when any training -ICOHP came from the synthetic test double."""
    from glassbonds.provenance import model_info_line

    lines, synthetic = [], 0
    for name, fitted in sorted(models.models.items()):
        lines.append(model_info_line(fitted.path))
        training = fitted.metadata.get("training_database") or {}
        programs = training.get("icohp_programs") or {}
        described = ", ".join(f"{p} ({n} sub-runs)" for p, n in programs.items())
        lines.append(f"# {name} trained on {training.get('path', 'not recorded')}: "
                     f"-ICOHP from {described or 'not recorded'}")  # fmt: skip
        synthetic += int(training.get("synthetic_icohp_subruns") or 0)
    if synthetic:
        lines.append(
            "# SYNTHETIC -ICOHP (test double, not LOBSTER): the models were trained on "
            f"{synthetic} sub-run(s) whose -ICOHP is not LOBSTER's"
        )
    return lines


def info_text(
    written: Mapping[str, int],
    skipped: Mapping[str, int],
    models: FittedModels,
    windows: Mapping[str, tuple[float, float]],
    provenance: Sequence[str] = (),
) -> str:
    """The original ``ICOHPLIST.info`` layout, a table of bond types without a model, and
    the ``provenance`` lines (:func:`provenance_lines`)."""
    lines = [f"{sum(written.values())} interactions", "", INFO_HEADER]
    # Rows in name order, as the original (Al-Al, Cu-Al, Cu-Cu, Zr-Al, Zr-Cu, Zr-Zr).
    for name, count in sorted(written.items()):
        model = models.models[name].model
        low, high = windows[name]
        lines.append(
            f"{name:>10s} {count:10d}  {low:15.2f} {high:15.2f} {float(model.zeta):15.2f}"
            f" {float(model.sigma):15.2f} {float(model.gamma):18.5f}"
        )
    if skipped:
        lines += ["", "[interaction without model] [skipped count] [min. dist.] [max. dist.]"]
        for name, count in sorted(skipped.items()):
            low, high = windows[name]
            lines.append(f"{name:>10s} {count:10d}  {low:15.2f} {high:15.2f}")
    if provenance:
        lines += ["", *provenance]
    return "\n".join(lines) + "\n"


def write_text_atomically(path: Path, text: str) -> None:
    with atomic_path(path) as tmp, open(tmp, "w") as stream:
        stream.write(text)


def summary_text(results: Sequence[FrameResult], type_names: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(["frame", "step", "natoms", *type_names, "skipped_no_model", "status"])
    for result in results:
        writer.writerow(
            [
                result.index,
                result.step,
                result.natoms,
                *(result.counts.get(name, 0) for name in type_names),
                result.skipped,
                result.status,
            ]
        )
    return buffer.getvalue()
