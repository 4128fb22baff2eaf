"""Fixtures of the model tests: the study's run 21 as a bond database store."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def run21_store(study_data, tmp_path_factory):
    """Run 21 adopted as the workflow does (status, SOAP, PBSSDB), built once per session."""
    from glassbonds.model.study_data import build_run21_store

    return build_run21_store(study_data, tmp_path_factory.mktemp("run21") / "store")
