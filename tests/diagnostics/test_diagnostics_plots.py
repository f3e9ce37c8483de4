"""Every plot function writes a valid PNG of the expected size, atomically."""

from __future__ import annotations

import struct
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from diagnostics_models import images, torch_grid_net

from projects.diagnostics.feature_maps import plot_feature_maps
from projects.diagnostics.gradcam import grad_cam, plot_gradcam
from projects.diagnostics.gradient_flow import (
    HealthTracker,
    plot_activation_health,
    plot_gradient_flow,
    plot_update_ratios,
)
from projects.diagnostics.lr_finder import LRRange, plot_lr_range, smooth_losses

DPI = 110
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_png(path: Path, inches: tuple[float, float]) -> None:
    """PNG signature, IHDR size = figure size x dpi, matplotlib reads it back at that size, and no
    temporary file was left next to it."""
    raw = path.read_bytes()
    assert raw[:8] == PNG_SIGNATURE and raw[12:16] == b"IHDR"
    width, height = struct.unpack(">II", raw[16:24])
    assert (width, height) == (round(inches[0] * DPI), round(inches[1] * DPI))
    pixels = plt.imread(path)
    assert pixels.shape[:2] == (height, width) and pixels.std() > 0  # not a blank canvas
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


@pytest.fixture(scope="module")
def history() -> list:
    model = torch_grid_net()
    tracker = HealthTracker(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.from_numpy(images(8)), torch.arange(8) % 5
    for step in range(4):
        tracker.begin_step(step)
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        tracker.after_backward()
        optimizer.step()
        tracker.end_step()
    return tracker.history


def test_feature_map_grid(tmp_path: Path) -> None:
    maps = np.random.default_rng(0).standard_normal((8, 5, 5))
    path = plot_feature_maps(maps, tmp_path / "fm.png", "title", image=np.ones((1, 10, 10)))
    check_png(path, (1.6 * 3, 1.6 * 3 + 0.4))  # 9 tiles: 3 x 3
    check_png(plot_feature_maps(maps, tmp_path / "fm2.png", max_channels=2), (1.6 * 2, 1.6 + 0.4))
    with pytest.raises(ValueError, match=r"expected one image's maps \(C, H, W\), got shape \(2, 8, 5, 5\)"):
        plot_feature_maps(np.stack([maps, maps]), tmp_path / "bad.png")


def test_gradcam_grid(tmp_path: Path) -> None:
    x = images(3)
    result = grad_cam(torch_grid_net(), torch.from_numpy(x), "2")
    check_png(plot_gradcam(x, result, tmp_path / "gc.png", list("abcde"), [0, 1, 2]), (1.9 * 3, 4.6))


def test_health_plots(tmp_path: Path, history: list) -> None:
    check_png(plot_gradient_flow(history, tmp_path / "gf.png"), (9, 8))
    check_png(plot_activation_health(history, tmp_path / "ah.png"), (9, 10))
    check_png(plot_update_ratios(history, tmp_path / "ur.png"), (9, 4.5))
    with pytest.raises(ValueError, match="no gradient statistics"):
        plot_gradient_flow([], tmp_path / "empty.png")


def test_lr_range_plot(tmp_path: Path) -> None:
    lrs = np.logspace(-5, 0, 30)
    losses = 2.0 - np.tanh(np.log10(lrs) + 2.0) + np.where(lrs > 0.1, 5.0, 0.0)
    result = LRRange(lrs, losses, smooth_losses(losses, 0.5), 10, True)
    check_png(plot_lr_range(result, tmp_path / "lr.png"), (7, 4.5))
