"""Feature maps: what each channel of a layer responds to, for one input image.

A forward hook keeps the layer's output ``A`` of shape (N, C, H, W); channel ``k`` of image
``n`` is the map ``A[n, k]``, drawn as one tile of a grid (each tile scaled to its own range,
bright = strong response), next to the input image.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from projects.diagnostics.engine import engine_of, eval_mode
from projects.diagnostics.figures import plt, save_figure, to_display
from projects.diagnostics.hooks import capture


def feature_maps(model: Any, inputs: Any, layers: Sequence[str]) -> dict[str, np.ndarray]:
    """The output of each named layer for ``inputs`` (eval mode, no grad), as NumPy arrays."""
    engine = engine_of(model)
    with capture(model, layers) as outputs, eval_mode(model), engine.no_grad():
        model(inputs)
    return {name: outputs[name] for name in layers}


def plot_feature_maps(
    maps: np.ndarray,
    path: str | Path,
    title: str = "",
    image: np.ndarray | None = None,
    max_channels: int = 32,
) -> Path:
    """One image's maps (C, H, W) as a grid of the first ``max_channels`` channels, after the
    input ``image`` (C, H, W) when given."""
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise ValueError(f"plot_feature_maps: expected one image's maps (C, H, W), got shape {maps.shape}")
    shown = min(len(maps), max_channels)
    tiles = shown + (image is not None)
    cols = math.ceil(math.sqrt(tiles))
    rows = math.ceil(tiles / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.6 * rows + 0.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    flat = list(axes.flat)
    if image is not None:
        picture, ax = to_display(image), flat.pop(0)
        ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None)
        ax.set_title("input", fontsize=8)
    for k, ax in zip(range(shown), flat, strict=False):
        ax.imshow(maps[k], cmap="viridis")
        ax.set_title(f"ch {k}", fontsize=7)
    fig.suptitle(title or f"feature maps ({shown} of {len(maps)} channels)", fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path)


def save_feature_maps(
    model: Any, inputs: Any, layers: Sequence[str], out_dir: str | Path, max_channels: int = 32
) -> list[Path]:
    """``feature_maps_<layer>_<i>.png`` in ``out_dir`` for every layer and every input image."""
    images = engine_of(inputs).to_numpy(inputs)
    paths = []
    for layer, maps in feature_maps(model, inputs, layers).items():
        if maps.ndim != 4:
            raise ValueError(
                f"save_feature_maps: layer {layer!r} output has shape {maps.shape}, not (N, C, H, W)"
            )
        for i, (image, m) in enumerate(zip(images, maps, strict=True)):
            title = f"{layer}: {m.shape[0]} channels of {m.shape[1]}x{m.shape[2]} (image {i})"
            paths.append(
                plot_feature_maps(
                    m, Path(out_dir) / f"feature_maps_{layer}_{i}.png", title, image, max_channels
                )
            )
    return paths
