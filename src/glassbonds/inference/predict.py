"""ETL inference: predicted bond strengths (-ICOHP, eV) for every bond of every MD frame.

Per frame: bonds from per-type distance windows (:mod:`glassbonds.neighbours`), SOAP per
atom, the fitted kernel model of each bond type, and LOBSTER-style outputs in
``output_dir`` (all written atomically):

``<ITEM>_<STEP>_ICOHPLIST.lobster``
    The LOBSTER 3.0.0 ``ICOHPLIST.lobster`` layout: its header, then
    ``COHP#  atomMU  atomNU  distance  tx ty tz  ICOHP`` with the same column widths.
    Labels are element + 1-based atom index in the frame (atoms sorted by LAMMPS id).
    The value is **+ICOHP** (eV), i.e. minus the predicted -ICOHP, as LOBSTER writes it.
    LOBSTER's translation sign: ``distance = |r_NU - T @ cell - r_MU|`` (angstrom).
    Bonds are sorted by (atomMU, atomNU, translation); bonds of a type without a fitted
    model are not written (they are counted in the ``.info``).
``<ITEM>_<STEP>_ICOHPLIST.std``
    One line per written bond, same ``COHP#``: the GPR predictive standard deviation of
    -ICOHP (eV) of that bond (see ``SoapBondKernelRegressor.predict``). Only written when
    ``predictive_std`` is on (the default); it is the costly part of inference.
``<ITEM>_<STEP>_ICOHPLIST.info``
    The layout of the original ML-ICOHP.py info file: ``N interactions``, then one row per
    modelled bond type in name order (count, window, zeta, sigma, reg. par. = gamma).
    Bond types found in the frame but without a fitted model follow in a second table
    with their skipped counts.
``<ITEM>_inference_summary.tsv``
    One row per frame read: frame index, step, atoms, bonds per type, bonds skipped for
    want of a model, status (``ok``, ``skipped: ...`` or ``truncated``).

Fast mean for the study's kernel with zeta = 1 (exact, not an interpolation): with
``u = d - c`` the Gaussian distance factor expands as
``g(d, d_i) = sum_k a_k(u) a_k(u_i)``, ``a_k(u) = exp(-u^2 / 2 sigma^2) (u / sigma)^k / sqrt(k!)``.
Every ``|a_k| <= 1`` and ``sum_k a_k(u)^2 = 1`` (Poisson weights), so truncating at ``K``
terms errs by at most the Poisson tail ``P(N >= K; lambda = u_max^2 / sigma^2)``, which is
chosen below 1e-20, far under float64 rounding. Then
``mean = 0.25 sum_k a_k(u) (H[a, k] + H[b, k])`` with ``H = P_atoms @ W^T`` and
``W_k = sum_i alpha_i a_k(u_i) q_i`` (K x F, built once per model): one small matrix
product per frame instead of ``n_bonds x n_train x F``. The predictive std needs
``k_*^T (K + noise I)^-1 k_*`` per bond, computed exactly from the per-atom products
``A = P_atoms @ Q_train^T`` and a triangular solve per block of bonds. Other kernels,
zeta != 1 and Nystrom stds fall back to the model's own ``predict`` on blocks of bonds.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from ase import Atoms

from glassbonds.descriptors import SoapParameters, check_same_descriptor, soap_vectors
from glassbonds.errors import InputError
from glassbonds.files import atomic_path
from glassbonds.inference.atom_maps import atom_sums, write_atom_map
from glassbonds.io.lammps import (
    TruncatedDumpError,
    check_requested_frames,
    iter_dump_frames,
    read_data_file,
)
from glassbonds.model.baseline import Baseline
from glassbonds.model.features import bond_feature_matrix
from glassbonds.model.files import load_model
from glassbonds.model.kernel import SoapBondKernelRegressor
from glassbonds.model.predictive_std import (
    STD_TOLERANCE,
    LowRankStd,
    SeriesExpansion,
    calibrated_std,
    exact_latent,
    series_weights,
)
from glassbonds.neighbours import Bonds, find_bonds, normalise_windows

FORMATS = ("lammps-dump", "lammps-data")
ICOHPLIST_HEADER = (
    "  COHP#  atomMU  atomNU     distance     translation      ICOHP (at) eF   for spin  1"
)
INFO_HEADER = "[interaction] [count] [min. dist.] [max. dist.] [zeta] [sigma] [reg. par.]"
# Bonds per block in the std and fallback paths: bounds temporaries to ~100 MB.
BOND_BLOCK = 4096


# ----------------------------------------------------------------------------- models


@dataclass
class FittedModel:
    """One bond type's fitted model as loaded from its ``.npz``."""

    bond_type: str
    model: SoapBondKernelRegressor
    metadata: dict[str, Any]
    path: str


