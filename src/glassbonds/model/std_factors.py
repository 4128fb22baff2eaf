"""The low-rank predictive std of one fitted model as a file (``<fit>.std.npz``).

Building :class:`~glassbonds.model.predictive_std.LowRankStd` takes two eigendecompositions
of n x n matrices (about 2 s for a 2,000-bond model, 6 s for the three large run-21 models),
more than a 10,000-atom frame's whole prediction. The workflow's rule ``std_factors`` builds
it once per model and distance window and writes it here; every inference job reads it
(tens of milliseconds) instead of rebuilding it. A file records the SHA-256 of the model file
and the series range it was built for; reading it with another model or window is an error
that names the file, not a silent mismatch. A model without low-rank structure gets a file
that says so (the exact std is then used).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from glassbonds.errors import InputError
from glassbonds.files import atomic_path, sha256
from glassbonds.model.predictive_std import STD_TOLERANCE, LowRankStd, SeriesExpansion

# Version 3: the pairs of distance and SOAP directions (``soap_counts``) and T by pairs;
# version 2 had no such counts, version 1 a SOAP-residual limit. Older files are refused with
# the rebuild command.
FORMAT = "glassbonds low-rank std 3"
_ARRAYS = ("soap_basis", "distance_basis", "projection", "eigenvalues", "soap_counts")
_RERUN = "rebuild it: snakemake -R std_factors (or delete the file)"


def write_std_factors(
    model, model_path: str | Path, window: tuple[float, float] | None, out_path: str | Path
) -> LowRankStd | None:
    """Build the low-rank std of ``model`` (loaded from ``model_path``) for bonds in
    ``window`` (angstrom) and write it atomically to ``out_path``. Returns what was built
    (None: the model keeps the exact std, and the file records that)."""
    expansion = SeriesExpansion.for_model(model, window)
    low_rank = None if expansion is None else LowRankStd.build(model, expansion)
    header = {
        "format": np.array(FORMAT),
        "model_sha256": np.array(sha256(model_path)),
        "low_rank": np.array(low_rank is not None),
    }
    arrays = {}
    if low_rank is not None:
        arrays = {name: getattr(low_rank, name) for name in _ARRAYS}
        arrays["expansion"] = np.array(
            [expansion.center, expansion.half_range, expansion.sigma, expansion.terms]
        )
        arrays["scalars"] = np.array([low_rank.next_eigenvalue])
    with atomic_path(out_path) as tmp, open(tmp, "wb") as stream:
        np.savez(stream, **header, **arrays)
    return low_rank


def factors_by_bond_type(paths: list[str | Path], model_hashes: dict[str, str]) -> dict[str, Path]:
    """Which std-factor file belongs to which bond type: the file whose recorded model
    SHA-256 is that of the bond type's model file (``model_hashes``: bond type -> SHA-256).
    A file that matches no model is an error naming it."""
    by_hash = {digest: bond for bond, digest in model_hashes.items()}
    matched: dict[str, Path] = {}
    for path in paths:
        try:
            with np.load(path, allow_pickle=False) as stored:
                recorded = str(stored["model_sha256"]) if "model_sha256" in stored else ""
        except (OSError, ValueError) as error:
            raise InputError(path, f"not a readable .npz file ({error})", _RERUN) from error
        if recorded not in by_hash:
            raise InputError(path, "built from none of this run's model files", _RERUN)
        matched[by_hash[recorded]] = Path(path)
    return matched


def read_std_factors(
    path: str | Path,
    model,
    model_sha256: str,
    expansion: SeriesExpansion | None,
    tolerance: float = STD_TOLERANCE,
) -> LowRankStd | None:
    """The low-rank std stored in ``path`` for ``model`` (whose file has ``model_sha256``)
    and the series ``expansion`` the inference run uses; None when the file records that the
    model keeps the exact std. Raises :class:`InputError` naming ``path`` when the file is not
    such a file, or was built from another model file or for another distance range."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            content = {name: stored[name] for name in stored.files}
    except (OSError, ValueError) as error:
        raise InputError(path, f"not a readable .npz file ({error})", _RERUN) from error
    if str(content.get("format", "")) != FORMAT:
        raise InputError(path, f"not a {FORMAT!r} file", _RERUN)
    if str(content["model_sha256"]) != model_sha256:
        raise InputError(path, "built from another version of the model file", _RERUN)
    if not bool(content["low_rank"]):
        return None
    center, half_range, sigma, terms = content["expansion"]
    stored_expansion = SeriesExpansion(float(center), float(half_range), float(sigma), int(terms))
    if stored_expansion != expansion:
        raise InputError(
            path,
            f"built for the distance range {stored_expansion}, the run uses {expansion}",
            _RERUN,
        )
    return LowRankStd(
        model,
        expansion,
        *(content[name] for name in _ARRAYS),
        float(content["scalars"][0]),
        float(tolerance),
    )
