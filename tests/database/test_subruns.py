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
    usable_subruns,
)
from glassbonds.descriptors import save_soap
from glassbonds.errors import InputError
from glassbonds.subrun_status import StatusCode
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
