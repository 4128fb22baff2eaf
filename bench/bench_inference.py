"""Benchmark of ETL inference on the real 10,000-atom Zr49Cu49Al2 cell (standalone script).

Converts ``ETL_inference/Zr49Cu49Al2-10000-1-1-1.data`` to a one-frame dump in a temporary
directory, fits six synthetic models (2,000 training bonds each: random L2-normalised
2100-long SOAP-like vectors, study hyperparameters), then prints the time of each stage
(read, neighbours, SOAP, predict, write), the end-to-end time of ``infer_frames`` with and
without the predictive std, the peak resident memory, and the ratio against a
straightforward implementation (ASE neighbour list + one ``model.predict`` per bond, timed
on a sample of bonds and scaled to all of them).

Run: ``.venv/bin/python bench/bench_inference.py [--train 2000] [--naive-sample 1500]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from glassbonds.descriptors import SoapParameters, soap_vectors
from glassbonds.inference.predict import (
    BondPredictor,
    FittedModels,
    icohplist_text,
    infer_frames,
    info_text,
    std_text,
)
from glassbonds.io.lammps import iter_dump_frames
from glassbonds.model.kernel import SoapBondKernelRegressor, bond_feature_matrix, save_model
from glassbonds.neighbours import DEFAULT_WINDOWS, STUDY_SPECIES, find_bonds

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "prm-4-113603" / "ETL_inference"
CELL = DATA / "Zr49Cu49Al2-10000-1-1-1.data"
TYPE_MAP = {1: "Zr", 2: "Cu", 3: "Al"}
# Study hyperparameters (zeta, sigma, gamma), DESIGN section 8.
HYPERPARAMETERS = {
    "Al-Al": (1.0, 0.5, 0.005),
    "Cu-Al": (1.0, 0.5, 0.005),
    "Cu-Cu": (1.0, 0.5, 0.01),
    "Zr-Al": (1.0, 0.5, 0.01),
    "Zr-Cu": (1.0, 1.0, 0.04),
    "Zr-Zr": (1.0, 0.5, 0.01),
}


def _load_tool(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def synthetic_models(
    directory: Path, parameters: SoapParameters, n_train: int, n_features: int
) -> dict[str, Path]:
    """Fit one model per bond type on random data; returns bond type -> model file."""
    rng = np.random.default_rng(7)
    paths = {}
    for name, (zeta, sigma, gamma) in HYPERPARAMETERS.items():
        low, high = DEFAULT_WINDOWS[name]
        distance = rng.uniform(low, high, n_train)
        # Non-negative like real SOAP power spectra, so overlaps are of realistic size.
        soap_a, soap_b = (np.abs(rng.normal(size=(n_train, n_features))) for _ in range(2))
        soap_a /= np.linalg.norm(soap_a, axis=1, keepdims=True)
        soap_b /= np.linalg.norm(soap_b, axis=1, keepdims=True)
        target = 2.0 * np.exp(-(distance - low)) + 0.1 * rng.normal(size=n_train)
        model = SoapBondKernelRegressor(zeta=zeta, sigma=sigma, gamma=gamma)
        model.fit(bond_feature_matrix(distance, soap_a, soap_b), target)
        paths[name] = directory / f"{name}.npz"
        save_model(
            model, paths[name], {"bond_type": name, "descriptor_parameters": parameters.as_dict()}
        )
    return paths


def staged(
    dump: Path, models: FittedModels, parameters: SoapParameters, out: Path, with_std: bool
) -> dict[str, float]:
    """The stages of one frame, timed separately (same functions infer_frames calls)."""
    times = {}
    start = time.perf_counter()
    frame = next(iter_dump_frames(dump))
    atoms = frame.to_atoms(TYPE_MAP)
    times["read"] = time.perf_counter() - start
    start = time.perf_counter()
    symbols = atoms.get_chemical_symbols()
    bonds = find_bonds(atoms.positions, np.asarray(atoms.cell), symbols, DEFAULT_WINDOWS)
    times["neighbours"] = time.perf_counter() - start
    start = time.perf_counter()
    soap = soap_vectors(atoms, parameters)
    times["soap"] = time.perf_counter() - start
    start = time.perf_counter()
    predictor = BondPredictor(models, DEFAULT_WINDOWS)
    times["predict setup (per run)"] = time.perf_counter() - start
    start = time.perf_counter()
    predictions = predictor.predict(soap, bonds, with_std)
    times["predict" + (" + std" if with_std else "")] = time.perf_counter() - start
    start = time.perf_counter()
    (out / "staged.lobster").write_text(icohplist_text(bonds, symbols, -predictions.mean))
    if with_std:
        (out / "staged.std").write_text(std_text(predictions.std))
    (out / "staged.info").write_text(info_text(bonds.counts(), {}, models, DEFAULT_WINDOWS))
    times["write"] = time.perf_counter() - start
    print(f"  {len(bonds)} bonds: {bonds.counts()}")
    return times


def naive(dump: Path, models: FittedModels, parameters: SoapParameters, sample: int) -> float:
    """ASE neighbour list + per-bond model.predict; prediction timed on ``sample`` bonds."""
    from ase.neighborlist import neighbor_list

    frame = next(iter_dump_frames(dump))
    atoms = frame.to_atoms(TYPE_MAP)
    start = time.perf_counter()
    first, second, distance = neighbor_list(
        "ijd", atoms, max(h for _, h in DEFAULT_WINDOWS.values())
    )
    symbols = np.array(atoms.get_chemical_symbols())
    order = {s: i for i, s in enumerate(STUDY_SPECIES)}
    names = [
        "-".join(sorted(pair, key=order.__getitem__))
        for pair in zip(symbols[first].tolist(), symbols[second].tolist(), strict=True)
    ]
    keep = [
        i < j and DEFAULT_WINDOWS[n][0] <= d <= DEFAULT_WINDOWS[n][1]
        for i, j, d, n in zip(first, second, distance, names, strict=True)
    ]
    neighbour_time = time.perf_counter() - start
    start = time.perf_counter()
    soap = soap_vectors(atoms, parameters)
    soap_time = time.perf_counter() - start
    bonds = np.nonzero(keep)[0]
    chosen = np.random.default_rng(0).choice(bonds, size=min(sample, len(bonds)), replace=False)
    start = time.perf_counter()
    for index in chosen:
        i, j = first[index], second[index]
        model = models.models[names[index]].model
        model.predict(bond_feature_matrix([distance[index]], soap[[i]], soap[[j]]))
    per_bond = (time.perf_counter() - start) / len(chosen)
    total = neighbour_time + soap_time + per_bond * len(bonds)
    print(
        f"  naive: ASE neighbours {neighbour_time:.2f} s, SOAP {soap_time:.2f} s, "
        f"predict {per_bond * 1e3:.3f} ms/bond x {len(bonds)} bonds "
        f"= {per_bond * len(bonds):.1f} s (timed on {len(chosen)} bonds)"
    )
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description="ETL inference benchmark")
    parser.add_argument("--train", type=int, default=2000, help="training bonds per model")
    parser.add_argument("--naive-sample", type=int, default=1500)
    args = parser.parse_args()
    if not CELL.is_file():
        print(f"skipped: shared data absent ({CELL})")
        return 0
    parameters = SoapParameters(species=STUDY_SPECIES)
    n_features = parameters.describer().get_number_of_features()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        dump = tmp / "frame.dump"
        _load_tool("data_to_dump").convert(CELL, dump)
        start = time.perf_counter()
        paths = synthetic_models(tmp, parameters, args.train, n_features)
        print(
            f"fitted 6 synthetic models ({args.train} bonds, {n_features} features) in "
            f"{time.perf_counter() - start:.1f} s (not part of inference)"
        )
        models = FittedModels.load(paths, STUDY_SPECIES)
        print(f"peak RSS after fitting: {_peak_mb():.0f} MB")
        for with_std in (False, True):
            print(f"stages, predictive std {'on' if with_std else 'off'}:")
            for name, seconds in staged(dump, models, parameters, tmp, with_std).items():
                print(f"  {name:24s} {seconds:6.2f} s")
        totals = {}
        for with_std in (False, True):
            start = time.perf_counter()
            infer_frames(
                dump,
                "lammps-dump",
                TYPE_MAP,
                models,
                DEFAULT_WINDOWS,
                parameters,
                tmp / "out",
                "1",
                predictive_std=with_std,
                log=io.StringIO(),
            )
            totals[with_std] = time.perf_counter() - start
            print(
                f"infer_frames end to end, std {'on ' if with_std else 'off'}: "
                f"{totals[with_std]:.2f} s"
            )
        print(f"peak RSS (ru_maxrss) after inference: {_peak_mb():.0f} MB")
        naive_total = naive(dump, models, parameters, args.naive_sample)
        print(
            f"naive total (scaled): {naive_total:.1f} s; "
            f"speed-up x{naive_total / totals[False]:.0f}"
            f" (std off), x{naive_total / totals[True]:.0f} (std on, naive computes no std)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
