"""Inference: fast predictions equal the models' own predict; per-frame outputs and bad input."""

from __future__ import annotations

import csv
import importlib.util
import io
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms
from ase.io.lammpsdata import write_lammps_data

from glassbonds.config_defaults import study_soap_parameters
from glassbonds.descriptors import soap_vectors
from glassbonds.errors import InputError
from glassbonds.inference.frames import infer_frames
from glassbonds.inference.models import FittedModels
from glassbonds.io.lobster import read_icohplist
from glassbonds.model.features import bond_feature_matrix
from glassbonds.model.files import save_model
from glassbonds.model.kernel import SoapBondKernelRegressor
from glassbonds.neighbours import find_bonds_in_atoms
from tests.factories import SPECIES, WINDOWS, inference_names

ROOT = Path(__file__).parents[2]
SHARED = ROOT / ".." / "shared" / "data" / "prm-4-113603"
REAL_ICOHPLIST = SHARED / "G/Zr49Cu49Al2/c/md/lammps/100/21/2000/0/ICOHPLIST.lobster"
TYPE_MAP = {1: "Zr", 2: "Cu", 3: "Al"}
PARAMETERS = replace(study_soap_parameters(SPECIES), n_max=4, l_max=3)


def infer_dump(models, structure, out, item, fmt="lammps-dump", **options):
    """infer_frames on a test structure file with this module's types, windows and SOAP."""
    return infer_frames(
        structure,
        fmt,
        TYPE_MAP,
        models,
        WINDOWS,
        PARAMETERS,
        out,
        inference_names(item),
        log=io.StringIO(),
        **options,
    )


def _structure(seed: int, repeat: int = 3) -> Atoms:
    """A jittered fcc cell (nearest neighbours ~2.9 A) with random Zr/Cu/Al."""
    rng = np.random.default_rng(seed)
    base = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])
    grid = np.array(
        [[i, j, k] for i in range(repeat) for j in range(repeat) for k in range(repeat)]
    )
    fractional = (grid[:, None, :] + base[None]).reshape(-1, 3) / repeat
    cell = np.diag([4.1 * repeat] * 3)
    positions = fractional @ cell + rng.normal(scale=0.15, size=fractional.shape)
    symbols = rng.choice(list(SPECIES), size=len(positions)).tolist()
    return Atoms(symbols=symbols, positions=positions, cell=cell, pbc=True)


def _fit(bond_type: str, atoms: Atoms, soap: np.ndarray, **hyper) -> SoapBondKernelRegressor:
    bonds = find_bonds_in_atoms(atoms, WINDOWS, SPECIES)
    rows = bonds.bond_type == bonds.type_names.index(bond_type)
    a, b, d = bonds.atom_a[rows], bonds.atom_b[rows], bonds.distance[rows]
    target = 2.0 * np.exp(-(d - 2.0)) + 0.3 * np.sin(7 * soap[a, 3] + 5 * soap[b, 2])
    model = SoapBondKernelRegressor(**hyper)
    return model.fit(bond_feature_matrix(d, soap[a], soap[b]), target)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict[str, Path]:
    """Study-like models (zeta 1) of every bond type, fitted on one structure, saved."""
    directory = tmp_path_factory.mktemp("models")
    training = _structure(11)
    soap = soap_vectors(training, PARAMETERS)
    hyper = {"Zr-Cu": {"sigma": 1.0, "gamma": 0.04}}
    paths = {}
    for name in WINDOWS:
        model = _fit(name, training, soap, **hyper.get(name, {"sigma": 0.5, "gamma": 0.01}))
        paths[name] = directory / f"{name}.npz"
        save_model(
            model, paths[name], {"bond_type": name, "descriptor_parameters": PARAMETERS.as_dict()}
        )
    return paths


def _reference(models: FittedModels, atoms: Atoms, with_std: bool):
    """The models' own predict, bond type by bond type, in bond order."""
    bonds = find_bonds_in_atoms(atoms, WINDOWS, SPECIES)
    soap = soap_vectors(atoms, PARAMETERS)
    mean, std = np.full(len(bonds), np.nan), np.full(len(bonds), np.nan)
    for index, name in enumerate(bonds.type_names):
        rows = bonds.bond_type == index
        if name not in models.models or not rows.any():
            continue
        features = bond_feature_matrix(
            bonds.distance[rows], soap[bonds.atom_a[rows]], soap[bonds.atom_b[rows]]
        )
        if with_std:
            mean[rows], std[rows] = models.models[name].model.predict(features, return_std=True)
        else:
            mean[rows] = models.models[name].model.predict(features)
    return bonds, soap, mean, std


