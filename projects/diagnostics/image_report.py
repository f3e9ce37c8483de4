"""Feature maps and Grad-CAM overlays for a few sample images: what a run leaves in its
``diagnostics/`` folder, at the end of training or from a checkpoint."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from projects.diagnostics.engine import engine_of
from projects.diagnostics.feature_maps import save_feature_maps
from projects.diagnostics.gradcam import grad_cam, plot_gradcam
from projects.diagnostics.hooks import last_spatial_layer, spatial_children


def sample_images(dataset: Any, count: int) -> tuple[torch.Tensor, list[int]]:
    """The first ``count`` examples of an image dataset as a (N, C, H, W) batch and labels."""
    n = min(count, len(dataset))
    if n == 0:
        raise ValueError("sample_images: the dataset is empty")
    examples = [dataset[i] for i in range(n)]
    images = [x for x, _ in examples]
    if not all(isinstance(x, torch.Tensor) and x.dim() == 3 for x in images):
        raise ValueError("sample_images: the dataset's inputs are not (C, H, W) image tensors")
    return torch.stack(images), [int(y) for _, y in examples]


def save_image_diagnostics(
    model: Any,
    images: Any,
    labels: Sequence[int],
    class_names: Sequence[str],
    out_dir: str | Path,
    feature_layers: Sequence[str] | None = None,
    gradcam_layer: str | None = None,
    feature_map_images: int = 2,
    feature_maps: bool = True,
    gradcam: bool = True,
) -> list[Path]:
    """Feature-map grids of ``feature_layers`` (default: three direct children with image-shaped
    outputs) for the first ``feature_map_images`` images, and one Grad-CAM grid of
    ``gradcam_layer`` (default: the last layer with a spatial output) for all of them."""
    out_dir = Path(out_dir)
    paths: list[Path] = []
    if feature_maps:
        layers = list(feature_layers) if feature_layers else spatial_children(model, images[:1])
        paths += save_feature_maps(model, images[:feature_map_images], layers, out_dir)
    if gradcam:
        layer = gradcam_layer or last_spatial_layer(model, images[:1])
        result = grad_cam(model, images, layer)
        pictures = engine_of(images).to_numpy(images)
        paths.append(plot_gradcam(pictures, result, out_dir / "gradcam.png", class_names, labels))
    return paths
