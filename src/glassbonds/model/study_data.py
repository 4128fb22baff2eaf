"""The study's real run 21 (Zr49Cu49Al2, 100 atoms, 15 sub-runs) as a bond database store.

Used by the grouped-CV tests, ``bench/grouped_cv_run21.py`` and the README's accuracy
figures. The store is built the way the workflow adopts a tree (``subrun_source: existing``):
status from the sub-run's own files, SOAP with the config's default descriptor, then
:func:`glassbonds.database.pbssdb.build_pbssdb`; it is written to a cache directory (never
into the study data or the repository). Sub-run 13 is not converged (status 2), so the
store holds 14 sub-runs: 4,931 Zr-Cu, 2,246 Zr-Zr, 1,652 Cu-Cu, 222 Zr-Al, 136 Cu-Al bonds.
"""

from __future__ import annotations

from pathlib import Path

from glassbonds.errors import InputError

RUN21 = Path("G/Zr49Cu49Al2/c/md/lammps/100/21/2000")
NC = "Zr49Cu49Al2"
SPECIES = ("Zr", "Cu", "Al")


def run21_directory(study_data: str | Path) -> Path:
    """The run-21 snapshot directory inside the study data (``.../21/2000``)."""
    path = Path(study_data) / RUN21
    if not path.is_dir():
        raise InputError(
            path, "run 21 of the study is absent", "point to ../shared/data/prm-4-113603"
        )
    return path


def run21_subrun_files(study_data: str | Path, soap_dir: str | Path) -> list:
    """The 15 real sub-runs of run 21 as :class:`~glassbonds.database.subruns.SubRunFiles`:
    status from their own files, SOAP (the config's default descriptor) computed into
    ``soap_dir`` for the usable ones unless already there."""
    import ase.io

    from glassbonds.config_defaults import study_soap_parameters
    from glassbonds.database.subruns import SubRunFiles
    from glassbonds.descriptors import save_soap, soap_vectors
    from glassbonds.subrun_status import determine_status
    from glassbonds.tree import SubRun

    run_dir = run21_directory(study_data)
    parameters = study_soap_parameters(SPECIES)
    soap_dir = Path(soap_dir)
    soap_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for sub in range(15):
        path = run_dir / str(sub)
        status = determine_status(
            path / f"{NC}.scf.out",
            path / f"{NC}.lb.out",
            path / "ICOHPLIST.lobster",
            path / "lobsterout",
        )
        soap_path = soap_dir / f"{sub}.npz"
        if status.usable and not soap_path.is_file():
            atoms = ase.io.read(path / f"{NC}.xyz")
            save_soap(
                soap_path,
                soap_vectors(atoms, parameters),
                parameters,
                atoms.get_chemical_symbols(),
            )
        files.append(
            SubRunFiles(
                subrun=SubRun(NC, 100, 21, sub),
                status_code=status.code.study_code,
                status_reason=status.reason,
                xyz=path / f"{NC}.xyz",
                icohplist=path / "ICOHPLIST.lobster",
                neighbours=path / "lobsterin-quippy",
                soap=soap_path,
                provenance=status.provenance(),
            )
        )
    return files


def build_run21_store(study_data: str | Path, directory: str | Path) -> Path:
    """Build (once) the store of run 21 in ``directory``; returns it. Reuses a finished store."""
    from glassbonds.config_defaults import study_soap_parameters
    from glassbonds.database.pbssdb import build_pbssdb
    from glassbonds.database.store import save_store

    directory = Path(directory)
    if (directory / "metadata.json").is_file():
        return directory
    files = run21_subrun_files(study_data, directory / "soap")
    parameters = study_soap_parameters(SPECIES)
    result = build_pbssdb(NC, files, SPECIES, parameters.as_dict())
    save_store(result.database, directory)
    return directory
