"""Norm-conserving pseudopotentials made with QE's ld1.x from inputs kept in the repository.

The inputs in ``resources/pseudopotentials/<El>.ld1.in`` are Troullier-Martins, PBE,
scalar-relativistic, single projector per channel (``pseudotype=1``), UPF output, with small
valence shells so that pw.x is fast: Zr 4d2 5s2 (4 e), Cu 3d10 4s1 (11 e), Al 3s2 3p1 (3 e).
Radii are in bohr. ld1.x requires the channel chosen as local (``lloc``) to be the last
wavefunction card. The local channels were chosen by testing bulk lattice constants with
pw.x (PBE references in brackets): Zr s-local, hcp a = 3.29 A at 25-80 Ry [3.23] (p-local
gave 3.77); Cu p-local, fcc a = 3.54 / 3.69 / 3.64 A at 30 / 40 / 80 Ry [3.63] (s-local
and larger radii were worse); Al local from an unbound 3d state, fcc a = 4.06 A at 25 Ry
[4.04] (s- or p-local gave 4.14-4.18). Each input generates in under 1 s.

Note: the study's own ld1-made files (``*.aryjr-1.0.0-ld1.UPF``) were PAW with semicore
states (Zr 12 e, Cu 19 e, Al 3 e, as its ``.scf.out`` reports); these are for test fixtures
and for users without their own UPF files.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from glassbonds.errors import InputError
from glassbonds.files import atomic_path

# resources/ sits beside src/ in the repository (editable install, Snakemake's workdir).
RESOURCE_DIR = Path(__file__).resolve().parents[3] / "resources" / "pseudopotentials"

_FILE_PSEUDOPW = re.compile(r"file_pseudopw\s*=\s*['\"]([^'\"]+)['\"]", re.IGNORECASE)
_Z_VALENCE = re.compile(r'z_valence\s*=\s*"\s*([-+0-9.EeDd]+)\s*"')


def bundled_ld1_input(element: str) -> Path:
    """The repository's ld1.x input for ``element`` (resources/pseudopotentials/<El>.ld1.in)."""
    path = RESOURCE_DIR / f"{element}.ld1.in"
    if not path.is_file():
        raise InputError(
            path,
            f"no bundled ld1.x input for {element}",
            "give a UPF file of your own for this element in the config",
        )
    return path


def ld1_output_name(ld1_input: str | Path) -> str:
    """The UPF file name that an ld1.x input asks for (``file_pseudopw``)."""
    text = Path(ld1_input).read_text()
    match = _FILE_PSEUDOPW.search(text)
    if not match:
        raise InputError(ld1_input, "no file_pseudopw in &inputp", "add file_pseudopw='X.UPF'")
    return match.group(1)


def upf_valence(upf: str | Path) -> float:
    """Valence charge (electrons) declared in a UPF v2 header (``z_valence``)."""
    with open(upf, errors="replace") as stream:
        head = stream.read(20000)
    match = _Z_VALENCE.search(head)
    if not match:
        raise InputError(upf, "no z_valence in the PP_HEADER", "give a UPF v2 file")
    return float(match.group(1).replace("D", "E").replace("d", "e"))


def generate_pseudopotential(
    ld1_input: str | Path,
    output_upf: str | Path,
    workdir: str | Path,
    ld1_command: str = "ld1.x",
) -> Path:
    """Run ld1.x on ``ld1_input`` and move the UPF it makes to ``output_upf`` (atomically).

    ld1.x runs in a fresh directory under ``workdir`` because it writes fixed names (ld1.wfc,
    CRASH, ...) that parallel jobs would share. Failure (ld1.x error, no or empty UPF)
    raises :class:`InputError` naming the input, with ld1.x's last lines.
    """
    ld1_input = Path(ld1_input).resolve()
    output_upf = Path(output_upf)
    if not ld1_input.is_file():
        raise InputError(ld1_input, "ld1.x input not found", "check the pseudopotential config")
    upf_name = ld1_output_name(ld1_input)
    Path(workdir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ld1.", dir=workdir) as scratch:
        env = dict(os.environ)
        env.setdefault("OMP_NUM_THREADS", "1")
        try:
            with open(ld1_input) as stdin:
                completed = subprocess.run(
                    ld1_command.split(),
                    stdin=stdin,
                    cwd=scratch,
                    capture_output=True,
                    text=True,
                    env=env,
                    check=False,
                )
        except OSError as error:
            raise InputError(
                ld1_input,
                f"cannot start {ld1_command!r} ({error})",
                "install quantum-espresso or set the ld1.x command",
            ) from None
        produced = Path(scratch) / upf_name
        if completed.returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
            crash = Path(scratch) / "CRASH"
            detail = crash.read_text(errors="replace") if crash.is_file() else completed.stdout
            last = " | ".join(line.strip() for line in detail.strip().splitlines()[-6:])
            raise InputError(
                ld1_input,
                f"ld1.x did not make {upf_name} (exit status {completed.returncode}): {last}",
                "fix the ld1.x input (radii, configuration, lloc channel last)",
            )
        with atomic_path(output_upf) as tmp:
            shutil.copyfile(produced, tmp)
    return output_upf
