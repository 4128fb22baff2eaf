"""Provenance of every number: which program produced the -ICOHP, and checksums down the chain.

A bond database's store (``metadata.json``) holds one record per sub-run in its
``provenance`` list. Each record carries an ``icohp_program`` entry
``{"name": ..., "version": ..., "synthetic": bool}`` naming the program that wrote the
sub-run's ``ICOHPLIST.lobster`` (read from ``lobsterout`` / ``<NC>.lb.out``):
``LOBSTER`` for the real program, :data:`SYNTHETIC_PROGRAM` for the project's test double,
which is *not* LOBSTER. Models record the database they were trained on
(:func:`database_provenance`), inference outputs the checksums of their models.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from glassbonds.files import sha256

SYNTHETIC_PROGRAM = "glassbonds-synthetic-lobster"
STORE_FILES = ("metadata.json", "bonds.parquet", "soap.npy")


def store_sha256(directory: str | Path) -> str:
    """One hex SHA-256 over a database store's files (metadata, bond rows, SOAP matrix)."""
    digest = hashlib.sha256()
    for name in STORE_FILES:
        digest.update(name.encode())
        digest.update(sha256(Path(directory) / name).encode())
    return digest.hexdigest()


def program_label(program: Mapping) -> str:
    """A program's label: ``"LOBSTER 3.0.0"``, or the test double's marked NOT LOBSTER."""
    label = f"{program.get('name', 'unknown')} {program.get('version', '?')}".strip()
    return f"{label} (test double, NOT LOBSTER)" if program.get("synthetic") else label


def icohp_programs(records: Iterable[Mapping]) -> dict[str, int]:
    """Sub-runs per -ICOHP program label among provenance records (unknown when absent)."""
    return dict(Counter(program_label(record.get("icohp_program") or {}) for record in records))


def synthetic_subruns(records: Iterable[Mapping]) -> int:
    """How many provenance records have -ICOHP from the synthetic test double."""
    return sum(bool((record.get("icohp_program") or {}).get("synthetic")) for record in records)


def database_provenance(directory: str | Path, records: Iterable[Mapping]) -> dict:
    """What a model records of its training database: path, store checksum, programs."""
    records = list(records)
    return {
        "path": str(Path(directory).resolve()),
        "store_sha256": store_sha256(directory),
        "subruns": len(records),
        "icohp_programs": icohp_programs(records),
        "synthetic_icohp_subruns": synthetic_subruns(records),
    }


_PW_PROGRAM = re.compile(r"Program\s+(\S+)\s+v\.(\S+)(?:\s+\(svn rev\.\s*([^)]*)\))?")
_PSEUDO = re.compile(
    r"PseudoPot\.\s*#\s*\d+\s+for\s+(\w+)\s+read from file:\s*\n\s*(\S+)"
    r"(?:\s*\n\s*MD5 check sum:\s*(\S+))?"
)


def read_pw_provenance(scf_out: str | Path, search_dirs: Iterable[str | Path] = ()) -> dict | None:
    """pw.x's name and version and its pseudopotential files, from a ``<NC>.scf.out``.

    The header line ``Program PWSCF v.6.2 (svn rev. 13949:13950) starts on ...`` gives the
    version; each ``PseudoPot. # N for Zr read from file:`` block gives the UPF path (and
    the MD5 pw.x printed). Each pseudopotential record is ``{"element", "file", "path",
    "sha256", "md5_pw", "reason"}``: ``sha256`` is None with a ``reason`` when the file is
    not found at its path (nor, by name, in ``search_dirs``), e.g. for the study's files
    computed on another cluster. None when the file is missing.
    """
    path = Path(scf_out)
    try:
        with open(path, "rb") as stream:
            head = stream.read(1 << 20).decode(errors="replace")
    except OSError:
        return None
    match = _PW_PROGRAM.search(head)
    pseudopotentials = []
    for element, upf, md5 in _PSEUDO.findall(head):
        candidates = [Path(upf), *(Path(d) / Path(upf).name for d in search_dirs)]
        found = next((c for c in candidates if c.is_file()), None)
        pseudopotentials.append(
            {
                "element": element,
                "file": Path(upf).name,
                "path": str(found or upf),
                "sha256": sha256(found) if found else None,
                "md5_pw": md5 or None,
                "reason": None if found else f"file not found at {upf} when the status was read",
            }
        )
    return {
        "name": match.group(1) if match else None,
        "version": match.group(2) if match else None,
        "revision": match.group(3) if match and match.group(3) else None,
        "pseudopotentials": pseudopotentials,
    }


# ----------------------------------------------------------------------------- the chain

MODEL_LINE = re.compile(r"^#\s*model\s+(\S+)\s+sha256\s+([0-9a-f]{64}|not-recorded)\s*$")


def model_info_line(model_path: str | Path) -> str:
    """The line an inference ``.info`` records per model: ``# model <path> sha256 <hex>``."""
    return f"# model {Path(model_path).resolve()} sha256 {sha256(model_path)}"


def _pseudo_label(pseudo: Mapping) -> str:
    checksum = pseudo.get("sha256")
    if checksum:
        return f"{pseudo.get('file')} sha256 {checksum[:16]}..."
    return f"{pseudo.get('file')} sha256 not recorded ({pseudo.get('reason') or 'no reason'})"


