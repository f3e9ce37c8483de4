"""Saving figures atomically and turning a network input back into a picture."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

if "matplotlib.pyplot" not in sys.modules:  # a script draws off-screen; a notebook keeps its backend
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from projects.common.atomic import atomic_write  # noqa: E402


def save_figure(fig: plt.Figure, path: str | Path, dpi: int = 110) -> Path:
    """Write ``fig`` as a PNG to a temporary file next to ``path``, rename it into place, close it."""
    path = Path(path)
    try:
        with atomic_write(path) as f:
            fig.savefig(f, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return path


def to_display(image: np.ndarray) -> np.ndarray:
    """A (C, H, W) network input (normalized, any range) as an (H, W) or (H, W, 3) picture in
    [0, 1]: each image is min-max scaled, which undoes any per-channel-free normalization."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 3 or image.shape[0] not in (1, 3):
        raise ValueError(f"to_display: expected a (1 or 3, H, W) image, got shape {image.shape}")
    lo, hi = image.min(), image.max()
    scaled = (image - lo) / (hi - lo) if hi > lo else np.zeros_like(image)
    return scaled[0] if image.shape[0] == 1 else scaled.transpose(1, 2, 0)
