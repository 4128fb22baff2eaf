"""LOBSTER I/O: the outputs ``ICOHPLIST.lobster`` (LOBSTER 3.x, 4.x, 5.x layouts),
``lobsterout`` and ``<NC>.lb.out``, and the run of LOBSTER (its inputs:
:mod:`glassbonds.io.lobster_inputs`).

Distances are in angstrom, ICOHP in eV as LOBSTER writes it (negative for bonding; the
database stores -ICOHP). Atom labels are element + 1-based index (``Cu1``, ``Zr100``,
``B7``); the tables here use 0-based atom indices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from glassbonds.errors import InputError

_LABEL = re.compile(r"^([A-Z][a-z]?)(\d+)$")
_INTERACTIONS = re.compile(r"found\s+(\d+)\s+interactions")
# Sign convention of every table of the project: a column named ``icohp`` holds ICOHP as
# LOBSTER writes it (eV, negative = bonding); ``minus_icohp`` (``sum_minus_icohp``) holds
# -ICOHP, the study's bond strength (positive = bonding). Published text formats keep
# their own names (``SUM_ICOHP``, ``MAX_ICOHP``, the .bnd value column, both -ICOHP).
ICOHP_COLUMNS = ["atom_a", "atom_b", "symbol_a", "symbol_b", "distance", "tx", "ty", "tz", "icohp"]


def parse_atom_label(label: str) -> tuple[str, int]:
    """``'Zr100'`` -> ``('Zr', 99)`` (element, 0-based index)."""
    match = _LABEL.match(label)
    if not match:
        raise ValueError(f"bad atom label {label!r}")
    return match.group(1), int(match.group(2)) - 1


def read_icohplist(path: str | Path) -> pd.DataFrame:
    """Read ``ICOHPLIST.lobster`` into a table with :data:`ICOHP_COLUMNS`, one row per bond.

    Handles LOBSTER 3.x/4.x (8 columns; a spin-polarised file repeats the table after a
    second header and the two spins are summed), 5.x (8 or 9 columns, spin 2 in the ninth;
    orbital-resolved lines with ``Cu1_3d_xy`` labels are skipped, only atom totals kept) and
    the old 2.x layout without translations. ``icohp`` is the total over spins, in eV.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as error:
        raise InputError(path, f"cannot read ICOHPLIST ({error.strerror})") from None
    if text and not text.endswith("\n"):
        raise InputError(
            f"{path}:{text.count(chr(10)) + 1}",
            "the last line has no newline (the file is cut)",
            "rerun LOBSTER for this sub-run",
        )
    blocks: list[list[tuple]] = []
    width = None  # columns of a bond line, fixed by the first one (6: 2.x, 8 or 9: 3.x-5.x)
    decimals = None  # digits after the point of distance and ICOHP: one fixed format
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if not fields[0].lstrip("-").isdigit():
            blocks.append([])  # a header starts a (spin) block
            continue
        if not blocks:
            blocks.append([])
        try:
            if width is None:
                width = len(fields)
                if width not in (6, 8, 9):
                    raise ValueError
            if len(fields) != width:
                raise ValueError
            if "_" in fields[1] or "_" in fields[2]:
                continue  # orbital-resolved line (LOBSTER 5 orbitalwise)
            symbol_a, atom_a = parse_atom_label(fields[1])
            symbol_b, atom_b = parse_atom_label(fields[2])
            values = [fields[3], *(fields[4:5] if width == 6 else fields[7:])]
            found = tuple(_decimals(value) for value in values)
            decimals = decimals or found
            if found != decimals:
                raise InputError(
                    f"{path}:{number}",
                    f"value(s) {values} not in the fixed format of the file"
                    f" ({decimals} digits after the point): the file is cut or edited",
                    "rerun LOBSTER for this sub-run",
                )
            distance = float(fields[3])
            if width == 6:
                translation = (0, 0, 0)
                icohp = float(fields[4])
            else:
                translation = tuple(int(v) for v in fields[4:7])
                icohp = sum(float(v) for v in fields[7:])
        except (ValueError, IndexError):
            raise InputError(
                f"{path}:{number}",
                f"malformed ICOHPLIST line {line.strip()!r}",
                "the file is cut or not a LOBSTER ICOHPLIST; rerun LOBSTER",
            ) from None
        blocks[-1].append((atom_a, atom_b, symbol_a, symbol_b, distance, *translation, icohp))
    blocks = [block for block in blocks if block]
    if not blocks:
        return pd.DataFrame(columns=ICOHP_COLUMNS)
    table = pd.DataFrame(blocks[0], columns=ICOHP_COLUMNS)
    if len(blocks) == 2:  # spin-polarised 3.x/4.x: same bonds, second spin
        second = pd.DataFrame(blocks[1], columns=ICOHP_COLUMNS)
        if len(second) != len(table) or not np.array_equal(
            second[["atom_a", "atom_b"]].to_numpy(), table[["atom_a", "atom_b"]].to_numpy()
        ):
            raise InputError(path, "the two spin blocks list different bonds", "rerun LOBSTER")
        table["icohp"] = table["icohp"].to_numpy() + second["icohp"].to_numpy()
    elif len(blocks) > 2:
        raise InputError(path, f"{len(blocks)} tables found, expected 1 or 2 spin blocks")
    return table


