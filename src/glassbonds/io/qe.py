"""Quantum ESPRESSO pw.x: the study's scf input, running pw.x, reading its output.

Units: cell and positions in angstrom (input written with ``CELL_PARAMETERS angstrom`` and
``ATOMIC_POSITIONS crystal``), cut-offs and smearing width in Ry, energies in Ry and eV.

The input is written by ASE's ``ase.io.espresso.write_espresso_in``: checked against the
study's ``Zr49Cu49Al2.scf.in`` it produces the same namelist values (ibrav 0, nosym, noinv,
Fermi-Dirac smearing, nbnd, ...), ``K_POINTS automatic`` with grid and shift (or
``K_POINTS gamma``) and crystal coordinates, which are not wrapped into [0, 1) just as in the
study's file. It adds empty ``&IONS``/``&CELL``/``&FCP``/``&RISM`` namelists; pw.x 6.7 (the
Debian build here) accepts them for ``calculation='scf'`` (checked by running it).

``nbnd`` follows the study's scripts: ``int(nbnd_factor * sum(n_atoms(Z) * basis(Z)))``,
truncated rather than rounded up. The real file proves it: Zr49 Cu49 Al2 with 10, 10, 4
basis functions gives 1.1 * 988 = 1086.8 and the file says ``nbnd = 1086``.
"""

from __future__ import annotations

import io
import math
import os
import re
import shlex
import subprocess
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import ClassVar, TextIO

from ase import Atoms

from glassbonds.errors import InputError
from glassbonds.files import atomic_path

RY_TO_EV = 13.605693122994  # CODATA 2018, as QE 6.x prints it

# Number of m components of one LOBSTER basis function of angular momentum l.
_ORBITAL_DEGENERACY = {"s": 1, "p": 3, "d": 5, "f": 7}
_ORBITAL = re.compile(r"^\d+([spdf])$")


@dataclass(frozen=True)
class ScfSettings:
    """pw.x scf settings, named as the keys of the config section ``qe``; the study's values
    are that section's defaults in the config schema
    (:func:`glassbonds.config_defaults.study_scf_settings`).

    ecutwfc, ecutrho and degauss in Ry; conv_thr in Ry (total-energy change between
    iterations); ``kpoints``/``kpoint_shift`` are the Monkhorst-Pack grid and its offsets
    (1 = shifted by half a step); ``gamma_only=True`` writes ``K_POINTS gamma`` instead.
    Fermi-Dirac smearing (``occupations``, ``smearing``) is fixed: the study's, no config key.
    """

    ecutwfc: float
    ecutrho: float
    degauss: float
    conv_thr: float
    mixing_beta: float
    mixing_mode: str  # written only when not QE's default, plain
    electron_maxstep: int
    kpoints: tuple[int, int, int]
    kpoint_shift: tuple[int, int, int]
    gamma_only: bool
    nbnd_factor: float
    occupations: ClassVar[str] = "smearing"
    smearing: ClassVar[str] = "fd"

    @classmethod
    def from_config(cls, qe: Mapping[str, object], where: str = "config key qe") -> ScfSettings:
        """Settings from the ``qe`` config section (its other keys, e.g. command, are not
        settings of the input file); a missing key is an error naming it."""
        names = [item.name for item in fields(cls)]
        missing = [name for name in names if name not in qe]
        if missing:
            raise InputError(where, f"missing key(s) {missing}", "add them (see the config schema)")
        values = {name: qe[name] for name in names}
        for key in ("kpoints", "kpoint_shift"):
            triple = tuple(int(v) for v in values[key])  # type: ignore[attr-defined]
            if len(triple) != 3:
                raise InputError(f"{where}.{key}", f"needs 3 integers, got {triple}")
            values[key] = triple
        return cls(**values)  # type: ignore[arg-type]


def basis_function_count(orbitals: list[str] | tuple[str, ...]) -> int:
    """Number of basis functions of a LOBSTER basis, e.g. ["4s", "5s", "4p", "4d"] -> 10."""
    total = 0
    for orbital in orbitals:
        match = _ORBITAL.match(orbital.strip())
        if not match:
            raise InputError(
                f"basis function {orbital!r}",
                "is not like 4s, 3p, 4d or 4f",
                "write LOBSTER basis functions as principal number + s/p/d/f",
            )
        total += _ORBITAL_DEGENERACY[match.group(1)]
    return total


