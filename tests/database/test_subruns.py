"""Which sub-runs enter a database: status, defective files, SOAP made with other parameters
(the study's real sub-run 0 of run 21, with stand-in SOAP vectors)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from glassbonds.config_defaults import study_soap_parameters
from glassbonds.database.subruns import (
    DEFECTIVE_CODE,
    DescriptorMismatch,
    SubRunFiles,
    declared_subrun_files,
    subrun_statuses,
    usable_subruns,
)
from glassbonds.descriptors import save_soap
from glassbonds.errors import InputError
from glassbonds.io.status_file import status_key, write_status_bundle
from glassbonds.subrun_status import StatusCode, SubRunStatus
from glassbonds.tree import SubRun

NC = "Zr49Cu49Al2"


def _files(subrun_dir: Path, sub: int, code: int, soap: Path) -> SubRunFiles:
    return SubRunFiles(
        subrun=SubRun(NC, 100, 21, sub),
        status_code=code,
        status_reason=f"reason of {sub}",
        xyz=subrun_dir / f"{NC}.xyz",
        icohplist=subrun_dir / "ICOHPLIST.lobster",
        neighbours=subrun_dir / "lobsterin-quippy",
        soap=soap,
    )


@pytest.fixture
def soap_file(tmp_path) -> tuple[Path, dict]:
    """100 stand-in vectors recorded with the study's parameters (read_subrun checks those)."""
    parameters = study_soap_parameters()
    path = tmp_path / "SOAPS.npz"
    vectors = np.random.default_rng(0).random((100, 5))
    save_soap(path, vectors, parameters, ["Zr"] * 100)
    return path, parameters.as_dict()


def test_only_usable_subruns_are_read_and_the_others_recorded(subrun_dir, soap_file):
    soap, descriptor = soap_file
    codes = [1, int(StatusCode.SCF_NOT_CONVERGED), 4, 1]
    subruns = [_files(subrun_dir, sub, code, soap) for sub, code in enumerate(codes)]

    def process(data):
        if data.files.subrun.sub == 3:
            raise InputError("x", "spoilt on purpose")
        return len(data.icohp)

    not_done: list = []
    entered = [
        (d.files.subrun.sub, n) for d, n in usable_subruns(subruns, descriptor, not_done, process)
    ]
    assert entered == [(0, 738), (2, 738)]
    assert not_done == [
        (21, 1, int(StatusCode.SCF_NOT_CONVERGED), "reason of 1"),
        (21, 3, DEFECTIVE_CODE, "x: spoilt on purpose"),
    ]


def test_a_missing_file_makes_the_subrun_defective(subrun_dir, soap_file, tmp_path):
    soap, descriptor = soap_file
    files = _files(subrun_dir, 0, 1, soap)
    files.neighbours = tmp_path / "absent"
    not_done: list = []
    assert list(usable_subruns([files], descriptor, not_done, lambda data: None)) == []
    assert not_done[0][:3] == (21, 0, DEFECTIVE_CODE) and "absent" in not_done[0][3]


def test_soap_made_with_other_parameters_stops_the_build(subrun_dir, soap_file):
    soap, _ = soap_file
    other = replace(study_soap_parameters(), r_cut=4.0).as_dict()
    with pytest.raises(DescriptorMismatch, match="SOAP parameters"):
        list(usable_subruns([_files(subrun_dir, 0, 1, soap)], other, [], lambda data: None))


def test_statuses_come_from_the_bundles_by_subrun_and_set_code_reason_and_provenance(
    subrun_dir, soap_file, tmp_path
):
    """What rules pbssdb and pcssdb pass: each sub-run's status found by name in the bundles
    of the describe_subrun jobs (sub-runs of two runs, asked for out of bundle order)."""
    soap, _ = soap_file
    done = SubRunStatus(StatusCode.DONE, "converged", pw_program={"name": "pw.x"})
    failed = SubRunStatus(StatusCode.SCF_NOT_CONVERGED, "scf not converged")
    bundles = [tmp_path / "21.status", tmp_path / "22.status"]
    write_status_bundle(bundles[0], [(status_key(NC, 100, 21, 0), done)])
    write_status_bundle(bundles[1], [(status_key(NC, 100, 22, s), failed) for s in (0, 1)])
    subruns = [SubRun(NC, 100, 22, 1), SubRun(NC, 100, 21, 0)]
    statuses = subrun_statuses(subruns, bundles)
    assert statuses == [failed, done]
    xyz = [subrun_dir / f"{NC}.xyz"] * 2
    files = declared_subrun_files(subruns, statuses, xyz, [soap] * 2, [], [])
    assert [(f.subrun, f.status_code, f.status_reason) for f in files] == [
        (subruns[0], StatusCode.SCF_NOT_CONVERGED.study_code, "scf not converged"),
        (subruns[1], StatusCode.DONE.study_code, "converged"),
    ]
    assert files[1].provenance == done.provenance()
    with pytest.raises(InputError, match=r"Zr49Cu49Al2/100/23/0"):
        subrun_statuses([SubRun(NC, 100, 23, 0)], bundles)
