"""Shared test factories: the study's settings (from the config schema, their one source),
random bonds for the model tests, output paths laid out as the workflow's rules declare them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from glassbonds.composition import bond_types
from glassbonds.config_defaults import (
    study_config,
    study_scf_settings,
    study_species,
    study_windows,
)
from glassbonds.database.pbssdb import PbssdbResult, write_pbssdb_legacy
from glassbonds.database.store import BondDatabase
from glassbonds.io.qe import ScfSettings
from glassbonds.model.bonds import BondSet, Hyperparameters
from glassbonds.model.features import bond_feature_matrix
from glassbonds.model.fitting import FitOutputs, FitResult, fit_and_test, write_fit_outputs
from glassbonds.model.per_atom import PerAtomSettings

#: The study's element order and bond windows (angstrom), from the config schema.
SPECIES = study_species()
WINDOWS = study_windows()


def scf_settings(**changes: object) -> ScfSettings:
    """The study's pw.x settings (config section ``qe``) with ``changes``."""
    return replace(study_scf_settings(), **changes)


def per_atom_settings(**changes: object) -> PerAtomSettings:
    """The per-atom model settings of the config section ``per_cluster.model``, with ``changes``."""
    return replace(PerAtomSettings(**study_config()["per_cluster"]["model"]), **changes)


def write_legacy_files(result: PbssdbResult, directory: Path) -> None:
    """The study's text files of a PBSSDB in ``directory``, named as rule pbssdb names them."""
    write_pbssdb_legacy(
        result,
        {b: directory / f"{b}.bnd" for b in bond_types(result.database.species)},
        directory / "ND.info",
        directory / "ND-reasons.tsv",
        directory / "DUB.info",
    )


def fit_outputs(directory: Path, stem: str) -> FitOutputs:
    """The four outputs of one fit in ``directory``, with rule fit's suffixes."""
    base = Path(directory) / stem
    return FitOutputs(*(base.with_name(stem + s) for s in (".dat", ".info", ".png", ".model.npz")))


# ------------------------------------------------------------------ random bonds (model tests)

#: Descriptor parameters recorded with :func:`synthetic_bonds` (a subset of the study's).
SOAP_PARAMS = {"species": ["Zr", "Cu", "Al"], "r_cut": 3.75, "n_max": 8, "l_max": 6}


def random_soap_pair(
    rng: np.random.Generator, n: int, n_features: int
) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative, L2-normalised stand-in SOAP vectors of atoms A and B of ``n`` bonds."""
    soap_a = rng.random((n, n_features))
    soap_b = rng.random((n, n_features))
    soap_a /= np.linalg.norm(soap_a, axis=1, keepdims=True)
    soap_b /= np.linalg.norm(soap_b, axis=1, keepdims=True)
    return soap_a, soap_b


def random_bonds(n: int, n_features: int = 24, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Feature matrix of ``n`` bonds (2.4-3.6 angstrom) and a smooth -ICOHP (eV), no noise."""
    rng = np.random.default_rng(seed)
    soap_a, soap_b = random_soap_pair(rng, n, n_features)
    distance = rng.uniform(2.4, 3.6, n)
    target = 2.5 * np.exp(-2.0 * (distance - 2.4)) + 0.5 * (soap_a[:, 0] + soap_b[:, 0])
    return bond_feature_matrix(distance, soap_a, soap_b), target


def synthetic_bonds(
    n: int,
    seed: int = 0,
    database: str = "TEST",
    bond_type: str = "Zr-Cu",
    params: dict | None = None,
    n_features: int = 16,
) -> BondSet:
    """A bond set (2.4-3.8 angstrom) whose -ICOHP (eV) decays with length and depends on
    the SOAP, plus 0.01 eV noise."""
    rng = np.random.default_rng(seed)
    soap_a, soap_b = random_soap_pair(rng, n, n_features)
    distance = rng.uniform(2.4, 3.8, n)
    target = (
        3.0 * np.exp(-2.5 * (distance - 2.4))
        + 0.8 * (soap_a[:, 0] + soap_b[:, 1])
        + rng.normal(0, 0.01, n)
    )
    return BondSet(
        distance, soap_a, soap_b, target, params or dict(SOAP_PARAMS), bond_type, database
    )


def bond_features(distances: np.ndarray, rng: np.random.Generator, width: int = 8) -> np.ndarray:
    """Feature matrix of bonds of the given lengths (angstrom) with random environments."""
    soap = np.abs(rng.normal(size=(2, len(distances), width)))
    soap /= np.linalg.norm(soap, axis=2, keepdims=True)
    return bond_feature_matrix(distances, soap[0], soap[1])


