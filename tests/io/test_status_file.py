"""The sub-run status file and the status bundle of a describe_subrun job: written, read
back, and malformed or missing files named."""

from __future__ import annotations

from pathlib import Path

import pytest

from glassbonds.errors import InputError
from glassbonds.io.status_file import (
    bundled_statuses,
    read_status_bundles,
    read_status_file,
    status_key,
    write_status_bundle,
    write_status_file,
)
from glassbonds.subrun_status import StatusCode, SubRunStatus, determine_status

NC = "Zr49Cu49Al2"


def test_status_file_round_trip(subrun_dir: Path, tmp_path: Path) -> None:
    """The status of the real sub-run without its ICOHPLIST (code 5) written and read back."""
    status = determine_status(subrun_dir / f"{NC}.scf.out", subrun_dir / f"{NC}.lb.out", None)
    path = tmp_path / "out" / "subrun.status"
    write_status_file(path, status)
    text = path.read_text()
    assert "code: 5\n" in text and "name: SCF_CONVERGED_BUT_NO_ICOHP\n" in text
    assert "icohp_bonds: none\n" in text and "lobster_interactions: 738\n" in text
    assert read_status_file(path) == status
    assert [p.name for p in path.parent.iterdir()] == ["subrun.status"]


@pytest.mark.parametrize(
    "content",
    [
        "",
        "code: 10\n",
        "code: 1\nscf_converged: maybe\n",
        "code: 1\nscf_converged: true\nscf_finished: true\nlobster_finished: true\n"
        "lobster_interactions: many\n",
    ],
)
def test_malformed_status_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "subrun.status"
    path.write_text(content)
    with pytest.raises(InputError, match=r"subrun\.status"):
        read_status_file(path)


def test_missing_status_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_status_file(tmp_path / "subrun.status")


def test_a_bundle_holds_each_subrun_status_as_its_status_file_would(
    subrun_dir: Path, tmp_path: Path
) -> None:
    """The real sub-run's status (code 5, every evidence field set) and a defective one,
    bundled and read back by name, in the order asked for; the bundle's blocks are the
    status files' lines."""
    real = determine_status(subrun_dir / f"{NC}.scf.out", subrun_dir / f"{NC}.lb.out", None)
    defective = SubRunStatus(StatusCode.SUBRUN_FILES_DEFECTIVE, "subrun: no cell in x.xyz")
    keys = [status_key(NC, 100, 21, 0), status_key(NC, "100", "21", "14")]
    bundle = tmp_path / "subrun-statuses" / NC / "100" / "21.status"
    write_status_bundle(bundle, list(zip(keys, [real, defective], strict=True)))
    write_status_file(tmp_path / "subrun.status", real)
    block = bundle.read_text().split("\n\n")[0]
    assert block == f"subrun: {NC}/100/21/0\n" + (tmp_path / "subrun.status").read_text().strip()
    assert read_status_bundles([bundle]) == {keys[0]: real, keys[1]: defective}
    assert bundled_statuses(keys[::-1], [bundle]) == [defective, real]


def test_a_subrun_missing_from_the_bundles_or_named_twice_is_an_error(tmp_path: Path) -> None:
    done = SubRunStatus(StatusCode.DONE, "test")
    first, second = tmp_path / "1.status", tmp_path / "2.status"
    write_status_bundle(first, [(status_key(NC, 100, 1, 0), done)])
    write_status_bundle(second, [(status_key(NC, 100, 1, 0), done)])
    with pytest.raises(
        InputError, match=r"1\.status: no status for sub-run\(s\) \['Zr49Cu49Al2/100/1/3'\]"
    ):
        bundled_statuses([status_key(NC, 100, 1, 3)], [first])
    with pytest.raises(InputError, match=r"2\.status.*Zr49Cu49Al2/100/1/0 has a status already"):
        read_status_bundles([first, second])
    with pytest.raises(ValueError, match="named twice"):
        write_status_bundle(first, [(status_key(NC, 100, 1, 0), done)] * 2)


@pytest.mark.parametrize("content", ["", "code: 1\n", "subrun: Zr49Cu49Al2/100/1/0\ncode: 12\n"])
def test_malformed_status_bundle(tmp_path: Path, content: str) -> None:
    path = tmp_path / "1.status"
    path.write_text(content)
    with pytest.raises(InputError, match=r"1\.status"):
        read_status_bundles([path])
