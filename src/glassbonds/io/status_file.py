"""The status file of one sub-run (``subrun.status``, a derived file of the tree): ``key:
value`` lines that the rule ``describe_subrun`` writes and the databases and reports read.

The record itself, the status codes and how they are decided: :mod:`glassbonds.subrun_status`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path

from glassbonds.errors import InputError
from glassbonds.files import write_text
from glassbonds.subrun_status import StatusCode, SubRunStatus

_JSON_FIELDS = (
    "icohp_program",
    "pw_program",
    "charge_spilling",
    "total_spilling",
    "lobster_warnings",
    "scf_attempts",
)


def write_status_file(path: str | Path, status: SubRunStatus) -> None:
    """Write ``key: value`` lines (code, name, usable, reason, evidence), atomically.

    Programs, spillings and warnings are one-line JSON values."""
    lines = [
        f"code: {int(status.code)}",
        f"name: {status.code.name}",
        f"usable: {str(status.usable).lower()}",
        f"reason: {status.reason}",
    ]
    for item in fields(SubRunStatus)[2:]:
        value = getattr(status, item.name)
        if item.name in _JSON_FIELDS:
            text = json.dumps(list(value) if isinstance(value, tuple) else value)
        else:
            text = "none" if value is None else value
            text = str(value).lower() if isinstance(value, bool) else text
        lines.append(f"{item.name}: {text}")
    write_text(path, "\n".join(lines) + "\n")


def read_status_file(path: str | Path) -> SubRunStatus:
    """Read a file written by :func:`write_status_file`; malformed files raise InputError."""
    fix = "rerun the status rule for this sub-run"
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise InputError(path, f"cannot read status file ({error.strerror})", fix) from None
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, separator, value = line.partition(":")
        if separator:
            values[key.strip()] = value.strip()

    def flag(key: str) -> bool:
        if values.get(key) not in ("true", "false"):
            raise InputError(path, f"key {key!r} must be true or false", fix)
        return values[key] == "true"

    def count(key: str) -> int | None:
        value = values.get(key, "none")
        if value == "none":
            return None
        if not value.isdigit():
            raise InputError(path, f"key {key!r} must be a count or none, not {value!r}", fix)
        return int(value)

    def parsed(key: str, empty):
        try:
            value = json.loads(values[key]) if key in values else empty
        except json.JSONDecodeError:
            raise InputError(path, f"key {key!r} is not one-line JSON", fix) from None
        return tuple(value) if isinstance(empty, tuple) and value is not None else value

    try:
        code = StatusCode(int(values["code"]))
    except (KeyError, ValueError):
        raise InputError(path, "no valid 'code: N' line (N = 0..9)", fix) from None
    return SubRunStatus(
        code=code,
        reason=values.get("reason", ""),
        scf_converged=flag("scf_converged"),
        scf_finished=flag("scf_finished"),
        lobster_interactions=count("lobster_interactions"),
        lobster_finished=flag("lobster_finished"),
        icohp_bonds=count("icohp_bonds"),
        icohp_program=parsed("icohp_program", None),
        pw_program=parsed("pw_program", None),
        charge_spilling=parsed("charge_spilling", ()),
        total_spilling=parsed("total_spilling", ()),
        lobster_warnings=parsed("lobster_warnings", ()),
        scf_attempts=parsed("scf_attempts", None),
    )


def status_record(status: SubRunStatus) -> dict:
    """A JSON-ready dict of every field (for reports)."""
    record = asdict(status)
    record["code"] = int(status.code)
    return record