def _subrun_line(record: Mapping) -> str:
    where = f"{record.get('source', '')} run {record.get('run')} sub-run {record.get('subrun')}"
    program = record.get("icohp_program")
    icohp = program_label(program) if program else "not recorded"
    pw = record.get("pw_program")
    if pw:
        pw_text = f"{pw.get('name')} {pw.get('version')}"
        pseudos = "; ".join(_pseudo_label(p) for p in pw.get("pseudopotentials", []))
        pw_text += f" [{pseudos or 'no pseudopotential lines'}]"
    else:
        pw_text = "not recorded"
    spilling = record.get("charge_spilling_percent")
    spill = ", ".join(f"{v:.2f}%" for v in spilling) if spilling else "not recorded"
    return (
        f"    {where.strip()}: -ICOHP {icohp}; pw.x {pw_text}; charge spilling {spill}; "
        f"{_attempts_label(record.get('scf_attempts'))}"
    )


def _attempts_label(attempts: Mapping | None) -> str:
    """The scf attempts of a sub-run record (``scf_attempts``, see glassbonds.io.scf_attempts)."""
    if not attempts:
        return "scf attempts not recorded"
    if attempts.get("unreadable"):
        return f"scf attempts unreadable ({attempts['unreadable']})"
    total, converged = attempts.get("attempts"), attempts.get("converged_attempt")
    if converged is None:
        return f"scf not converged in {total} attempt(s)"
    if converged == 1:
        return f"scf converged at attempt 1 of {total}"
    runs = "; ".join(
        f"{run['attempt']}: {run['result']} {run['settings'] or ''}".strip()
        for run in attempts.get("runs", [])
    )
    return f"scf RECOVERED at attempt {converged} of {total} [{runs}]"


def store_chain(directory: str | Path, indent: str = "") -> list[str]:
    """Lines describing a database store: checksum, programs, one line per sub-run."""
    import json

    directory = Path(directory)
    metadata_path = directory / "metadata.json"
    if not metadata_path.is_file():
        return [f"{indent}database {directory}: absent (no metadata.json)"]
    metadata = json.loads(metadata_path.read_text())
    records = metadata.get("provenance", [])
    lines = [
        f"{indent}database {metadata.get('name', directory.name)} at {directory.resolve()}",
        f"{indent}  store sha256 {store_sha256(directory)}",
        f"{indent}  sources {', '.join(metadata.get('sources', [])) or 'not recorded'};"
        f" {len(records)} sub-run record(s)",
    ]
    programs = icohp_programs(records)
    lines.append(
        f"{indent}  -ICOHP programs: "
        + (", ".join(f"{label} x{count}" for label, count in programs.items()) or "none")
    )
    synthetic = synthetic_subruns(records)
    if synthetic:
        lines.append(
            f"{indent}  WARNING: {synthetic} sub-run(s) have synthetic -ICOHP from the test"
            " double, NOT LOBSTER"
        )
    lines += [indent + _subrun_line(record) for record in records]
    return lines


def model_chain(path: str | Path, indent: str = "") -> list[str]:
    """Lines describing a ``.model.npz``: its checksum and its training database."""
    import json

    import numpy as np

    path = Path(path)
    lines = [f"{indent}model {path.resolve()}", f"{indent}  sha256 {sha256(path)}"]
    with np.load(path, allow_pickle=False) as data:
        metadata = json.loads(str(data["meta"])).get("metadata", {})
    if metadata.get("bond_type"):
        lines.append(f"{indent}  bond type {metadata['bond_type']}")
    training = metadata.get("training_database")
    if not isinstance(training, Mapping):
        return [*lines, f"{indent}  training database: not recorded"]
    store = Path(training.get("path", ""))
    recorded = training.get("store_sha256")
    lines.append(f"{indent}  training database {store} store sha256 {recorded or 'not recorded'}")
    if (store / "metadata.json").is_file():
        current = store_sha256(store)
        state = "matches" if current == recorded else f"DIFFERS (now {current})"
        lines.append(f"{indent}  the store on disk {state}")
        lines += store_chain(store, indent + "  ")
    else:
        lines.append(f"{indent}  the store is no longer on disk")
    return lines


def inference_chain(path: str | Path) -> list[str]:
    """Lines describing an inference ``.info``: its models (``# model`` lines) and theirs."""
    path = Path(path)
    lines = [f"inference {path.resolve()}"]
    models = []
    with open(path, errors="replace") as stream:
        for line in stream:
            if match := MODEL_LINE.match(line.strip()):
                models.append((Path(match.group(1)), match.group(2)))
    if not models:
        return [*lines, "  models: not recorded"]
    for model, recorded in models:
        lines.append(f"  model {model} sha256 {recorded}")
        if not model.is_file():
            lines.append("    the model file is no longer on disk")
            continue
        current = sha256(model)
        if current != recorded:
            lines.append(f"    the model file on disk DIFFERS (now {current})")
        lines += model_chain(model, "    ")
    return lines


def provenance_chain(path: str | Path) -> list[str]:
    """The provenance chain of a database (store directory, ``metadata.json`` or ``.bnd``),
    a model (``.model.npz``) or an inference ``.info``: down to the programs per sub-run."""
    path = Path(path)
    if path.is_dir():
        return store_chain(path)
    if not path.is_file():
        from glassbonds.errors import InputError

        raise InputError(path, "no such file or directory")
    if path.name.endswith(".model.npz"):
        return model_chain(path)
    if path.name == "metadata.json" or path.suffix == ".bnd":
        return store_chain(path.parent)
    return inference_chain(path)