def band_count(atoms: Atoms, basis_function_counts: Mapping[str, int], factor: float) -> int:
    """The study's nbnd: ``int(factor * sum over atoms of basis functions)`` (truncated)."""
    counts = Counter(atoms.get_chemical_symbols())
    missing = sorted(set(counts) - set(basis_function_counts))
    if missing:
        raise InputError(
            "basis functions",
            f"no LOBSTER basis for element(s) {missing}",
            "add them to the basis-function configuration",
        )
    total = sum(n * basis_function_counts[element] for element, n in counts.items())
    # round() first: 1.1 * 10 is 11.000000000000002 and must stay 11, not become 10 or 12.
    return math.floor(round(factor * total, 6))


def scf_input(
    atoms: Atoms,
    settings: ScfSettings,
    prefix: str,
    pseudo_dir: str | Path,
    outdir: str | Path,
    pseudopotentials: Mapping[str, str],
    basis_function_counts: Mapping[str, int],
) -> str:
    """The pw.x scf input of one sub-run (study format); ``prefix`` is also the title.

    ``pseudopotentials`` maps element -> UPF file name inside ``pseudo_dir``;
    ``outdir`` is QE's scratch directory (wavefunctions that LOBSTER reads).
    """
    from ase.io.espresso import write_espresso_in

    missing = sorted(set(atoms.get_chemical_symbols()) - set(pseudopotentials))
    if missing:
        raise InputError(
            "pseudopotentials",
            f"no UPF file for element(s) {missing}",
            "add element: file.UPF entries to the pseudopotential configuration",
        )
    control = {
        "title": prefix,
        "calculation": "scf",
        "restart_mode": "from_scratch",
        "outdir": str(outdir),
        "wfcdir": str(outdir),
        "pseudo_dir": str(pseudo_dir),
        "prefix": prefix,
        "verbosity": "high",
        "tprnfor": True,
        "wf_collect": True,
    }
    system = {
        "ibrav": 0,
        "nbnd": band_count(atoms, basis_function_counts, settings.nbnd_factor),
        "ecutwfc": settings.ecutwfc,
        "ecutrho": settings.ecutrho,
        "occupations": settings.occupations,
        "smearing": settings.smearing,
        "degauss": settings.degauss,
        "nosym": True,
        "noinv": True,
    }
    electrons: dict[str, object] = {
        "electron_maxstep": settings.electron_maxstep,
        "conv_thr": settings.conv_thr,
        "mixing_beta": settings.mixing_beta,
    }
    if settings.mixing_mode != "plain":
        electrons["mixing_mode"] = settings.mixing_mode
    stream = io.StringIO()
    write_espresso_in(
        stream,
        atoms,
        input_data={"control": control, "system": system, "electrons": electrons},
        pseudopotentials=dict(pseudopotentials),
        # kpts=None makes ASE write K_POINTS gamma (pw.x's Gamma-only code path).
        kpts=None if settings.gamma_only else tuple(settings.kpoints),
        koffset=tuple(settings.kpoint_shift),
        crystal_coordinates=True,
    )
    return stream.getvalue()


@dataclass(frozen=True)
class ScfOutcome:
    """What a pw.x output says: flags, SCF iterations, energies (Ry, eV).

    ``converged``: "convergence has been achieved in"; ``not_converged``: "convergence NOT
    achieved"; ``finished``: "JOB DONE." or "This run was terminated on". Energies are None
    when the output does not contain them (the '!' total energy exists only when converged).
    """

    converged: bool = False
    not_converged: bool = False
    finished: bool = False
    iterations: int = 0
    total_energy_ry: float | None = None
    fermi_energy_ev: float | None = None

    @property
    def total_energy_ev(self) -> float | None:
        return None if self.total_energy_ry is None else self.total_energy_ry * RY_TO_EV


_ITERATION = re.compile(r"^\s*iteration #\s*(\d+)", re.MULTILINE)
_CONVERGED_IN = re.compile(r"convergence has been achieved in\s+(\d+)\s+iterations")
_TOTAL_ENERGY = re.compile(r"^!\s+total energy\s+=\s+(-?\d+\.\d+)\s+Ry", re.MULTILINE)
_FERMI = re.compile(r"the Fermi energy is\s+(-?\d+\.\d+)\s+ev")


def read_scf_outcome(path: str | Path) -> ScfOutcome:
    """Parse a pw.x output; a missing, empty, truncated or binary file gives False flags."""
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return ScfOutcome()
    converged_in = _CONVERGED_IN.findall(text)
    iterations = [int(n) for n in _ITERATION.findall(text)]
    energies = _TOTAL_ENERGY.findall(text)
    fermi = _FERMI.findall(text)
    return ScfOutcome(
        converged=bool(converged_in),
        not_converged="convergence NOT achieved" in text,
        finished="JOB DONE." in text or "This run was terminated on" in text,
        iterations=int(converged_in[-1]) if converged_in else max(iterations, default=0),
        total_energy_ry=float(energies[-1]) if energies else None,
        fermi_energy_ev=float(fermi[-1]) if fermi else None,
    )


