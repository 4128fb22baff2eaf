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
    return dict(Counter(program_label(record.get("icohp_program", {})) for record in records))


def synthetic_subruns(records: Iterable[Mapping]) -> int:
    """How many provenance records have -ICOHP from the synthetic test double."""
    return sum(bool(record.get("icohp_program", {}).get("synthetic")) for record in records)


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
