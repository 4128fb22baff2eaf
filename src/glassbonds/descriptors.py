"""Per-atom SOAP descriptors (DScribe), L2-normalised, stored as NumPy ``.npz`` (no pickle).

Parameters come from the config section ``soap`` (the study's, the schema's defaults: cutoff
3.75 angstrom, n_max 8, l_max 6, atom sigma 0.5 angstrom, periodic). With species {Al, Cu,
Zr} a vector has 2100 numbers (QUIP's 2101 had a trailing constant). The parameters are
recorded beside the vectors so that databases built with different settings are never mixed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from ase import Atoms

from glassbonds.errors import InputError
from glassbonds.files import atomic_path


@dataclass(frozen=True)
class SoapParameters:
    """SOAP settings named as the keys of the config section ``soap`` (lengths in angstrom);
    ``species`` (config key ``species``) fixes the layout of the vector. The study's:
    :func:`glassbonds.config_defaults.study_soap_parameters`."""

    species: tuple[str, ...]
    r_cut: float
    n_max: int
    l_max: int
    sigma: float
    periodic: bool

    @classmethod
    def from_config(cls, species: Sequence[str], soap: dict) -> SoapParameters:
        return cls(species=tuple(species), **soap)

    def as_dict(self) -> dict:
        record = asdict(self)
        record["species"] = list(self.species)
        return record

    def describer(self):
        """The DScribe SOAP object for these parameters."""
        from dscribe.descriptors import SOAP

        return SOAP(
            species=list(self.species),
            r_cut=self.r_cut,
            n_max=self.n_max,
            l_max=self.l_max,
            sigma=self.sigma,
            periodic=self.periodic,
            sparse=False,
        )


def soap_vectors(atoms: Atoms, parameters: SoapParameters, describer=None) -> np.ndarray:
    """L2-normalised SOAP vector of every atom, shape (n_atoms, n_features), float64.

    Pass a prepared ``describer`` to reuse it across frames.
    """
    foreign = sorted(set(atoms.get_chemical_symbols()) - set(parameters.species))
    if foreign:
        raise InputError(
            "descriptors.soap species",
            f"structure has element(s) {foreign} not in {list(parameters.species)}",
            "add them to the config key species",
        )
    _require_neighbours(atoms, parameters.r_cut)
    describer = describer or parameters.describer()
    # DScribe is fast with the whole structure and slow when handed a list of centres.
    vectors = np.asarray(describer.create(atoms), dtype=np.float64)
    # In place: a tenth of a second less than np.linalg.norm on a 10,000-atom frame.
    vectors /= np.sqrt(np.einsum("ij,ij->i", vectors, vectors))[:, None]
    return vectors


def _require_neighbours(atoms: Atoms, r_cut: float) -> None:
    """An isolated atom's SOAP is its own density only: refuse it rather than learn from it."""
    from vesin import NeighborList

    periodic = bool(np.all(atoms.pbc))
    box = np.asarray(atoms.cell) if periodic else np.zeros((3, 3))
    first, second = NeighborList(cutoff=r_cut, full_list=False).compute(
        points=atoms.positions, box=box, periodic=periodic, quantities="ij"
    )
    counts = np.bincount(np.concatenate([first, second]), minlength=len(atoms))
    lonely = np.flatnonzero(counts == 0)
    if len(lonely):
        raise InputError(
            "descriptors.soap",
            f"atom(s) {(lonely + 1).tolist()[:10]} have no neighbour within r_cut={r_cut} A",
            "check the structure (units, cell) or raise soap.r_cut",
        )


def save_soap(
    path: str | Path, vectors: np.ndarray, parameters: SoapParameters, symbols: Sequence[str]
) -> None:
    """Write vectors, element symbols and parameters (JSON) to one ``.npz``, atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as stream:
        np.savez(
            stream,
            vectors=vectors,
            symbols=np.array(list(symbols), dtype="U3"),
            parameters=np.array(json.dumps(parameters.as_dict())),
        )


@dataclass
class SoapRecord:
    """SOAP vectors of one structure with their element symbols and parameters."""

    vectors: np.ndarray
    symbols: list[str]
    parameters: dict


def load_soap(path: str | Path) -> SoapRecord:
    """Read a file written by :func:`save_soap` (never unpickles)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return SoapRecord(
                vectors=data["vectors"],
                symbols=[str(s) for s in data["symbols"]],
                parameters=json.loads(str(data["parameters"])),
            )
    except (OSError, ValueError, KeyError) as error:
        raise InputError(
            path, f"not a SOAP file of this workflow ({error})", "delete it and rerun the soap rule"
        ) from None


def check_same_descriptor(
    where: str | Path,
    found: dict | None,
    expected: dict | None,
    fix: str,
    error: type[InputError] = InputError,
) -> None:
    """The one descriptor-compatibility check: raise ``error`` (one line naming ``where``,
    the differing SOAP parameters as ``key: found != expected`` and ``fix``) unless the two
    parameter records are equal (tuples and lists compare equal; a missing key differs)."""
    found, expected = dict(found or {}), dict(expected or {})
    differing = [
        f"{key}: {found.get(key, 'missing')!r} != {expected.get(key, 'missing')!r}"
        for key in sorted(set(found) | set(expected), key=str)
        if _plain(found.get(key, _MISSING)) != _plain(expected.get(key, _MISSING))
    ]
    if differing:
        raise error(where, "other SOAP parameters (" + "; ".join(differing) + ")", fix)


_MISSING = object()


def _plain(value):
    return list(value) if isinstance(value, tuple | list) else value