@dataclass
class FittedModels:
    """Fitted models keyed by bond-type name (``"Zr-Cu"``)."""

    models: dict[str, FittedModel] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        paths: Mapping[str, str | Path] | Sequence[str | Path],
        species: Sequence[str] | None = None,
    ) -> FittedModels:
        """Load model files; the bond type comes from the mapping key or the file's metadata.

        With a mapping, a metadata ``bond_type`` that disagrees with the key is an error
        (a model file wired to the wrong type). ``species`` orders the names (``Cu-Zr`` is
        stored as ``Zr-Cu``).
        """
        items = list(paths.items()) if isinstance(paths, Mapping) else [(None, p) for p in paths]
        models: dict[str, FittedModel] = {}
        for key, path in items:
            model, metadata = load_model(path)
            stored = metadata.get("bond_type")
            if (
                key is not None
                and stored is not None
                and _ordered(key, species) != _ordered(stored, species)
            ):
                raise InputError(
                    path,
                    f"model of {stored} given for bond type {key}",
                    "point inference.models at the right file",
                )
            name = key if key is not None else stored
            if name is None:
                raise InputError(
                    path,
                    "model metadata has no bond_type",
                    "give the models as a mapping bond type -> file",
                )
            name = _ordered(name, species)
            if name in models:
                raise InputError(path, f"a second model for bond type {name}", "keep one")
            models[name] = FittedModel(name, model, dict(metadata), str(path))
        return cls(models)

    def check_descriptor(self, parameters: SoapParameters) -> None:
        """Raise if a model was trained on SOAP vectors made with other parameters."""
        for fitted in self.models.values():
            check_same_descriptor(
                fitted.path,
                fitted.metadata.get("descriptor_parameters"),
                parameters.as_dict(),
                "use the descriptor settings of the training database (model != config)",
            )
            expected = 1 + 2 * _soap_length(fitted.model)
            if fitted.model.n_features_in_ != expected:
                raise InputError(fitted.path, "inconsistent feature count in the model file")


def _ordered(name: str, species: Sequence[str] | None) -> str:
    if species is None:
        return name
    return next(iter(normalise_windows({name: (0.0, 0.0)}, species)))


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple | list) else value


def _soap_length(model: SoapBondKernelRegressor) -> int:
    return int(model.train_soap_sum_.shape[1])


# ----------------------------------------------------------------------------- prediction