def _decimals(value: str) -> int:
    """Digits after the decimal point of a number as written (-1 without a point)."""
    mantissa = value.lower().split("e")[0]
    return len(mantissa) - mantissa.index(".") - 1 if "." in mantissa else -1


@dataclass(frozen=True)
class IcohpCount:
    """Bonds an ICOHPLIST holds as :func:`read_icohplist` reads them, or why it is unusable.

    ``bonds`` is None when the file is missing, empty or defective (``problem`` says which
    of the latter two); 0 for a header alone.
    """

    bonds: int | None
    problem: str | None = None


def check_icohplist(path: str | Path) -> IcohpCount:
    """Count the bonds the reader finds (spin blocks and orbital lines of LOBSTER 4 and 5
    are one bond each, unlike the study's line count); a cut or malformed file is a problem,
    never data."""
    path = Path(path)
    if not path.is_file():
        return IcohpCount(None)
    if path.stat().st_size == 0:
        return IcohpCount(None, "empty ICOHPLIST")
    try:
        return IcohpCount(len(read_icohplist(path)))
    except InputError as error:
        return IcohpCount(None, f"ICOHPLIST incomplete: {error}")


def count_icohp_bonds(path: str | Path) -> int | None:
    """Bonds of an ICOHPLIST as the reader finds them; None if missing, empty or defective
    (see :func:`check_icohplist` for the reason), 0 for a header alone."""
    return check_icohplist(path).bonds


@dataclass(frozen=True)
class LobsterLog:
    """What ``<NC>.lb.out`` / ``lobsterout`` (LOBSTER's screen output) says about a run.

    ``program``/``version`` come from the first line (``LOBSTER v3.0.0 (g++ 5.4.0)``, or
    the test double's ``glassbonds-synthetic-lobster 0.1.0 ...``); spillings are percent,
    one value per spin channel; ``warnings`` are LOBSTER's ``WARNING:`` messages (a
    multi-line warning is one message).
    """

    interactions: int | None  # 'setting up CO interactions... found N interactions.'
    finished: bool  # 'finished in' reached
    program: str | None = None
    version: str | None = None
    synthetic: bool = False
    charge_spilling: tuple[float, ...] = ()  # 'abs. charge spilling:   1.60%' per spin
    total_spilling: tuple[float, ...] = ()  # 'abs. total  spilling:   3.73%' per spin
    warnings: tuple[str, ...] = ()

    def program_record(self) -> dict:
        """``{"name", "version", "synthetic"}``, the provenance contract's icohp_program."""
        return {"name": self.program, "version": self.version, "synthetic": self.synthetic}


_LOBSTER_HEADER = re.compile(r"^\s*LOBSTER\s+v?(\d[\w.\-]*)", re.MULTILINE)
_SPILLING = re.compile(r"abs\.\s+(charge|total)\s+spilling:\s+([-\d.]+)\s*%")


def read_lobster_log(path: str | Path) -> LobsterLog:
    """Parse ``<NC>.lb.out`` or ``lobsterout``; a missing or empty file gives ``(None, False)``."""
    from glassbonds.provenance import SYNTHETIC_PROGRAM

    path = Path(path)
    if not path.is_file():
        return LobsterLog(None, False)
    text = path.read_text(errors="replace")
    match = _INTERACTIONS.search(text)
    head = text[:2000]
    program = version = None
    synthetic = False
    first = head.splitlines()[0].split() if head.strip() else []
    if first and first[0] == SYNTHETIC_PROGRAM:
        program, version, synthetic = SYNTHETIC_PROGRAM, first[1] if len(first) > 1 else None, True
    elif found := _LOBSTER_HEADER.search(head):
        program, version = "LOBSTER", found.group(1)
    spilling: dict[str, list[float]] = {"charge": [], "total": []}
    for kind, value in _SPILLING.findall(text):
        spilling[kind].append(float(value))
    warnings: list[str] = []
    previous_was_warning = False
    for line in text.splitlines():
        if (at := line.find("WARNING:")) >= 0:  # 'projecting...WARNING: ...' too
            message = line[at + len("WARNING:") :].strip()
            if previous_was_warning:
                warnings[-1] += " " + message
            else:
                warnings.append(message)
            previous_was_warning = True
        else:
            previous_was_warning = False
    return LobsterLog(
        interactions=int(match.group(1)) if match else None,
        finished="finished in" in text,
        program=program,
        version=version,
        synthetic=synthetic,
        charge_spilling=tuple(spilling["charge"]),
        total_spilling=tuple(spilling["total"]),
        warnings=tuple(warnings),
    )


