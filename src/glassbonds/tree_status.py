"""Where every sub-run of a data tree stands, without running anything.

The morning question on the cluster: per composition and run, how many sub-runs have only
their inputs, are waiting for or failed in QE, converged, have LOBSTER output, and are in the
composition's database. Each sub-run is counted once, at the furthest stage it reached:
the stage columns are exclusive and sum to the sub-run count. ``scf.out`` files are searched
whole through a memory map (no decoding, no line splitting), because the convergence line of
a converged cell is followed by the band energies and forces: 57 KB for the study's 100
atoms, more for bigger cells.
"""

from __future__ import annotations

import json
import mmap
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from glassbonds.composition import parse_composition
from glassbonds.errors import InputError
from glassbonds.tree import SubRun, discover_subruns

STAGES = (
    "no QE yet",
    "QE unfinished",
    "QE not converged",
    "converged",
    "LOBSTER done",
    "in database",
)
HEADER = "sub-runs per stage; each sub-run counted once, at its furthest stage (exclusive)"


@dataclass(frozen=True)
class TreeLayout:
    """Where this read-only tool looks in a tree: the paths as the workflow's rules declare
    them (rules subrun_inputs, qe_scf, lobster, pbssdb; fields ``{root}``, ``{nc}``,
    ``{nat}``, ``{run}``, ``{snapshot}``, ``{sub}``). The workflow never reads this;
    ``tests/test_workflow_paths.py`` checks it against the rules' outputs."""

    subrun_dir: str = "{root}/{nc}/c/md/lammps/{nat}/{run}/{snapshot}/{sub}"
    scf_out: str = "{nc}.scf.out"  # in subrun_dir, rule qe_scf
    icohplist: str = "ICOHPLIST.lobster"  # in subrun_dir, rule lobster
    pbssdb_metadata: str = "{root}/{nc}-PBSSDB/metadata.json"  # rule pbssdb

    def subrun_file(self, root: str | Path, subrun: SubRun, name: str) -> Path:
        """``name`` (one of the file fields) of one sub-run."""
        directory = self.subrun_dir.format(
            root=root,
            nc=subrun.nc,
            nat=subrun.nat,
            run=subrun.run,
            snapshot=subrun.snapshot,
            sub=subrun.sub,
        )
        return Path(directory) / getattr(self, name).format(nc=subrun.nc)

    def cell_sizes_dir(self, root: str | Path, nc: str) -> Path:
        """The directory holding a composition's ``{nat}`` directories."""
        return Path(self.subrun_dir.split("{nat}")[0].format(root=root, nc=nc))


STUDY_LAYOUT = TreeLayout()


def _scf_outcome(path: Path) -> str:
    """'converged', 'not converged' or 'unfinished', searching the whole file."""
    with open(path, "rb") as stream:
        if stream.seek(0, 2) == 0:
            return "unfinished"
        with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if data.find(b"convergence has been achieved") >= 0:
                return "converged"
            if data.find(b"convergence NOT achieved") >= 0:
                return "not converged"
    return "unfinished"


def subrun_stage(
    root: str | Path, subrun: SubRun, in_database: bool, layout: TreeLayout = STUDY_LAYOUT
) -> str:
    """The furthest stage one sub-run has reached (one of :data:`STAGES`)."""
    if in_database:
        return "in database"
    icohplist = layout.subrun_file(root, subrun, "icohplist")
    if icohplist.is_file() and icohplist.stat().st_size > 0:
        return "LOBSTER done"
    scf_out = layout.subrun_file(root, subrun, "scf_out")
    if not scf_out.is_file():
        return "no QE yet"
    outcome = _scf_outcome(scf_out)
    if outcome == "converged":
        return "converged"
    if outcome == "not converged":
        return "QE not converged"
    return "QE unfinished"


def database_members(
    root: str | Path, nc: str, layout: TreeLayout = STUDY_LAYOUT
) -> set[tuple[int, int]]:
    """(run, sub-run) pairs recorded in the provenance of a composition's PBSSDB store."""
    metadata = Path(layout.pbssdb_metadata.format(root=root, nc=nc))
    if not metadata.is_file():
        return set()
    provenance = json.loads(metadata.read_text()).get("provenance", [])
    return {(int(p["run"]), int(p["subrun"])) for p in provenance}


def _is_composition(name: str) -> bool:
    try:
        parse_composition(name)
    except (InputError, ValueError):
        return False
    return True


def compositions_in(root: str | Path, layout: TreeLayout = STUDY_LAYOUT) -> list[str]:
    """Compositions that have an MD tree under ``root`` (not the derived ``<NC>-SOAPS``,
    ``<NC>-PBSSDB`` ... trees, which mirror its layout)."""
    pattern = layout.cell_sizes_dir(root, "*").relative_to(root)
    names = (p.relative_to(root).parts[0] for p in Path(root).glob(str(pattern)))
    return sorted(name for name in names if _is_composition(name))


@dataclass(frozen=True)
class TreeStatus:
    """Counts of sub-runs per stage, one row per composition and run."""

    table: pd.DataFrame

    def text(self) -> str:
        if self.table.empty:
            return "no sub-run found"
        return f"{HEADER}\n{self.table.to_string(index=False)}"


def tree_status(
    root: str | Path,
    compositions: list[str] | None = None,
    snapshot: str = "2000",
    layout: TreeLayout = STUDY_LAYOUT,
) -> TreeStatus:
    """Walk ``root`` and count sub-runs per stage for every composition, cell size and run."""
    rows = []
    for nc in compositions or compositions_in(root):
        members = database_members(root, nc, layout)
        for nat_dir in sorted(layout.cell_sizes_dir(root, nc).glob("*")):
            if not nat_dir.name.isdigit():
                continue
            pattern = layout.subrun_dir.format(
                root=root, nc=nc, nat=nat_dir.name, snapshot=snapshot, run="{run}", sub="{sub}"
            )
            subruns = discover_subruns(pattern, nc, int(nat_dir.name), snapshot)
            per_run: dict[int, Counter] = {}
            for subrun in subruns:
                in_database = (subrun.run, subrun.sub) in members
                stage = subrun_stage(root, subrun, in_database, layout)
                per_run.setdefault(subrun.run, Counter())[stage] += 1
            for run, counts in sorted(per_run.items()):
                rows.append(
                    {
                        "composition": nc,
                        "natoms": int(nat_dir.name),
                        "run": run,
                        "sub-runs": sum(counts.values()),
                        **{stage: counts.get(stage, 0) for stage in STAGES},
                    }
                )
    return TreeStatus(pd.DataFrame(rows))