def _frame_text(atoms: Atoms, step: int, types: list[int] | None = None) -> str:
    codes = types or [{v: k for k, v in TYPE_MAP.items()}[s] for s in atoms.get_chemical_symbols()]
    lengths = np.diag(np.asarray(atoms.cell))
    lines = [
        "ITEM: TIMESTEP",
        str(step),
        "ITEM: NUMBER OF ATOMS",
        str(len(atoms)),
        "ITEM: BOX BOUNDS pp pp pp",
        *(f"0.0 {length}" for length in lengths),
        "ITEM: ATOMS id type x y z",
    ]
    lines += [
        f"{i + 1} {t} {x:.8f} {y:.8f} {z:.8f}"
        for i, (t, (x, y, z)) in enumerate(zip(codes, atoms.positions, strict=True))
    ]
    return "\n".join(lines) + "\n"


def test_infer_frames_outputs_and_bad_frames(trained, tmp_path) -> None:
    first, second, small = _structure(21), _structure(22), _structure(23, repeat=2)
    cut = _frame_text(_structure(24), 400)
    dump = tmp_path / "run.dump"
    dump.write_text(
        _frame_text(first, 0)
        + _frame_text(second, 100)
        + _frame_text(small, 200)
        + cut[: len(cut) // 2]
    )
    without_al_al = {k: v for k, v in trained.items() if k != "Al-Al"}
    models = FittedModels.load(without_al_al, SPECIES)
    log = io.StringIO()
    out = tmp_path / "out"
    summary = infer_frames(
        dump,
        "lammps-dump",
        TYPE_MAP,
        models,
        WINDOWS,
        PARAMETERS,
        out,
        inference_names("7"),
        log=log,
    )
    assert summary.truncated and "truncated" in log.getvalue()
    assert [r.status.split(":")[0] for r in summary.frames] == ["ok", "ok", "skipped", "truncated"]
    assert not list(out.glob("7_200_*")) and not list(out.glob(".*partial*"))

    for atoms, step in ((first, 0), (second, 100)):
        bonds = find_bonds_in_atoms(atoms, WINDOWS, SPECIES)
        table = read_icohplist(out / f"7_{step}_ICOHPLIST.lobster")
        modelled = bonds.bond_type != bonds.type_names.index("Al-Al")
        assert len(table) == modelled.sum()
        soap = soap_vectors(atoms, PARAMETERS)
        expected = np.empty(len(bonds))
        for index, name in enumerate(bonds.type_names):
            rows = (bonds.bond_type == index) & modelled
            if rows.any():
                expected[rows] = models.models[name].model.predict(
                    bond_feature_matrix(
                        bonds.distance[rows], soap[bonds.atom_a[rows]], soap[bonds.atom_b[rows]]
                    )
                )
        # Written as +ICOHP with 5 decimals, as LOBSTER.
        np.testing.assert_allclose(table["icohp"], -expected[modelled], atol=6e-6)
        np.testing.assert_array_equal(table["atom_a"], bonds.atom_a[modelled])
        # LOBSTER's translation is the opposite of the bonds' shift
        np.testing.assert_array_equal(table[["tx", "ty", "tz"]], -bonds.translation[modelled])
        symbols = np.array(atoms.get_chemical_symbols())
        np.testing.assert_array_equal(table["symbol_b"], symbols[bonds.atom_b[modelled]])

        info = (out / f"7_{step}_ICOHPLIST.info").read_text().splitlines()
        assert info[0] == f"{modelled.sum()} interactions"
        rows = {
            line.split()[0]: line.split()
            for line in info[3:]
            if line.strip() and not line.startswith("[")
        }
        counts = bonds.counts()
        assert int(rows["Al-Al"][1]) == counts["Al-Al"]  # skipped, counted
        assert int(rows["Zr-Cu"][1]) == counts["Zr-Cu"] and rows["Zr-Cu"][5] == "1.00"
        std_lines = (out / f"7_{step}_ICOHPLIST.std").read_text().splitlines()
        assert len(std_lines) == 1 + modelled.sum()

    with open(summary.summary_path) as stream:
        summary_rows = list(csv.DictReader(stream, delimiter="\t"))
    assert [row["step"] for row in summary_rows] == ["0", "100", "200", "-"]
    assert (
        int(summary_rows[1]["Zr-Zr"])
        == find_bonds_in_atoms(second, WINDOWS, SPECIES).counts()["Zr-Zr"]
    )
    assert (
        int(summary_rows[0]["skipped_no_model"])
        == find_bonds_in_atoms(first, WINDOWS, SPECIES).counts()["Al-Al"]
    )


def test_frame_selection_and_data_file_input(trained, tmp_path) -> None:
    models = FittedModels.load(trained, SPECIES)
    atoms, other = _structure(31), _structure(32)
    dump = tmp_path / "run.dump"
    dump.write_text(_frame_text(atoms, 10) + _frame_text(other, 20))
    infer_dump(models, dump, tmp_path / "sel", "1", frames=[1], predictive_std=False)
    assert sorted(p.name for p in (tmp_path / "sel").iterdir()) == [
        "1_20_ICOHPLIST.info",
        "1_20_ICOHPLIST.lobster",
        "1_20_atoms.xyz",
        "1_inference_summary.tsv",
    ]

    # A data file, read directly and through tools/data_to_dump.py, gives the same file.
    data = tmp_path / "cell.data"
    write_lammps_data(data, atoms, specorder=list(SPECIES), atom_style="atomic")
    infer_dump(models, data, tmp_path / "data", "1", fmt="lammps-data", predictive_std=False)
    spec = importlib.util.spec_from_file_location("data_to_dump", ROOT / "tools/data_to_dump.py")
    tool = importlib.util.module_from_spec(spec)
    sys.modules["data_to_dump"] = tool
    spec.loader.exec_module(tool)
    tool.convert(data, tmp_path / "cell.dump", step=0)
    infer_frames(
        tmp_path / "cell.dump",
        "lammps-dump",
        TYPE_MAP,
        models,
        WINDOWS,
        PARAMETERS,
        tmp_path / "dump",
        inference_names("1"),
        predictive_std=False,
        log=io.StringIO(),
    )
    direct = read_icohplist(tmp_path / "data" / "1_0_ICOHPLIST.lobster")
    converted = read_icohplist(tmp_path / "dump" / "1_0_ICOHPLIST.lobster")
    assert len(direct) == sum(find_bonds_in_atoms(atoms, WINDOWS, SPECIES).counts().values())
    np.testing.assert_allclose(direct["icohp"], converted["icohp"], atol=2e-5)
    assert (
        direct[["atom_a", "atom_b", "tx", "ty", "tz"]].to_numpy()
        == converted[["atom_a", "atom_b", "tx", "ty", "tz"]].to_numpy()
    ).all()


def test_unknown_atom_type_is_named(trained, tmp_path) -> None:
    models = FittedModels.load(trained, SPECIES)
    atoms = _structure(41)
    types = [1] * len(atoms)
    types[5] = 4
    dump = tmp_path / "bad.dump"
    dump.write_text(_frame_text(atoms, 0, types))
    with pytest.raises(InputError, match=r"\[4\]"):
        infer_dump(models, dump, tmp_path / "out", "1")
    with pytest.raises(InputError, match="format"):
        infer_dump(models, dump, tmp_path / "out", "1", fmt="xyz")


def test_a_failing_later_frame_leaves_no_frame_files_and_no_summary(trained, tmp_path) -> None:
    models = FittedModels.load(trained, SPECIES)
    good, bad = _structure(51), _structure(52)
    types = [{v: k for k, v in TYPE_MAP.items()}[s] for s in bad.get_chemical_symbols()]
    types[3] = 4  # an atom type only frame 2 has
    dump = tmp_path / "mixed.dump"
    dump.write_text(_frame_text(good, 0) + _frame_text(bad, 100, types))
    out = tmp_path / "out"
    with pytest.raises(InputError, match=r"\[4\]"):
        infer_dump(models, dump, out, "9")
    # frame 0 went through, but the item failed: nothing of it is left
    assert list(out.iterdir()) == []


def test_info_records_every_model_checksum(trained, tmp_path) -> None:
    from glassbonds.files import sha256

    models = FittedModels.load(trained, SPECIES)
    dump = tmp_path / "one.dump"
    dump.write_text(_frame_text(_structure(61), 0))
    infer_dump(models, dump, tmp_path, "3")
    info = (tmp_path / "3_0_ICOHPLIST.info").read_text()
    for path in trained.values():
        assert f"# model {Path(path).resolve()} sha256 {sha256(path)}" in info
    assert "SYNTHETIC" not in info  # these models record no synthetic training data
    # predictive_std defaults to on: one line per modelled type says how it was computed.
    for name in trained:
        assert f"# predictive std {name}: exact" in info  # std_tolerance None: exact std
