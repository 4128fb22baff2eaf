"""The study's directory tree (PRM 4, 113603) as path patterns, rooted at a user's ``root``.

The same patterns serve as Snakemake file targets (``{nc}``, ``{nat}``, ``{run}``, ``{sub}``
are wildcards) and as paths for the library, so an existing tree is adopted as it is::

    <root>/<NC>/c/md/lammps/<NAT>/<RUN>/<NC>.lmp.inp ... zca-th300.dump
    <root>/<NC>/c/md/lammps/<NAT>/<RUN>/<SNAP>/<SUB>/<NC>.scf.in ... ICOHPLIST.lobster
    <root>/<NC>-SOAPS/c/md/lammps/<NAT>/<RUN>/<SNAP>/<SUB>/SOAPS.npz
    <root>/<NC>-PBSSDB/<A>-<B>.bnd ND.info DUB.info
    <root>/<DBNAME>/<DBNAME>_<A>-<B>.bnd ...
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

RUN_DIR = "{root}/{nc}/c/md/lammps/{nat}/{run}"
SUBRUN_DIR = RUN_DIR + "/{snapshot}/{sub}"
SOAP_FILE = "{root}/{nc}-SOAPS/c/md/lammps/{nat}/{run}/{snapshot}/{sub}/SOAPS.npz"
PBSSDB_DIR = "{root}/{nc}-PBSSDB"
MIXED_DIR = "{root}/{db}"

# File names inside a sub-run directory (study names; status is this workflow's addition).
SUBRUN_FILES = {
    "xyz": "{nc}.xyz",
    "scf_in": "{nc}.scf.in",
    "scf_out": "{nc}.scf.out",
    "lobsterin": "lobsterin",
    "neighbours": "lobsterin-quippy",
    "lobster_log": "{nc}.lb.out",
    "lobsterout": "lobsterout",
    "icohplist": "ICOHPLIST.lobster",
    "status": "subrun.status",
}


@dataclass(frozen=True)
class SubRun:
    """One sub-run of one MD run: composition, cell size, run number, sub-run number."""

    nc: str
    nat: int
    run: int
    sub: int
    snapshot: str = "2000"

    def directory(self, root: str | Path) -> Path:
        return Path(
            SUBRUN_DIR.format(
                root=root,
                nc=self.nc,
                nat=self.nat,
                run=self.run,
                snapshot=self.snapshot,
                sub=self.sub,
            )
        )

    def file(self, root: str | Path, kind: str) -> Path:
        """Path of one of :data:`SUBRUN_FILES` (``kind`` is its key)."""
        return self.directory(root) / SUBRUN_FILES[kind].format(nc=self.nc)

    def soap_file(self, root: str | Path) -> Path:
        return Path(
            SOAP_FILE.format(
                root=root,
                nc=self.nc,
                nat=self.nat,
                run=self.run,
                snapshot=self.snapshot,
                sub=self.sub,
            )
        )


def discover_subruns(root: str | Path, nc: str, nat: int, snapshot: str = "2000") -> list[SubRun]:
    """Sub-runs present on disk for one composition (adopting an existing tree)."""
    base = Path(RUN_DIR.format(root=root, nc=nc, nat=nat, run="_")).parent
    found = []
    for run_dir in sorted(base.glob("*"), key=lambda p: (len(p.name), p.name)):
        if not run_dir.name.isdigit():
            continue
        for sub_dir in sorted((run_dir / snapshot).glob("*"), key=lambda p: (len(p.name), p.name)):
            if sub_dir.name.isdigit() and sub_dir.is_dir():
                found.append(SubRun(nc, nat, int(run_dir.name), int(sub_dir.name), snapshot))
    return found


def missing_runs(
    root: str | Path, nc: str, nat: int, runs: list[int], snapshot: str = "2000"
) -> list[int]:
    """Configured ``runs`` that have no sub-run directory on disk (adopting a tree): the
    workflow reports them in the PBSSDB log and ``summary.tsv`` instead of dropping them."""
    found = {subrun.run for subrun in discover_subruns(root, nc, nat, snapshot)}
    return sorted(set(runs) - found)