def fit_and_write(
    train: BondSet,
    outputs: FitOutputs,
    n_train: int,
    n_test: int,
    hyperparameters: Hyperparameters,
    seed: int,
    provenance: dict | None = None,
) -> FitResult:
    """One fit and its four outputs, as rule fit makes them (without a store)."""
    model, result = fit_and_test(train, n_train, n_test, hyperparameters, seed)
    write_fit_outputs(model, result, outputs, train.descriptor_parameters, provenance)
    return result


def random_database(name: str, counts: dict[str, int], seed: int) -> BondDatabase:
    """A store-like database of ``counts`` random bonds per type (-ICOHP 0-2.5 eV, 12-number
    stand-in SOAP), as the PBSSDB of composition ``name``."""
    rng = np.random.default_rng(seed)
    total = sum(counts.values())
    rows = pd.DataFrame(
        {
            "bond_type": [bt for bt, n in counts.items() for _ in range(n)],
            "source": name,
            "run": rng.integers(1, 40, total).astype("int32"),
            "subrun": rng.integers(0, 15, total).astype("int32"),
            "atom_a": rng.integers(0, 100, total).astype("int32"),
            "atom_b": rng.integers(0, 100, total).astype("int32"),
            "distance": rng.uniform(2.2, 4.2, total),
            "minus_icohp": rng.uniform(0, 2.5, total),
            "soap_a": np.arange(total),
            "soap_b": np.arange(total, 2 * total),
        }
    )
    soap = rng.normal(size=(2 * total, 12)).astype(np.float32)
    return BondDatabase(f"{name}-PBSSDB", rows, soap, {"r_cut": 3.75}, ["Zr", "Cu"], sources=[name])


def write_synthetic_bond_store(
    directory: Path,
    cells: list[tuple[str, int, int]],
    bonds_per_cell: int = 12,
    bond_types: tuple[str, ...] = ("Cu-Cu", "Zr-Cu"),
    seed: int = 0,
    width: int = 6,
) -> Path:
    """A bond database store (bonds.parquet, soap.npy, metadata.json) of synthetic bonds: for
    each DFT cell (source, run, subrun) and bond type ``bonds_per_cell`` bonds between fresh
    atoms, the cell's bond lengths (angstrom) in its own range, -ICOHP (eV) a smooth function
    of length and environment. Synthetic numbers for tests of the store's consumers."""
    from glassbonds.database.store import ROW_COLUMNS, save_store

    rng = np.random.default_rng(seed)
    rows, soap = [], []
    for k, (source, run, subrun) in enumerate(cells):
        low = 2.3 + 0.12 * (k % 7)  # cells differ in their bond lengths, like deformed cells
        for bond_type in bond_types:
            distance = rng.uniform(low, low + 0.5, bonds_per_cell)
            vectors = np.abs(rng.normal(size=(2 * bonds_per_cell, width)))
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            first = sum(len(block) for block in soap)
            soap.append(vectors)
            for i, d in enumerate(distance):
                a, b = first + 2 * i, first + 2 * i + 1
                rows.append(
                    {
                        "bond_type": bond_type,
                        "source": source,
                        "run": run,
                        "subrun": subrun,
                        "atom_a": a,
                        "atom_b": b,
                        "distance": d,
                        "minus_icohp": 2.0 * np.exp(-(d - 2.5)) * (1 + 0.2 * vectors[2 * i, 0]),
                        "soap_a": a,
                        "soap_b": b,
                    }
                )
    database = BondDatabase(
        "SYNTH",
        pd.DataFrame(rows, columns=ROW_COLUMNS),
        np.concatenate(soap).astype(np.float32),
        {"synthetic": True},
        ["Zr", "Cu"],
    )
    directory.mkdir(parents=True, exist_ok=True)
    save_store(database, directory)
    return directory


def inference_names(item: str):
    """The file names of one inference item as the ``infer`` rule declares them
    (``INFERENCE_FILES`` in ``workflow/rules/common.smk``; the workflow test checks the
    tree)."""
    from glassbonds.inference.writers import OutputNames

    return OutputNames(
        item=item,
        summary=f"{item}_inference_summary.tsv",
        icohplist=f"{item}_{{step}}_ICOHPLIST.lobster",
        info=f"{item}_{{step}}_ICOHPLIST.info",
        std=f"{item}_{{step}}_ICOHPLIST.std",
        atoms=f"{item}_{{step}}_atoms.xyz",
    )