def icohplist_text(bonds: pd.DataFrame, spin_header: bool = True) -> str:
    """Write bonds (columns of :data:`ICOHP_COLUMNS`) in the LOBSTER 3.0.0 layout."""
    header = "  COHP#  atomMU  atomNU     distance     translation      ICOHP (at) eF"
    if spin_header:
        header += "   for spin  1"
    lines = [header]
    for number, row in enumerate(bonds.itertuples(index=False), start=1):
        label_a = f"{row.symbol_a}{row.atom_a + 1}"
        label_b = f"{row.symbol_b}{row.atom_b + 1}"
        lines.append(
            f"{number:7d} {label_a:>7s} {label_b:>7s} {row.distance:12.5f}"
            f" {row.tx:7d} {row.ty:3d} {row.tz:3d} {row.icohp:18.5f} "
        )
    return "\n".join(lines) + "\n"


def run_lobster(
    command: str,
    workdir: str | Path,
    lobster_log: str | Path,
    threads: int,
    scf_converged: bool,
    run_on_unconverged_scf: bool = False,
    test_double: bool = False,
) -> str:
    """Run LOBSTER (``command``) in a sub-run directory; its screen output becomes
    ``lobster_log`` (``<NC>.lb.out``). Returns what happened, for the rule's log.

    With ``test_double`` the project's synthetic stand-in
    (:mod:`glassbonds.synthetic_lobster`, NOT LOBSTER) runs instead, started with this
    Python so that it needs nothing on ``PATH``. Without it, ``command`` runs and must not
    be the double: a double found as ``command`` or announcing itself in its log is an
    error (it never stands in for LOBSTER by being first on ``PATH``).

    After an scf that did not converge, LOBSTER is skipped unless asked for: the sub-run
    then has an empty ICOHPLIST and a log saying why, so its status is recorded (code 6)
    instead of failing the workflow. A crash raises with LOBSTER's last lines.
    """
    import os
    import shlex
    import subprocess
    import sys

    from glassbonds.files import atomic_path, write_text
    from glassbonds.provenance import SYNTHETIC_PROGRAM

    argv = shlex.split(command)
    if test_double:
        argv = [sys.executable, "-m", "glassbonds.synthetic_lobster"]
        command = f"{SYNTHETIC_PROGRAM} (test double, lobster.test_double: true)"
    elif argv and Path(argv[0]).name == SYNTHETIC_PROGRAM:
        raise InputError(
            "config key lobster.command",
            f"{command!r} is the project's LOBSTER test double, not LOBSTER",
            "set lobster.test_double: true to use the double, or give the LOBSTER executable",
        )

    workdir = Path(workdir)
    if not scf_converged and not run_on_unconverged_scf:
        note = (
            "SKIPPED by glassbonds: the scf did not converge, so LOBSTER was not run "
            "(set lobster.run_on_unconverged_scf to run it anyway)\n"
        )
        write_text(workdir / "ICOHPLIST.lobster", "")
        write_text(workdir / "lobsterout", note)
        write_text(lobster_log, note)
        return note.strip()
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    with atomic_path(lobster_log) as tmp, open(tmp, "w") as stdout:
        try:
            completed = subprocess.run(
                argv,
                cwd=workdir,
                stdout=stdout,
                stderr=subprocess.STDOUT,
                env=env,
                check=False,
            )
        except OSError as error:
            raise InputError(
                "config key lobster.command",
                f"cannot start {command!r} ({error.strerror})",
                "give the path of the LOBSTER executable",
            ) from None
        stdout.flush()
        if completed.returncode != 0:
            tail = "".join(Path(tmp).read_text(errors="replace").splitlines(True)[-20:])
            raise RuntimeError(
                f"{workdir}: LOBSTER exited with {completed.returncode}; last lines:\n{tail}"
            )
        if read_lobster_log(tmp).synthetic and not test_double:
            for name in ("ICOHPLIST.lobster", "lobsterout"):
                (workdir / name).unlink(missing_ok=True)
            raise InputError(
                "config key lobster.command",
                f"{command!r} wrote the log of {SYNTHETIC_PROGRAM} (the test double, not LOBSTER)",
                "set lobster.test_double: true to use the double, or give the LOBSTER executable",
            )
    for name in ("ICOHPLIST.lobster", "lobsterout"):
        if not (workdir / name).is_file():
            raise RuntimeError(f"{workdir}: LOBSTER finished without writing {name}")
    log = read_lobster_log(lobster_log)
    name = f"{log.program or 'unknown program'} {log.version or '(no version line)'}"
    if log.synthetic:
        name += " (TEST DOUBLE, NOT LOBSTER)"
    return f"{command!r} ran in {workdir} with {threads} thread(s): {name}"
