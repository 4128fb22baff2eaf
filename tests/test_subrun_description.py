"""What rule describe_subrun writes of a sub-run (status, SOAP), on the real sub-run 0 of run 21."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from glassbonds.descriptors import SoapParameters, load_soap
from glassbonds.io.status_file import read_status_file
from glassbonds.subrun_description import StatusEvidence, describe_subrun
from glassbonds.subrun_status import StatusCode

NC = "Zr49Cu49Al2"
STUDY = SoapParameters(
    species=("Zr", "Cu", "Al"), r_cut=3.75, n_max=8, l_max=6, sigma=0.5, periodic=True
)


def evidence(directory: Path) -> StatusEvidence:
    return StatusEvidence(
        scf_out=directory / f"{NC}.scf.out",
        scf_attempts=directory / "scf.attempts",  # the study had no recovery: absent
        lobster_log=directory / f"{NC}.lb.out",
        icohplist=directory / "ICOHPLIST.lobster",
        lobsterout=directory / "lobsterout",
    )


def test_the_real_subrun_is_done_with_one_unit_soap_vector_per_atom(subrun_dir, tmp_path):
    status_file, soap_file = tmp_path / "subrun.status", tmp_path / "SOAPS.npz"
    described = describe_subrun(
        subrun_dir / f"{NC}.xyz", evidence(subrun_dir), STUDY, status_file, soap_file
    )
    written = read_status_file(status_file)
    assert written.code is StatusCode.DONE is described.status.code
    assert written.icohp_bonds == 738
    record = load_soap(soap_file)
    natoms = int((subrun_dir / f"{NC}.xyz").read_text().split()[0])  # extended XYZ header
    assert record.vectors.shape == described.soap_shape and record.vectors.shape[0] == natoms
    assert np.allclose(np.linalg.norm(record.vectors, axis=1), 1.0, atol=1e-5)


def test_a_subrun_without_dft_output_is_not_run_yet(subrun_dir, tmp_path):
    # a sub-run not chosen for DFT (active_learning.dft_subruns "RUN/SUB"): no evidence files
    absent = evidence(tmp_path / "nothing-here")
    described = describe_subrun(
        subrun_dir / f"{NC}.xyz", absent, STUDY, tmp_path / "s.status", tmp_path / "S.npz"
    )
    assert read_status_file(tmp_path / "s.status").code is StatusCode.NOT_RUN_YET
    assert described.soap_shape[0] > 0  # its structure is still described


def test_a_structure_that_cannot_be_read_is_status_9_with_an_empty_soap(subrun_dir, tmp_path):
    xyz = tmp_path / f"{NC}.xyz"
    shutil.copy(subrun_dir / f"{NC}.xyz", xyz)
    lines = xyz.read_text().splitlines()
    lines[2] = lines[2].split()[0] + " nan 0.0 0.0"
    xyz.write_text("\n".join(lines) + "\n")
    described = describe_subrun(
        xyz, evidence(subrun_dir), STUDY, tmp_path / "s.status", tmp_path / "S.npz"
    )
    status = read_status_file(tmp_path / "s.status")
    assert status.code is StatusCode.SUBRUN_FILES_DEFECTIVE and str(xyz) in status.reason
    assert described.soap_shape == (0, 0) and load_soap(tmp_path / "S.npz").vectors.size == 0
