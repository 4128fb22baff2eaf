"""The sub-runs of a data tree: their identity, and finding them on disk (adopted trees).

Paths are not built here. The workflow owns the layout: ``workflow/rules/common.smk`` holds
the directory patterns and each rule names the files it writes (README, "The data tree").
Adopting an existing tree (``subrun_source: existing``) lists the sub-run directories that
match the pattern the rules pass in, e.g. ``<root>/Zr49Cu49Al2/c/md/lammps/100/{run}/2000/{sub}``.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass

_FIELDS = ("{run}", "{sub}")


@dataclass(frozen=True)
class SubRun:
    """One sub-run of one MD run: composition, cell size, run number, sub-run number."""

    nc: str
    nat: int
    run: int
    sub: int
    snapshot: str = "2000"


def _numeric_order(found: tuple[str, str]) -> tuple[int, str, int, str]:
    run, sub = found
    return (len(run), run, len(sub), sub)


def discover_subruns(subrun_dir: str, nc: str, nat: int, snapshot: str = "2000") -> list[SubRun]:
    """Sub-run directories on disk that match ``subrun_dir``, in run and sub-run order.

    ``subrun_dir`` is a sub-run directory pattern with every field filled in except
    ``{run}`` and ``{sub}`` (both decimal numbers on disk; other names are ignored).
    """
    parts = re.split(r"(\{run\}|\{sub\})", subrun_dir)
    if not all(field in parts for field in _FIELDS):
        raise ValueError(f"sub-run directory pattern {subrun_dir!r} lacks {{run}} or {{sub}}")
    wildcard = "".join("*" if part in _FIELDS else glob.escape(part) for part in parts)
    matcher = re.compile(
        "".join(rf"(?P<{part[1:-1]}>\d+)" if part in _FIELDS else re.escape(part) for part in parts)
    )
    found = []
    for path in glob.glob(wildcard):
        match = matcher.fullmatch(path)
        if match is not None and os.path.isdir(path):
            found.append((match["run"], match["sub"]))
    return [
        SubRun(nc, nat, int(run), int(sub), snapshot)
        for run, sub in sorted(found, key=_numeric_order)
    ]


def missing_runs(subruns: list[SubRun], runs: list[int]) -> list[int]:
    """Configured ``runs`` without any of ``subruns`` (those found on disk, adopting a tree):
    the workflow reports them in the PBSSDB log and ``summary.tsv`` instead of dropping them."""
    return sorted(set(runs) - {subrun.run for subrun in subruns})
