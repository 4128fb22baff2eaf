"""Matplotlib figures without pyplot's global state (safe in rule jobs without a display)."""

from __future__ import annotations

from pathlib import Path

from glassbonds.files import atomic_path


def pyplot_free_figure(width: float = 8.0, height: float = 6.0):
    """A bare Figure on the Agg canvas (no global pyplot state), size in inches."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def save_figure(figure, path: str | Path) -> None:
    """Write a figure as PNG (100 dpi), atomically."""
    with atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=100)