@dataclass
class BondTypePredictor:
    """Fast predictions of one bond type's model (see the module docstring).

    ``window`` (angstrom) bounds the bond lengths it will be asked about; bonds outside
    the expansion's range are sent to the model's own ``predict``. ``std_tolerance``: relative
    accuracy of the low-rank std (:class:`~glassbonds.model.predictive_std.LowRankStd`,
    built on first use); None: always the exact std.
    """

    fitted: FittedModel
    window: tuple[float, float]
    std_tolerance: float | None = STD_TOLERANCE
    expansion: SeriesExpansion | None = None
    weights: np.ndarray | None = None  # W (terms, F), None: no series (fallback)

    def __post_init__(self) -> None:
        self.expansion = SeriesExpansion.for_model(self.fitted.model, self.window)
        if self.expansion is not None:
            self.weights = series_weights(self.fitted.model, self.expansion)
        self._low_rank: LowRankStd | bool | None = False  # False: not built yet

    @property
    def uses_series(self) -> bool:
        return self.weights is not None

    @property
    def terms(self) -> int:
        return 0 if self.expansion is None else self.expansion.terms

    @property
    def low_rank(self) -> LowRankStd | None:
        """The low-rank std of this model (None: exact std only), built once."""
        if self._low_rank is False:
            usable = self.uses_series and self.std_tolerance is not None
            self._low_rank = (
                LowRankStd.build(self.fitted.model, self.expansion, self.std_tolerance)
                if usable
                else None
            )
        return self._low_rank

    def mean_from_projection(
        self, projection: np.ndarray, atom_a: np.ndarray, atom_b: np.ndarray, distance: np.ndarray
    ) -> np.ndarray:
        """Mean -ICOHP (eV) from ``projection = P_atoms @ weights.T`` (n_atoms, terms): the
        model's baseline of the distance plus the kernel part (model file contract)."""
        model = self.fitted.model
        test = self.expansion.features(distance)
        summed = projection[atom_a] + projection[atom_b]
        return baseline_of(model)(distance) + 0.25 * np.einsum("ij,ij->i", test, summed)

    def in_range(self, distance: np.ndarray) -> np.ndarray:
        return self.expansion.in_range(distance)

    def std_fast(
        self, soap: np.ndarray, atom_a: np.ndarray, atom_b: np.ndarray, distance: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean and calibrated std (eV): the low-rank std where its per-bond check passes,
        the exact std (:meth:`std_exact`) for the other bonds and without a low-rank model."""
        low_rank = self.low_rank
        if low_rank is None or not self.in_range(distance).all():
            return self.std_exact(soap, atom_a, atom_b, distance)
        model = self.fitted.model
        used, inverse = np.unique(np.concatenate([atom_a, atom_b]), return_inverse=True)
        local_a, local_b = inverse[: len(atom_a)], inverse[len(atom_a) :]
        y, z_atoms = low_rank.project_atoms(soap[used])
        projection = soap[used] @ self.weights.T
        mean = self.mean_from_projection(projection, local_a, local_b, distance)
        std = np.empty(len(distance))
        failed = np.zeros(len(distance), dtype=bool)
        for start in range(0, len(distance), BOND_BLOCK):
            rows = slice(start, start + BOND_BLOCK)
            prior = _prior(soap, atom_a[rows], atom_b[rows])
            latent, ok = low_rank.latent(
                y, z_atoms, local_a[rows], local_b[rows], distance[rows], prior
            )
            std[rows] = calibrated_std(model, latent)
            failed[rows] = ~ok
        if failed.any():
            rows = np.flatnonzero(failed)
            std[rows] = self.std_exact(soap, atom_a[rows], atom_b[rows], distance[rows])[1]
        self.last_fallback = int(failed.sum())
        return mean, std

    def std_exact(
        self, soap: np.ndarray, atom_a: np.ndarray, atom_b: np.ndarray, distance: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean and predictive std (eV) through per-atom products, for an exact model.

        ``k_* = g(d, d_i) * 0.25 * (A[a, i] + A[b, i])`` with ``A = P_atoms @ Q_train^T``
        over the atoms these bonds use, then the model file's calibrated std
        (``predictive_std.calibrated_std`` of ``exact_latent``) and the mean
        ``baseline(d) + k_* . alpha``.
        """
        model = self.fitted.model
        used, inverse = np.unique(np.concatenate([atom_a, atom_b]), return_inverse=True)
        local_a, local_b = inverse[: len(atom_a)], inverse[len(atom_a) :]
        products = soap[used] @ model.train_soap_sum_.T
        mean = np.empty(len(distance))
        std = np.empty(len(distance))
        sigma = float(model.sigma)
        baseline = baseline_of(model)
        for start in range(0, len(distance), BOND_BLOCK):
            rows = slice(start, start + BOND_BLOCK)
            k_star = np.subtract.outer(distance[rows], model.train_distance_)
            np.square(k_star, out=k_star)
            k_star *= -0.5 / sigma**2
            np.exp(k_star, out=k_star)
            k_star *= 0.25 * (products[local_a[rows]] + products[local_b[rows]])
            mean[rows] = baseline(distance[rows]) + k_star @ model.alpha_
            prior = _prior(soap, atom_a[rows], atom_b[rows])
            std[rows] = calibrated_std(model, exact_latent(model, k_star, prior))
        return mean, std


def _prior(soap: np.ndarray, atom_a: np.ndarray, atom_b: np.ndarray) -> np.ndarray:
    """k(x, x) = 0.25 |pA + pB|^2 of bonds (zeta = 1 study kernel)."""
    summed = soap[atom_a] + soap[atom_b]
    return 0.25 * np.einsum("ij,ij->i", summed, summed)


def baseline_of(model: SoapBondKernelRegressor) -> Baseline:
    """The model's baseline of the distance (none for models without one)."""
    return getattr(model, "baseline_", None) or Baseline()


def _predict_with_model(
    model: SoapBondKernelRegressor,
    soap: np.ndarray,
    atom_a: np.ndarray,
    atom_b: np.ndarray,
    distance: np.ndarray,
    with_std: bool,
):
    """The model's own predict on blocks of bonds (bounded memory: features are 1 + 2F)."""
    mean = np.empty(len(distance))
    std = np.empty(len(distance)) if with_std else None
    for start in range(0, len(distance), BOND_BLOCK):
        rows = slice(start, start + BOND_BLOCK)
        features = bond_feature_matrix(distance[rows], soap[atom_a[rows]], soap[atom_b[rows]])
        if with_std:
            mean[rows], std[rows] = model.predict(features, return_std=True)
        else:
            mean[rows] = model.predict(features)
    return mean, std


@dataclass
class Predictions:
    """Per-bond predictions of one frame: -ICOHP and its std in eV (NaN: no model)."""

    mean: np.ndarray
    std: np.ndarray | None
    has_model: np.ndarray  # bool per bond


class BondPredictor:
    """All bond types' predictors; built once, reused for every frame."""

    def __init__(
        self,
        models: FittedModels,
        windows: Mapping[str, tuple[float, float]],
        std_tolerance: float | None = STD_TOLERANCE,
    ):
        self.models = models
        self.provenance = provenance_lines(models)
        self.predictors = {
            name: BondTypePredictor(fitted, windows.get(name, (np.inf, -np.inf)), std_tolerance)
            for name, fitted in models.models.items()
        }
        series = [p for p in self.predictors.values() if p.uses_series]
        # All series weights stacked: one (n_atoms, sum of terms) product per frame.
        self._stacked = np.vstack([p.weights for p in series]) if series else None
        offsets = np.cumsum([0] + [p.terms for p in series])
        self._columns = {
            p.fitted.bond_type: slice(int(offsets[i]), int(offsets[i + 1]))
            for i, p in enumerate(series)
        }

    def predict(self, soap: np.ndarray, bonds: Bonds, with_std: bool) -> Predictions:
        """Predict every bond of a frame whose type has a model; ``soap`` (n_atoms, F)."""
        mean = np.full(len(bonds), np.nan)
        std = np.full(len(bonds), np.nan) if with_std else None
        has_model = np.zeros(len(bonds), dtype=bool)
        projection = None
        if self._stacked is not None and not with_std:
            if soap.shape[1] != self._stacked.shape[1]:
                raise InputError(
                    "inference",
                    f"SOAP length {soap.shape[1]} differs from the "
                    f"models' {self._stacked.shape[1]}",
                    "use the models' SOAP settings",
                )
            projection = soap @ self._stacked.T
        for index, name in enumerate(bonds.type_names):
            predictor = self.predictors.get(name)
            rows = np.nonzero(bonds.bond_type == index)[0]
            if predictor is None or len(rows) == 0:
                continue
            has_model[rows] = True
            a, b, d = bonds.atom_a[rows], bonds.atom_b[rows], bonds.distance[rows]
            model = predictor.fitted.model
            if with_std and predictor.uses_series and model.landmark_cholesky_ is None:
                mean[rows], std[rows] = predictor.std_fast(soap, a, b, d)
                continue
            if with_std or not predictor.uses_series:
                mean[rows], block_std = _predict_with_model(model, soap, a, b, d, with_std)
                if with_std:
                    std[rows] = block_std
                continue
            inside = predictor.in_range(d)
            columns = projection[:, self._columns[name]]
            mean[rows[inside]] = predictor.mean_from_projection(
                columns, a[inside], b[inside], d[inside]
            )
            if not inside.all():
                outside = ~inside
                mean[rows[outside]] = _predict_with_model(
                    model, soap, a[outside], b[outside], d[outside], False
                )[0]
        return Predictions(mean, std, has_model)


# ----------------------------------------------------------------------------- writers


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


# ----------------------------------------------------------------------------- frames


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


@dataclass
class InferenceSummary:
    """Per-frame results of a run and where the summary table went."""

    frames: list[FrameResult]
    summary_path: Path
    truncated: bool

    @property
    def processed(self) -> int:
        return sum(result.status == "ok" for result in self.frames)


def _write(path: Path, text: str) -> None:
    with atomic_path(path) as tmp, open(tmp, "w") as stream:
        stream.write(text)


def _summary_text(results: Sequence[FrameResult], type_names: Sequence[str]) -> str:
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


def infer_frame(
    frame: Frame,
    predictor: BondPredictor,
    windows: Mapping[str, tuple[float, float]],
    soap_parameters: SoapParameters,
    output_dir: Path,
    item_name: str,
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
    stem = output_dir / f"{item_name}_{frame.step}_ICOHPLIST"
    sums, sums_std, counts = atom_sums(len(frame.atoms), bonds, predictions.mean, predictions.std)
    write_atom_map(output_dir / f"{item_name}_{frame.step}_atoms.xyz", frame.atoms, sums,
                   sums_std, counts)  # fmt: skip
    _write(
        stem.with_suffix(".lobster"),
        icohplist_text(kept, symbols, -predictions.mean[predictions.has_model]),
    )
    if predictive_std:
        _write(stem.with_suffix(".std"), std_text(predictions.std[predictions.has_model]))
    _write(
        stem.with_suffix(".info"),
        info_text(written, skipped, predictor.models, windows, predictor.provenance),
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
    item_name: str,
    frames: Sequence[int] | None = None,
    predictive_std: bool = True,
    log: TextIO | None = None,
) -> InferenceSummary:
    """Predict -ICOHP for every bond of the selected frames and write their outputs.

    ``frames``: 0-based frame indices of the input to process (None: all). The input is
    streamed: one frame is held at a time. A frame whose atom count differs from the first
    processed frame is skipped (status ``skipped: ...`` in the summary, counted); a dump cut
    inside its last frame is reported in ``log`` and the summary (status ``truncated``) and
    the complete frames are kept. ``log`` receives the progress bar and messages (stderr if
    None). Returns the per-frame results; the summary TSV is
    ``<output_dir>/<item_name>_inference_summary.tsv``.
    """
    from tqdm import tqdm

    if format not in FORMATS:
        raise InputError("inference.format", f"unknown format {format!r}", f"use one of {FORMATS}")
    structure_path, output_dir = Path(structure_path), Path(output_dir)
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
    predictor = BondPredictor(models, windows)
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
                results.append(
                    infer_frame(
                        frame,
                        predictor,
                        windows,
                        soap_parameters,
                        staging,
                        item_name,
                        predictive_std,
                        describer,
                    )
                )
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
    summary_path = output_dir / f"{item_name}_inference_summary.tsv"
    _write(summary_path, _summary_text(results, list(windows)))
    skipped_frames = sum(result.status.startswith("skipped") for result in results)
    print(
        f"inference {item_name}: {sum(r.status == 'ok' for r in results)} frame(s) written, "
        f"{skipped_frames} skipped, truncated={truncated}",
        file=log,
    )
    return InferenceSummary(results, summary_path, truncated)
