"""LAMMPS I/O: the melt-quench input vs the study's real input, seeds, potentials, text dumps
(orthogonal/triclinic, scaled/unscaled, shuffled columns, cut frames), data files, and one
real ``lmp`` run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from glassbonds.errors import InputError
from glassbonds.io.lammps import (
    MeltQuenchSettings,
    TruncatedDumpError,
    iter_dump_frames,
    last_dump_frame,
    melt_quench_input,
    potential_elements,
    prepare_run,
    read_data_file,
    run_seeds,
)

POTENTIALS = Path("/usr/share/lammps/potentials")
CUZR_FS = POTENTIALS / "CuZr_mm.eam.fs"
RUN_DIR = Path("G/Zr49Cu49Al2/c/md/lammps/100/21")
STUDY_LAMMPS = {  # the lammps section of config/config.yaml (study protocol)
    "pair_style": "eam/alloy",
    "box_side": 13.96,
    "timestep": 0.002,
    "melt_temperature": 2000,
    "melt_steps": 1000000,
    "quench_steps": 100000000,
    "anneal_temperature": 300,
    "anneal_steps": 1000000,
    "dump_every": 500,
    "thermo_every": 5000,
}


def _commands(text: str) -> list[list[str]]:
    """LAMMPS commands of an input, comments and blank lines dropped, split into words."""
    commands = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if words:
            commands.append(words)
    return commands


def _summary(text: str) -> dict:
    """The lines that define a run: setup, atoms per type, potential, NPT stages, dump."""
    commands = _commands(text)
    first = {words[0]: words[1:] for words in reversed(commands)}
    return {
        "units": first["units"],
        "boundary": first["boundary"],
        "atom_style": first["atom_style"],
        "region": [float(v) for v in first["region"][2:8]],
        "create_box": first["create_box"][0],
        "create_atoms": [(int(w[1]), w[2], int(w[3])) for w in commands if w[0] == "create_atoms"],
        "pair_style": first["pair_style"],
        "pair_coeff": first["pair_coeff"],
        "min_style": first["min_style"],
        "minimize": [float(v) for v in first["minimize"]],
        "timestep": float(first["timestep"][0]),
        "npt": [
            (float(w[5]), float(w[6]), float(w[7]), w[8], [float(v) for v in w[9:12]])
            for w in commands
            if w[0] == "fix" and w[3] == "npt"
        ],
        "runs": [int(w[1]) for w in commands if w[0] == "run"],
        "dump": [(w[3], int(w[4]), w[5]) for w in commands if w[0] == "dump"],
    }


def _seeds_of(text: str) -> dict[str, int]:
    """create_atoms seeds keyed by the element named in the trailing comment."""
    seeds = {}
    for line in text.splitlines():
        if line.startswith("create_atoms"):
            words, element = line.split("#")
            seeds[element.strip()] = int(words.split()[4])
    return seeds


# -- the input file ------------------------------------------------------------------------


@pytest.fixture
def written_study_input(study_data, tmp_path) -> tuple[str, Path]:
    lammps = {**STUDY_LAMMPS, "potential": str(study_data / "ZrCuAl-2011.lammps.eam")}
    run_dir = tmp_path / "run"
    inp = run_dir / "Zr49Cu49Al2.lmp.inp"
    prepare_run(
        "Zr49Cu49Al2", 21, 100, ["Zr", "Cu", "Al"], lammps, inp, run_dir / "ZrCuAl-2011.lammps.eam"
    )
    return inp.read_text(), run_dir


def test_written_input_has_the_structure_of_the_study_input(study_data, written_study_input):
    real = _summary((study_data / RUN_DIR / "Zr49Cu49Al2.lmp.inp").read_text())
    ours = _summary(written_study_input[0])
    for key in [
        "units",
        "boundary",
        "atom_style",
        "create_box",
        "pair_style",
        "pair_coeff",
        "min_style",
        "minimize",
        "timestep",
        "npt",
        "runs",
        "dump",
    ]:
        assert ours[key] == real[key], key
    np.testing.assert_allclose(ours["region"], real["region"], atol=1e-9)
    # same types and counts; the seeds are ours
    assert [(t, style, n) for t, style, n in ours["create_atoms"]] == [
        (t, style, n) for t, style, n in real["create_atoms"]
    ]


def test_written_input_key_values_are_the_study_protocol(written_study_input):
    summary = _summary(written_study_input[0])
    assert summary["units"] == ["metal"]
    assert summary["create_atoms"] == [(1, "random", 49), (2, "random", 49), (3, "random", 2)]
    assert summary["pair_coeff"] == ["*", "*", "ZrCuAl-2011.lammps.eam", "Zr", "Cu", "Al"]
    assert [(t0, t1) for t0, t1, *_ in summary["npt"]] == [(2000, 2000), (2000, 300), (300, 300)]
    assert all(
        damp == 0.2 and coupling == "iso" and baro == [0, 0, 2]
        for _, _, damp, coupling, baro in summary["npt"]
    )
    assert summary["runs"] == [1000000, 100000000, 1000000]
    assert summary["dump"] == [("atom", 500, "zca-th300.dump")]


def test_prepare_run_copies_the_potential_beside_the_input(study_data, written_study_input):
    _, run_dir = written_study_input
    copied = run_dir / "ZrCuAl-2011.lammps.eam"
    assert copied.read_bytes() == (study_data / "ZrCuAl-2011.lammps.eam").read_bytes()
    assert sorted(p.name for p in run_dir.iterdir()) == [
        "Zr49Cu49Al2.lmp.inp",
        "ZrCuAl-2011.lammps.eam",
    ]


def test_written_seeds_are_the_run_seeds(written_study_input):
    assert _seeds_of(written_study_input[0]) == run_seeds("Zr49Cu49Al2", 21, ["Zr", "Cu", "Al"])


def test_elements_absent_from_the_composition_get_no_create_atoms_line():
    settings = MeltQuenchSettings(
        box_side=10.0,
        pair_style="eam/alloy",
        potential_file="p.eam",
        timestep=0.002,
        melt_temperature=2000,
        melt_steps=10,
        anneal_temperature=300,
        quench_steps=10,
        anneal_steps=10,
        dump_every=5,
    )
    text = melt_quench_input(
        "Zr50Cu50", {"Zr": 50, "Cu": 50}, ["Zr", "Cu", "Al"], settings, {"Zr": 11, "Cu": 22}
    )
    summary = _summary(text)
    assert summary["create_box"] == "3"
    assert summary["create_atoms"] == [(1, "random", 50), (2, "random", 50)]
    assert summary["pair_coeff"][3:] == ["Zr", "Cu", "Al"]


# -- seeds -----------------------------------------------------------------------------------


def test_seeds_are_deterministic():
    elements = ["Zr", "Cu", "Al"]
    assert run_seeds("Zr49Cu49Al2", 3, elements) == run_seeds("Zr49Cu49Al2", 3, elements)


def test_seeds_differ_between_runs_compositions_and_elements():
    elements = ["Zr", "Cu", "Al"]
    by_run = [tuple(run_seeds("Zr49Cu49Al2", run, elements).values()) for run in range(1, 21)]
    assert len(set(by_run)) == len(by_run)
    assert run_seeds("Zr49Cu49Al2", 1, elements) != run_seeds("Zr47Cu47Al6", 1, elements)
    for seeds in by_run:
        assert len(set(seeds)) == len(seeds)


def test_seeds_are_valid_lammps_seeds():
    for run in range(1, 50):
        for seed in run_seeds("Zr45Cu45Al10", run, ["Zr", "Cu", "Al"]).values():
            assert isinstance(seed, int)
            assert 0 < seed < 2**31 - 1


# -- potentials ------------------------------------------------------------------------------


def test_potential_elements_of_the_finnis_sinclair_cuzr_file():
    if not CUZR_FS.is_file():
        pytest.skip(f"{CUZR_FS} absent (Debian package lammps-data)")
    assert potential_elements(CUZR_FS) == ["Cu", "Zr"]


def test_potential_elements_of_the_study_setfl_file(study_data):
    assert potential_elements(study_data / "ZrCuAl-2011.lammps.eam") == ["Zr", "Cu", "Al"]


def test_potential_elements_of_a_missing_file_raise_input_error(tmp_path):
    missing = tmp_path / "nothing.eam.alloy"
    with pytest.raises(InputError, match=re.escape("nothing.eam.alloy")):
        potential_elements(missing)


def test_potential_elements_of_a_non_potential_file_raise_input_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("a\nb\nc\nnot a count line\n")
    with pytest.raises(InputError, match=re.escape("notes.txt")):
        potential_elements(path)


def test_prepare_run_rejects_a_potential_lacking_an_element(tmp_path):
    if not CUZR_FS.is_file():
        pytest.skip(f"{CUZR_FS} absent (Debian package lammps-data)")
    lammps = {**STUDY_LAMMPS, "potential": str(CUZR_FS), "pair_style": "eam/fs"}
    inp = tmp_path / "run" / "Zr49Cu49Al2.lmp.inp"
    with pytest.raises(InputError) as caught:
        prepare_run(
            "Zr49Cu49Al2", 1, 100, ["Zr", "Cu", "Al"], lammps, inp, tmp_path / "run" / CUZR_FS.name
        )
    assert "CuZr_mm.eam.fs" in str(caught.value)
    assert "Al" in str(caught.value)
    assert not inp.exists()
    assert not (tmp_path / "run" / CUZR_FS.name).exists()


def test_prepare_run_rejects_a_missing_potential_file(tmp_path):
    lammps = {**STUDY_LAMMPS, "potential": str(tmp_path / "ZrCuAl-missing.eam")}
    inp = tmp_path / "run" / "Zr49Cu49Al2.lmp.inp"
    with pytest.raises(InputError, match=re.escape("ZrCuAl-missing.eam")):
        prepare_run(
            "Zr49Cu49Al2",
            1,
            100,
            ["Zr", "Cu", "Al"],
            lammps,
            inp,
            tmp_path / "run" / "ZrCuAl-missing.eam",
        )
    assert not inp.exists()


def test_prepare_run_rejects_a_composition_element_outside_species(study_data, tmp_path):
    lammps = {**STUDY_LAMMPS, "potential": str(study_data / "ZrCuAl-2011.lammps.eam")}
    inp = tmp_path / "Ni80P20.lmp.inp"
    with pytest.raises(InputError):
        prepare_run("Ni80P20", 1, 100, ["Zr", "Cu", "Al"], lammps, inp, tmp_path / "pot")
    assert not inp.exists()


def test_prepare_run_rejects_counts_that_are_not_integral(study_data, tmp_path):
    lammps = {**STUDY_LAMMPS, "potential": str(study_data / "ZrCuAl-2011.lammps.eam")}
    inp = tmp_path / "Zr49Cu49Al2.lmp.inp"
    with pytest.raises(InputError, match="Zr49Cu49Al2"):
        prepare_run("Zr49Cu49Al2", 1, 32, ["Zr", "Cu", "Al"], lammps, inp, tmp_path / "pot")
    assert not inp.exists()
    assert not (tmp_path / "pot").exists()


# -- dumps -----------------------------------------------------------------------------------

# Orthogonal box: origin (-1, 0, 2), edges 10, 12, 15.
ORTHO_BOUNDS = "ITEM: BOX BOUNDS pp pp pp\n-1.0 9.0\n0.0 12.0\n2.0 17.0\n"
ORTHO_CELL = np.diag([10.0, 12.0, 15.0])
ORTHO_ORIGIN = np.array([-1.0, 0.0, 2.0])
# Triclinic box: xlo 1, xhi 11, ylo -2, yhi 10, zlo 0.5, zhi 15.5, xy 2, xz -1, yz 3.
# xlo_bound = xlo + min(0, xy, xz, xy+xz) = 0; xhi_bound = xhi + max(...) = 13;
# ylo_bound = ylo + min(0, yz) = -2; yhi_bound = yhi + max(0, yz) = 13.
TRI_BOUNDS = "ITEM: BOX BOUNDS xy xz yz pp pp pp\n0.0 13.0 2.0\n-2.0 13.0 -1.0\n0.5 15.5 3.0\n"
TRI_CELL = np.array([[10.0, 0.0, 0.0], [2.0, 12.0, 0.0], [-1.0, 3.0, 15.0]])
TRI_ORIGIN = np.array([1.0, -2.0, 0.5])

FRACTIONAL = np.array([[0.1, 0.2, 0.3], [0.5, 0.5, 0.5], [0.9, 0.05, 0.75], [0.0, 0.99, 0.4]])
IDS = np.array([1, 2, 3, 4])
TYPES = np.array([1, 2, 2, 3])


def _frame_text(step, bounds, columns, ids, types, values) -> str:
    lines = ["ITEM: TIMESTEP", str(step), "ITEM: NUMBER OF ATOMS", str(len(ids))]
    text = "\n".join(lines) + "\n" + bounds + "ITEM: ATOMS " + " ".join(columns) + "\n"
    for atom_id, atom_type, row in zip(ids, types, values, strict=True):
        fields = []
        coordinate = iter(row)
        for column in columns:
            if column == "id":
                fields.append(str(atom_id))
            elif column == "type":
                fields.append(str(atom_type))
            else:
                fields.append(f"{next(coordinate):.10f}")
        text += " ".join(fields) + "\n"
    return text


def _write(path: Path, *frames: str) -> Path:
    path.write_text("".join(frames))
    return path


def _coords(columns, scaled_values, unscaled_values):
    """Coordinate values in the order they appear in ``columns``."""
    names = [c for c in columns if c not in ("id", "type")]
    index = {"x": 0, "y": 1, "z": 2}
    rows = []
    for k in range(len(scaled_values)):
        row = []
        for name in names:
            source = scaled_values if name.startswith(("xs", "ys", "zs")) else unscaled_values
            row.append(source[k, index[name[0]]])
        rows.append(row)
    return np.array(rows)


BOXES = {
    "orthogonal": (ORTHO_BOUNDS, ORTHO_CELL, ORTHO_ORIGIN),
    "triclinic": (TRI_BOUNDS, TRI_CELL, TRI_ORIGIN),
}
COLUMN_LAYOUTS = {
    "unscaled": ["id", "type", "x", "y", "z"],
    "scaled": ["id", "type", "xs", "ys", "zs"],
    "unwrapped": ["id", "type", "xu", "yu", "zu"],
    "scaled-unwrapped": ["id", "type", "xsu", "ysu", "zsu"],
    "shuffled": ["z", "type", "x", "id", "y"],
    "shuffled-scaled": ["zs", "xs", "id", "ys", "type"],
}


@pytest.mark.parametrize("box", BOXES)
@pytest.mark.parametrize("layout", COLUMN_LAYOUTS)
def test_dump_frame_cell_origin_and_positions(tmp_path, box, layout):
    bounds, cell, origin = BOXES[box]
    columns = COLUMN_LAYOUTS[layout]
    cartesian = origin + FRACTIONAL @ cell
    values = _coords(columns, FRACTIONAL, cartesian)
    path = _write(tmp_path / "a.dump", _frame_text(500, bounds, columns, IDS, TYPES, values))
    (frame,) = list(iter_dump_frames(path))
    assert frame.step == 500
    np.testing.assert_allclose(frame.cell, cell, atol=1e-12)
    np.testing.assert_allclose(frame.origin, origin, atol=1e-12)
    np.testing.assert_allclose(frame.positions, cartesian, atol=1e-8)
    np.testing.assert_array_equal(frame.ids, IDS)
    np.testing.assert_array_equal(frame.types, TYPES)
    assert frame.pbc == (True, True, True)


@pytest.mark.parametrize("box", BOXES)
def test_scaled_and_unscaled_dumps_give_the_same_positions(tmp_path, box):
    bounds, cell, origin = BOXES[box]
    cartesian = origin + FRACTIONAL @ cell
    scaled = _write(
        tmp_path / "s.dump",
        _frame_text(0, bounds, ["id", "type", "xs", "ys", "zs"], IDS, TYPES, FRACTIONAL),
    )
    plain = _write(
        tmp_path / "u.dump",
        _frame_text(0, bounds, ["id", "type", "x", "y", "z"], IDS, TYPES, cartesian),
    )
    np.testing.assert_allclose(
        last_dump_frame(scaled).positions, last_dump_frame(plain).positions, atol=1e-8
    )


@pytest.mark.parametrize("box", BOXES)
def test_atoms_out_of_id_order_are_sorted_by_id(tmp_path, box):
    bounds, cell, origin = BOXES[box]
    cartesian = origin + FRACTIONAL @ cell
    order = np.array([2, 0, 3, 1])
    path = _write(
        tmp_path / "a.dump",
        _frame_text(
            0, bounds, ["type", "x", "y", "z", "id"], IDS[order], TYPES[order], cartesian[order]
        ),
    )
    frame = last_dump_frame(path)
    np.testing.assert_array_equal(frame.ids, IDS)
    np.testing.assert_array_equal(frame.types, TYPES)
    np.testing.assert_allclose(frame.positions, cartesian, atol=1e-8)


@pytest.mark.parametrize("box", BOXES)
def test_to_atoms_maps_types_to_elements_and_keeps_fractional_coordinates(tmp_path, box):
    bounds, cell, _ = BOXES[box]
    path = _write(
        tmp_path / "a.dump",
        _frame_text(0, bounds, ["id", "type", "xs", "ys", "zs"], IDS, TYPES, FRACTIONAL),
    )
    atoms = last_dump_frame(path).to_atoms({1: "Zr", 2: "Cu", 3: "Al"})
    assert atoms.get_chemical_symbols() == ["Zr", "Cu", "Cu", "Al"]
    np.testing.assert_allclose(np.asarray(atoms.cell), cell, atol=1e-12)
    np.testing.assert_allclose(atoms.get_scaled_positions(wrap=False), FRACTIONAL, atol=1e-9)
    assert atoms.pbc.all()


def test_to_atoms_with_an_unmapped_type_raises_input_error(tmp_path):
    path = _write(
        tmp_path / "a.dump",
        _frame_text(0, ORTHO_BOUNDS, ["id", "type", "x", "y", "z"], IDS, TYPES, FRACTIONAL),
    )
    with pytest.raises(InputError, match="3"):
        last_dump_frame(path).to_atoms({1: "Zr", 2: "Cu"})


def _three_frames(columns=("id", "type", "xs", "ys", "zs")) -> list[str]:
    frames = []
    for k, step in enumerate([0, 500, 1000]):
        shifted = (FRACTIONAL + 0.01 * k) % 1.0
        frames.append(_frame_text(step, ORTHO_BOUNDS, list(columns), IDS, TYPES, shifted))
    return frames


def test_several_frames_are_streamed_in_order(tmp_path):
    path = _write(tmp_path / "a.dump", *_three_frames())
    frames = iter_dump_frames(path)
    assert not isinstance(frames, list | tuple)  # a generator, not a list
    first = next(frames)
    assert first.step == 0
    rest = list(frames)
    assert [f.step for f in rest] == [500, 1000]
    expected = ORTHO_ORIGIN + ((FRACTIONAL + 0.02) % 1.0) @ ORTHO_CELL
    np.testing.assert_allclose(rest[-1].positions, expected, atol=1e-8)


def test_last_dump_frame_is_the_last_frame(tmp_path):
    path = _write(tmp_path / "a.dump", *_three_frames())
    frame = last_dump_frame(path)
    assert frame.step == 1000
    np.testing.assert_allclose(
        frame.positions, ORTHO_ORIGIN + ((FRACTIONAL + 0.02) % 1.0) @ ORTHO_CELL, atol=1e-8
    )


@pytest.mark.parametrize("content", ["", "\n\n"], ids=["empty", "blank-lines"])
def test_a_dump_with_no_frame_is_an_input_error(tmp_path, content):
    path = _write(tmp_path / "empty.dump", content)
    with pytest.raises(InputError, match=r"empty\.dump"):
        last_dump_frame(path)


def test_a_file_that_is_not_a_dump_is_an_input_error(tmp_path):
    path = _write(tmp_path / "x.dump", "LAMMPS data file\n\n4 atoms\n")
    with pytest.raises(InputError):
        last_dump_frame(path)


def _cut_points(frame: str) -> dict[str, int]:
    """Offsets inside a frame where a writer could have stopped."""
    atoms_at = frame.index("ITEM: ATOMS")
    first_row = frame.index("\n", atoms_at) + 1
    last_row = frame.rstrip("\n").rindex("\n") + 1
    return {
        "after-timestep-item": frame.index("\n") + 1,
        "inside-box-bounds": frame.index("ITEM: BOX BOUNDS") + 30,
        "after-atoms-header": first_row,
        "after-first-atom-row": frame.index("\n", first_row) + 1,
        "inside-last-atom-row": last_row + 8,
        "last-row-without-coordinates": last_row + len("4 3 "),
    }


@pytest.mark.parametrize("cut", list(_cut_points(_three_frames()[2])))
def test_a_cut_last_frame_raises_truncated_after_the_complete_frames(tmp_path, cut):
    frames = _three_frames()
    offset = _cut_points(frames[2])[cut]
    path = _write(tmp_path / "cut.dump", frames[0], frames[1], frames[2][:offset])
    seen = []
    with pytest.raises(TruncatedDumpError, match=r"cut\.dump"):
        for frame in iter_dump_frames(path):
            seen.append(frame.step)
    assert seen == [0, 500]


def test_last_dump_frame_of_a_cut_dump_raises_truncated(tmp_path):
    frames = _three_frames()
    path = _write(tmp_path / "cut.dump", frames[0], frames[1][:-20])
    with pytest.raises(TruncatedDumpError):
        last_dump_frame(path)


def test_truncated_dump_error_is_an_input_error():
    assert issubclass(TruncatedDumpError, InputError)


# -- data files ------------------------------------------------------------------------------


def _atoms_section(path: Path) -> np.ndarray:
    """id, type, x, y, z of the Atoms section, read without ASE or the library."""
    lines = path.read_text().splitlines()
    start = next(k for k, line in enumerate(lines) if line.strip().startswith("Atoms"))
    rows = []
    for line in lines[start + 1 :]:
        fields = line.split("#")[0].split()
        if not fields:
            if rows:
                break
            continue
        if not fields[0].isdigit():
            break
        rows.append([float(v) for v in fields[:5]])
    return np.array(rows)


def test_read_data_file_of_the_real_10000_atom_cell(study_data):
    path = study_data / "ETL_inference" / "Zr49Cu49Al2-10000-1-1-1.data"
    table = _atoms_section(path)
    type_counts = Counter(table[:, 1].astype(int).tolist())
    type_map = {1: "Zr", 2: "Cu", 3: "Al"}

    atoms = read_data_file(path, type_map)

    assert len(atoms) == len(table) == 10000
    assert Counter(atoms.get_chemical_symbols()) == {type_map[t]: n for t, n in type_counts.items()}
    order = np.argsort(table[:, 0])
    assert atoms.get_chemical_symbols() == [type_map[int(t)] for t in table[order, 1]]
    np.testing.assert_allclose(atoms.positions, table[order, 2:5], atol=1e-6)
    np.testing.assert_allclose(np.asarray(atoms.cell), np.diag([55.969] * 3), atol=1e-9)
    assert atoms.pbc.all()


def test_read_data_file_with_an_unknown_element_raises_input_error(study_data):
    path = study_data / "ETL_inference" / "Zr49Cu49Al2-10000-1-1-1.data"
    with pytest.raises(InputError):
        read_data_file(path, {1: "Zr", 2: "Cu", 3: "Qq"})


# -- a real LAMMPS run -----------------------------------------------------------------------


def test_lmp_runs_the_written_input_and_the_last_dump_frame_is_read(tmp_path):
    lmp = shutil.which("lmp")
    if lmp is None or not CUZR_FS.is_file():
        pytest.skip("LAMMPS (lmp) or /usr/share/lammps/potentials/CuZr_mm.eam.fs not installed")
    shutil.copyfile(CUZR_FS, tmp_path / CUZR_FS.name)
    settings = MeltQuenchSettings(
        box_side=5.3,
        pair_style="eam/fs",
        potential_file=CUZR_FS.name,
        timestep=0.002,
        melt_temperature=2000,
        melt_steps=150,
        anneal_temperature=300,
        quench_steps=150,
        anneal_steps=40,
        dump_every=1,
        thermo_every=50,
    )
    species = ["Cu", "Zr"]
    counts = {"Cu": 4, "Zr": 4}
    text = melt_quench_input(
        "Cu50Zr50", counts, species, settings, run_seeds("Cu50Zr50", 1, species)
    )
    text += "\nwrite_data final.data\n"
    (tmp_path / "in.lmp").write_text(text)
    completed = subprocess.run(
        [lmp, "-in", "in.lmp", "-log", "log.lammps", "-screen", "none"],
        cwd=tmp_path,
        env=dict(os.environ, OMP_NUM_THREADS="1"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    log = (tmp_path / "log.lammps").read_text() if (tmp_path / "log.lammps").exists() else ""
    assert completed.returncode == 0, log[-2000:] + completed.stderr

    # write_data records the final timestep: "LAMMPS data file via write_data, ..., timestep = N"
    final_step = int(
        re.search(r"timestep\s*=\s*(\d+)", (tmp_path / "final.data").read_text()).group(1)
    )
    frames = list(iter_dump_frames(tmp_path / "zca-th300.dump"))
    assert [f.step for f in frames] == list(
        range(final_step - settings.anneal_steps, final_step + 1, settings.dump_every)
    )
    last = last_dump_frame(tmp_path / "zca-th300.dump")
    assert last.step == final_step
    np.testing.assert_array_equal(last.ids, np.arange(1, 9))
    assert Counter(last.types.tolist()) == {1: 4, 2: 4}

    atoms = last.to_atoms({1: "Cu", 2: "Zr"})
    final = read_data_file(tmp_path / "final.data", {1: "Cu", 2: "Zr"})
    assert atoms.get_chemical_symbols() == final.get_chemical_symbols()
    np.testing.assert_allclose(np.asarray(atoms.cell), np.asarray(final.cell), atol=1e-4)
    np.testing.assert_allclose(
        atoms.get_all_distances(mic=True), final.get_all_distances(mic=True), atol=1e-3
    )


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("pp pp pp", (True, True, True)),
        ("pp pp fm", (True, True, False)),
        ("ff pp ss", (False, True, False)),
    ],
)
def test_dump_boundary_flags_give_the_periodicity(tmp_path, flags, expected):
    bounds = ORTHO_BOUNDS.replace("pp pp pp", flags)
    path = _write(
        tmp_path / "a.dump",
        _frame_text(0, bounds, ["id", "type", "x", "y", "z"], IDS, TYPES, FRACTIONAL),
    )
    frame = last_dump_frame(path)
    assert frame.pbc == expected
    assert tuple(frame.to_atoms({1: "Zr", 2: "Cu", 3: "Al"}).pbc) == expected


# -- requested frames the dump lacks (issue 11 item 6) ---------------------------------------


def test_requested_frames_absent_from_the_dump_are_an_error_naming_them(tmp_path):
    from glassbonds.io.lammps import check_requested_frames, count_dump_frames

    bounds = "ITEM: BOX BOUNDS pp pp pp\n0 10\n0 12\n0 15\n"
    frame = _frame_text(0, bounds, ["id", "type", "x", "y", "z"], IDS, TYPES, FRACTIONAL * 10)
    path = _write(tmp_path / "zca.dump", frame, frame.replace("TIMESTEP\n0", "TIMESTEP\n500"))
    assert count_dump_frames(path) == 2 == len(list(iter_dump_frames(path)))
    assert count_dump_frames(path, chunk=7) == 2  # markers split across blocks count once
    check_requested_frames(path, [0, 1], "inference item x: frames")
    check_requested_frames(path, None)
    with pytest.raises(InputError, match=r"inference item x: frames: frame\(s\) \[2, 5\]"):
        check_requested_frames(path, [0, 2, 5], "inference item x: frames")
