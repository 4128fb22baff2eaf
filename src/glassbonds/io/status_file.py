"""The status file of one sub-run (``subrun.status``, a derived file of the tree): ``key:
value`` lines that the rule ``describe_subrun`` writes. The same job writes the statuses of
all its sub-runs into one *status bundle* (``subrun-statuses/<NC>/<NAT>/<RUN>.status``), the
file the databases and the status report read: one input per MD run instead of one per
sub-run keeps a production dry-run of 4,500 sub-runs short. A bundle is the sub-runs' status
files one after the other, each opened by a ``subrun: <NC>/<NAT>/<RUN>/<SUB>`` line.

The record itself, the status codes and how they are decided: :mod:`glassbonds.subrun_status`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
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


BUNDLE_KEY = "subrun"


def status_key(nc: str, nat: int | str, run: int | str, sub: int | str) -> str:
    """A sub-run's name in a status bundle: ``<NC>/<NAT>/<RUN>/<SUB>``."""
    return f"{nc}/{int(nat)}/{int(run)}/{int(sub)}"


def write_status_file(path: str | Path, status: SubRunStatus) -> None:
    """Write ``key: value`` lines (code, name, usable, reason, evidence), atomically.

    Programs, spillings and warnings are one-line JSON values."""
    write_text(path, "\n".join(status_lines(status)) + "\n")


def write_status_bundle(path: str | Path, statuses: Sequence[tuple[str, SubRunStatus]]) -> None:
    """Write the statuses of several sub-runs, ``(status_key(...), status)`` each, into one
    file (module docstring), atomically."""
    keys = [key for key, _ in statuses]
    if len(set(keys)) != len(keys):
        raise ValueError(f"status bundle {path}: a sub-run named twice in {keys}")
    blocks = ["\n".join([f"{BUNDLE_KEY}: {key}", *status_lines(s)]) for key, s in statuses]
    write_text(path, "\n\n".join(blocks) + "\n")


def status_lines(status: SubRunStatus) -> list[str]:
    """The ``key: value`` lines of a status file."""
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
    return lines


FIX = "rerun the status rule (describe_subrun) for this sub-run"


def _read(path: str | Path) -> str:
    try:
        return Path(path).read_text()
    except OSError as error:
        raise InputError(path, f"cannot read status file ({error.strerror})", FIX) from None


def read_status_file(path: str | Path) -> SubRunStatus:
    """Read a file written by :func:`write_status_file`; malformed files raise InputError."""
    return parse_status(_read(path), path)


def read_status_bundles(paths: Iterable[str | Path]) -> dict[str, SubRunStatus]:
    """The statuses of the bundles written by :func:`write_status_bundle`, by
    :func:`status_key`. A malformed bundle, or a sub-run named in two, raises InputError."""
    statuses: dict[str, SubRunStatus] = {}
    for path in paths:
        blocks = re.split(rf"(?m)^{BUNDLE_KEY}: ", _read(path))
        if blocks[0].strip() or len(blocks) == 1:
            raise InputError(path, f"not a status bundle (no leading '{BUNDLE_KEY}:' line)", FIX)
        for block in blocks[1:]:
            key, _, text = block.partition("\n")
            where = f"{path} ({BUNDLE_KEY} {key.strip()})"
            if key.strip() in statuses:
                raise InputError(path, f"sub-run {key.strip()} has a status already", FIX)
            statuses[key.strip()] = parse_status(text, where)
    return statuses


def bundled_statuses(keys: Sequence[str], bundles: Sequence[str | Path]) -> list[SubRunStatus]:
    """The status of each sub-run named in ``keys`` (:func:`status_key`), in that order, from
    ``bundles``; a sub-run without one raises InputError naming the bundles."""
    found = read_status_bundles(bundles)
    missing = [key for key in keys if key not in found]
    if missing:
        where = ", ".join(map(str, bundles[:3])) + (" ..." if len(bundles) > 3 else "")
        raise InputError(where, f"no status for sub-run(s) {missing[:5]} in these bundles", FIX)
    return [found[key] for key in keys]


def parse_status(text: str, path: str | Path) -> SubRunStatus:
    """A status from the ``key: value`` lines of a status file (``path`` names it in errors)."""
    fix = FIX
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
