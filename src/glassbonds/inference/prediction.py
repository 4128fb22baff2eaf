"""Predicted -ICOHP (eV) and its predictive std for every bond of a frame.

Fast mean for the study's kernel with zeta = 1 (exact, not an interpolation): the series of
:mod:`glassbonds.model.predictive_std` gives ``mean = baseline(d) + 0.25 sum_k a_k(u)
(H[a, k] + H[b, k])`` with ``H = P_atoms @ W^T`` (W built once per model): one small matrix
product per frame instead of ``n_bonds x n_train x F``. The predictive std is exact by
default: per-atom products ``A = P_atoms @ Q_train^T`` and a triangular solve per block of
bonds. With ``std_tolerance`` it uses the low-rank std of that module where the model has
low-rank structure (per-atom projections, a cheap per-bond check, the exact std for the
bonds that fail it).
Other kernels, zeta != 1 and Nystrom stds fall back to the model's own ``predict``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glassbonds.errors import InputError
from glassbonds.files import sha256
from glassbonds.inference.models import FittedModel, FittedModels
from glassbonds.inference.writers import provenance_lines
from glassbonds.model.baseline import Baseline
from glassbonds.model.bond_loops import pair_dots
from glassbonds.model.features import bond_feature_matrix
from glassbonds.model.kernel import SoapBondKernelRegressor
from glassbonds.model.predictive_std import (
    STD_TOLERANCE,
    LowRankStd,
    SeriesExpansion,
    calibrated_std,
    exact_latent,
    series_weights,
)
from glassbonds.model.std_factors import factors_by_bond_type, read_std_factors
from glassbonds.neighbours import Bonds

# Bonds per block in the std and fallback paths: bounds temporaries to ~100 MB.
BOND_BLOCK = 4096


@dataclass
class BondTypePredictor:
    """Fast predictions of one bond type's model (see the module docstring).

    ``window`` (angstrom) bounds the bond lengths it will be asked about; bonds outside
    the expansion's range are sent to the model's own ``predict``. ``std_tolerance``: relative
    accuracy of the low-rank std (:class:`~glassbonds.model.predictive_std.LowRankStd`,
    read from ``std_factors`` (a file of :mod:`glassbonds.model.std_factors`) when given,
    else built on first use); None: always the exact std.
    """

    fitted: FittedModel
    window: tuple[float, float]
    std_tolerance: float | None = STD_TOLERANCE
    std_factors: str | Path | None = None
    model_sha256: str | None = None  # of the model file, known when std_factors is given
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
            model = self.fitted.model
            if not self.uses_series or self.std_tolerance is None:
                self._low_rank = None
            elif self.std_factors is not None:
                digest = self.model_sha256 or sha256(self.fitted.path)
                self._low_rank = read_std_factors(
                    self.std_factors, model, digest, self.expansion, self.std_tolerance
                )
            else:
                self._low_rank = LowRankStd.build(model, self.expansion, self.std_tolerance)
        return self._low_rank

    def std_method(self, bonds: int) -> str:
        """How :meth:`std_fast` computed the std of its last ``bonds`` bonds."""
        low_rank = self.low_rank
        if low_rank is None:
            return "exact (per-atom products and one triangular solve per bond)"
        return (
            f"low rank, relative tolerance {low_rank.tolerance:g} ({low_rank.sizes}); "
            f"{self.last_fallback} of {bonds} bonds recomputed exactly"
        )

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
        self,
        soap: np.ndarray,
        atom_a: np.ndarray,
        atom_b: np.ndarray,
        distance: np.ndarray,
        frame: FrameProducts | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean and calibrated std (eV): the low-rank std where its per-bond check passes,
        the exact std (:meth:`std_exact`) for the other bonds and without a low-rank model.
        ``frame``: the frame's shared products (:func:`frame_products`), when the caller
        computed them once for all bond types."""
        low_rank = self.low_rank
        inside = self.in_range(distance) if low_rank is not None else None
        if low_rank is None or not inside.any():
            self.last_fallback = len(distance)
            return self.std_exact(soap, atom_a, atom_b, distance)
        if frame is None:
            frame = frame_products(soap, [self])
        if not inside.all():  # bonds beyond the series range take the exact path
            mean, std = np.empty(len(distance)), np.empty(len(distance))
            rows, other = np.flatnonzero(inside), np.flatnonzero(~inside)
            mean[other], std[other] = self.std_exact(
                soap, atom_a[other], atom_b[other], distance[other]
            )
            mean[rows], std[rows] = self.std_fast(
                soap, atom_a[rows], atom_b[rows], distance[rows], frame
            )
            self.last_fallback += len(other)
            return mean, std
        model = self.fitted.model
        series_columns, head_columns = frame.columns[self.fitted.bond_type]
        used, inverse = np.unique(np.concatenate([atom_a, atom_b]), return_inverse=True)
        if 5 * len(used) >= 4 * len(soap):  # most of the frame's atoms: no copies
            atoms = low_rank.project_atoms(frame.soap32, frame.products[:, head_columns])
            local_a, local_b = atom_a, atom_b
        else:
            atoms = low_rank.project_atoms(frame.soap32[used], frame.products[used, head_columns])
            local_a, local_b = inverse[: len(atom_a)], inverse[len(atom_a) :]
        mean = self.mean_from_projection(
            frame.products[:, series_columns], atom_a, atom_b, distance
        )
        std = np.empty(len(distance))
        failed = np.zeros(len(distance), dtype=bool)
        for start in range(0, len(distance), BOND_BLOCK):
            rows = slice(start, start + BOND_BLOCK)
            prior = _prior(soap, frame.norms, atom_a[rows], atom_b[rows])
            latent, ok = low_rank.latent(atoms, local_a[rows], local_b[rows], distance[rows], prior)
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
        ``baseline(d) + k_* . alpha``. Scattered bonds (fewer bonds than atoms, such as the
        low-rank path's fallbacks) take ``(pA + pB) @ Q_train^T`` per bond instead: half the
        products.
        """
        model = self.fitted.model
        used, inverse = np.unique(np.concatenate([atom_a, atom_b]), return_inverse=True)
        local_a, local_b = inverse[: len(atom_a)], inverse[len(atom_a) :]
        local = soap[used]
        per_bond = len(distance) < len(used)
        products = None if per_bond else local @ model.train_soap_sum_.T
        norms = np.einsum("ij,ij->i", local, local)
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
            if per_bond:
                summed = local[local_a[rows]] + local[local_b[rows]]
                k_star *= 0.25 * (summed @ model.train_soap_sum_.T)
            else:
                k_star *= 0.25 * (products[local_a[rows]] + products[local_b[rows]])
            mean[rows] = baseline(distance[rows]) + k_star @ model.alpha_
            prior = _prior(local, norms, local_a[rows], local_b[rows])
            std[rows] = calibrated_std(model, exact_latent(model, k_star, prior))
        return mean, std


def _prior(
    soap: np.ndarray, norms: np.ndarray, atom_a: np.ndarray, atom_b: np.ndarray
) -> np.ndarray:
    """k(x, x) = 0.25 |pA + pB|^2 of bonds (zeta = 1 study kernel), as
    ``0.25 (|pA|^2 + |pB|^2 + 2 pA . pB)`` with the atoms' ``norms`` (``|p|^2``) given: one
    compiled product per bond, reading the two SOAP rows in place."""
    return 0.25 * (norms[atom_a] + norms[atom_b] + 2.0 * pair_dots(soap, atom_a, atom_b))


@dataclass(frozen=True)
class FrameProducts:
    """What the low-rank std paths of all bond types share in one frame, computed once:
    the SOAP vectors in float32 (``soap32``), ``|p|^2`` per atom (``norms``), and one float64
    product of the SOAP vectors with every model's series weights and low-rank head
    directions (``products``, (n_atoms, columns); ``columns[bond type]`` = (series columns,
    head columns))."""

    soap32: np.ndarray
    norms: np.ndarray
    products: np.ndarray
    columns: dict[str, tuple[slice, slice]]


def frame_products(soap: np.ndarray, predictors: Sequence[BondTypePredictor]) -> FrameProducts:
    """The :class:`FrameProducts` of ``soap`` (n_atoms, F) for the ``predictors`` with a
    low-rank std: one pass over the float64 SOAP vectors instead of one per model."""
    blocks, columns, start = [], {}, 0
    for predictor in predictors:
        low_rank = predictor.low_rank
        if low_rank is None:
            continue
        head = low_rank.head_basis.T
        blocks += [predictor.weights, head]
        series = slice(start, start + len(predictor.weights))
        heads = slice(series.stop, series.stop + len(head))
        columns[predictor.fitted.bond_type] = (series, heads)
        start = heads.stop
    products = soap @ np.vstack(blocks).T if blocks else np.empty((len(soap), 0))
    return FrameProducts(
        soap.astype(np.float32), np.einsum("ij,ij->i", soap, soap), products, columns
    )


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
        std_tolerance: float | None = None,
        std_factors: Sequence[str | Path] = (),
    ):
        self.models = models
        self.provenance = provenance_lines(models)
        # Each model file hashed once, and only when std factor files are to be matched.
        hashes = (
            {name: sha256(fitted.path) for name, fitted in models.models.items()}
            if std_factors
            else {}
        )
        factors = factors_by_bond_type(list(std_factors), hashes)
        self.predictors = {
            name: BondTypePredictor(
                fitted,
                windows.get(name, (np.inf, -np.inf)),
                std_tolerance,
                factors.get(name),
                hashes.get(name),
            )
            for name, fitted in models.models.items()
        }
        # How the last predict computed each bond type's std (``std_lines``).
        self.std_methods: dict[str, str] = {}
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
        projection = frame = None
        self.std_methods = {}
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
                if frame is None and predictor.low_rank is not None:
                    frame = frame_products(soap, list(self.predictors.values()))
                mean[rows], std[rows] = predictor.std_fast(soap, a, b, d, frame)
                self.std_methods[name] = predictor.std_method(len(rows))
                continue
            if with_std or not predictor.uses_series:
                mean[rows], block_std = _predict_with_model(model, soap, a, b, d, with_std)
                if with_std:
                    std[rows] = block_std
                    self.std_methods[name] = "the model's own exact std"
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

    def std_lines(self) -> list[str]:
        """``#`` lines for an inference ``.info``: how the last :meth:`predict` computed the
        std of each bond type (low rank with its tolerance and exact recomputations, or
        exact)."""
        return [f"# predictive std {name}: {how}" for name, how in sorted(self.std_methods.items())]
