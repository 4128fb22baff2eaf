"""Fixtures shared by the inference tests (models fitted on a small synthetic cell)."""

from tests.inference.test_frames import trained  # noqa: F401