def read_final_structure(scf_out: str | Path) -> Atoms:
    """The structure of a pw.x output (angstrom, with its cell and pbc) via ASE."""
    import ase.io

    try:
        atoms = ase.io.read(scf_out, format="espresso-out", index=-1)
    except Exception as error:  # ASE raises many types on a cut or foreign file
        raise InputError(
            scf_out,
            f"no structure readable as a pw.x output ({type(error).__name__}: {error})",
            "rerun pw.x for this sub-run",
        ) from None
    assert isinstance(atoms, Atoms)
    return atoms


class PwRunError(RuntimeError):
    """pw.x failed: the message names the files and ends with QE's last lines.

    ``output`` is pw.x's whole standard output, ``stderr`` its standard error and
    ``returncode`` its exit status (None when it could not start): the scf recovery
    (:mod:`glassbonds.io.scf_recovery`) reads the error from them and keeps the output.
    """

    def __init__(
        self, message: str, output: str = "", stderr: str = "", returncode: int | None = None
    ) -> None:
        super().__init__(message)
        self.output = output
        self.stderr = stderr
        self.returncode = returncode


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _write_log(log: str | Path | TextIO | None, text: str) -> None:
    if log is None:
        return
    if isinstance(log, str | Path):
        with open(log, "a") as stream:
            stream.write(text)
    else:
        log.write(text)
        log.flush()


def run_pw(
    command: str,
    input_file: str | Path,
    output_file: str | Path,
    workdir: str | Path,
    log: str | Path | TextIO | None = None,
    scratch_dir: str | Path | None = None,
) -> ScfOutcome:
    """Run pw.x through ``command`` (e.g. "pw.x", "mpirun -np 2 pw.x -npool 1") on a file.

    The output goes to a temporary file renamed to ``output_file`` only if pw.x exited with
    0 and did at least one SCF iteration; otherwise :class:`PwRunError` (message and ``log``
    carry QE's last 20 lines) and no ``output_file``. "convergence NOT achieved" followed by
    "JOB DONE." is a result, not an error, although pw.x then exits with status 2: the
    output is kept and the returned outcome says so.
    ``scratch_dir`` (QE's outdir, as written in the input) is created if given.
    """
    input_file = Path(input_file).resolve()
    output_file = Path(output_file)
    workdir = Path(workdir)
    if not input_file.is_file():
        raise InputError(input_file, "pw.x input not found", "write the scf input first")
    argv = [*shlex.split(command), "-input", str(input_file)]
    workdir.mkdir(parents=True, exist_ok=True)
    if scratch_dir is not None:
        Path(scratch_dir).mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    # One OpenMP thread per MPI rank unless the user says otherwise: the cores are shared.
    env.setdefault("OMP_NUM_THREADS", "1")
    _write_log(log, f"run_pw: {shlex.join(argv)} (in {workdir})\n")
    with atomic_path(output_file) as tmp:
        with open(tmp, "w") as stdout:
            try:
                completed = subprocess.run(
                    argv,
                    cwd=workdir,
                    stdout=stdout,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=env,
                    check=False,
                )
            except OSError as error:
                raise PwRunError(
                    f"{input_file}: cannot start {argv[0]!r} ({error}); set the pw.x command "
                    "in the config (qe.command)"
                ) from None
        outcome = read_scf_outcome(tmp)
        # pw.x 6.x ends an unconverged scf with "JOB DONE." and exit status 2 (STOP 2): a
        # result for the status step, not a failed run.
        unconverged_result = outcome.not_converged and outcome.finished
        if (completed.returncode != 0 and not unconverged_result) or outcome.iterations == 0:
            text = tmp.read_text(errors="replace")
            tail = _tail(text)
            stderr = _tail(completed.stderr or "", 10)
            reason = (
                f"exit status {completed.returncode}"
                if completed.returncode != 0
                else "no SCF iteration in the output"
            )
            message = (
                f"{input_file}: pw.x failed ({reason}); no {output_file.name} written. "
                f"Last lines of its output:\n{tail}" + (f"\nstderr:\n{stderr}" if stderr else "")
            )
            _write_log(log, message + "\n")
            raise PwRunError(message, text, completed.stderr or "", completed.returncode)
    _write_log(
        log,
        f"run_pw: {output_file}: converged={outcome.converged} finished={outcome.finished} "
        f"iterations={outcome.iterations} total_energy_ry={outcome.total_energy_ry}\n",
    )
    return outcome
