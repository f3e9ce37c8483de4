"""Grad-CAM (Selvaraju et al., 2017): where in the image the evidence for a class lies.

For a target layer with output ``A`` (N, C, h, w) and the score ``y_c`` of class ``c`` (the
logit, before softmax):

    alpha_k = (1 / hw) * sum_ij dy_c / dA_k[i, j]        (one weight per channel)
    map     = relu(sum_k alpha_k * A_k)                   (h, w): only evidence *for* c
    cam     = normalize(bilinear_upsample(map, H, W))     (H, W) in [0, 1]

``A`` is kept by a forward hook on the layer; ``dy_c/dA`` is caught by a tensor hook
(``A.register_hook``) during the backward pass. Both hooks are removed afterwards, the model runs
in eval mode, and the parameters' ``.grad`` are left exactly as they were.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from projects.diagnostics.engine import engine_of, eval_mode
from projects.diagnostics.figures import plt, save_figure, to_display
from projects.diagnostics.hooks import forward_hooks


@dataclass
class GradCam:
    """The result for N images."""

    layer: str
    classes: np.ndarray  # (N,) the class explained for each image
    logits: np.ndarray  # (N, classes) the model's outputs
    weights: np.ndarray  # (N, C) alpha_k
    maps: np.ndarray  # (N, h, w) relu(sum_k alpha_k A_k), at the layer's resolution
    cams: np.ndarray  # (N, H, W) maps upsampled to the input size, each scaled to [0, 1]


@contextlib.contextmanager
def preserved_grads(model: Any) -> Iterator[None]:
    """Leave every parameter's ``.grad`` as it was before the block (a diagnostic's backward
    must not add to the gradients of a training step)."""
    saved = [(p, p.grad) for p in model.parameters()]
    for p, _ in saved:
        p.grad = None
    try:
        yield
    finally:
        for p, grad in saved:
            p.grad = grad


def bilinear_matrix(out_size: int, in_size: int) -> np.ndarray:
    """The (out, in) matrix of 1-D linear interpolation with half-pixel centres (torch's
    ``interpolate(mode="bilinear", align_corners=False)``): output pixel ``o`` samples the input at
    ``max((o + 0.5) * in / out - 0.5, 0)``, mixing its two neighbours."""
    src = np.maximum((np.arange(out_size) + 0.5) * (in_size / out_size) - 0.5, 0.0)
    low = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    high = np.minimum(low + 1, in_size - 1)
    frac = src - low
    m = np.zeros((out_size, in_size))
    np.add.at(m, (np.arange(out_size), low), 1.0 - frac)
    np.add.at(m, (np.arange(out_size), high), frac)
    return m


def upsample_bilinear(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(N, h, w) -> (N, H, W): bilinear interpolation is separable, ``R @ map @ C^T``."""
    rows = bilinear_matrix(size[0], maps.shape[1])
    cols = bilinear_matrix(size[1], maps.shape[2])
    return rows @ maps @ cols.T


def normalize_maps(maps: np.ndarray) -> np.ndarray:
    """Scale each map to [0, 1] (``(m - min) / (max - min)``; a constant map becomes 0)."""
    lo = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - lo
    return np.where(span > 0, (maps - lo) / np.where(span > 0, span, 1.0), 0.0)


def grad_cam(model: Any, inputs: Any, layer: str, target: int | Sequence[int] | None = None) -> GradCam:
    """Grad-CAM of ``layer`` for ``inputs`` (N, C, H, W): for class ``target`` (one for all
    images, or one per image), or for each image's predicted class when ``target`` is None."""
    engine = engine_of(model)
    images = engine.to_numpy(inputs)
    if images.ndim != 4:
        raise ValueError(f"grad_cam: expected inputs of shape (N, C, H, W), got {images.shape}")
    kept: dict[str, Any] = {}

    def on_grad(grad: Any) -> None:
        kept["grad"] = engine.to_numpy(grad)

    def on_forward(name: str, _inputs: tuple, output: Any) -> None:
        if not engine.is_tensor(output) or output.ndim != 4:
            shape = tuple(output.shape) if engine.is_tensor(output) else type(output).__name__
            raise ValueError(f"grad_cam: layer {name!r} output is {shape}, not a (N, C, h, w) map")
        kept["activation"] = engine.to_numpy(output)
        kept["handle"] = output.register_hook(on_grad)

    x = engine.tensor_like_params(model, images, requires_grad=True)  # so A needs grad even if frozen
    try:
        with forward_hooks(model, {layer: on_forward}), eval_mode(model), preserved_grads(model):
            with engine.enable_grad():
                logits = model(x)
                scores = engine.to_numpy(logits)
                classes = _targets(target, scores)
                onehot = np.zeros_like(scores)
                onehot[np.arange(len(classes)), classes] = 1.0
                (logits * engine.tensor_like_params(model, onehot)).sum().backward()  # sum_n y_{c_n}
    finally:
        if "handle" in kept:
            kept["handle"].remove()
    if "grad" not in kept:
        raise RuntimeError(f"grad_cam: the class score does not depend on layer {layer!r}")
    activation, grad = kept["activation"].astype(np.float64), kept["grad"].astype(np.float64)
    weights = grad.mean(axis=(2, 3))
    maps = np.maximum(np.einsum("nc,nchw->nhw", weights, activation), 0.0)
    cams = normalize_maps(upsample_bilinear(maps, images.shape[2:]))
    return GradCam(layer, classes, scores, weights, maps, cams)


def _targets(target: int | Sequence[int] | None, scores: np.ndarray) -> np.ndarray:
    n, num_classes = scores.shape
    if target is None:
        return scores.argmax(axis=1)
    classes = np.broadcast_to(np.asarray(target, dtype=np.int64), (n,)).copy()
    if classes.min() < 0 or classes.max() >= num_classes:
        raise ValueError(f"grad_cam: target class {target} out of range for {num_classes} outputs")
    return classes


def overlay(image: np.ndarray, cam: np.ndarray, alpha: float = 0.45, cmap: str = "jet") -> np.ndarray:
    """The image (C, H, W) in gray or color with the heat map ``cam`` (H, W) in [0, 1] blended on
    top: ``(1 - alpha) * image + alpha * colormap(cam)``, an (H, W, 3) array in [0, 1]."""
    picture = to_display(image)
    if picture.ndim == 2:
        picture = np.repeat(picture[..., None], 3, axis=2)
    if picture.shape[:2] != cam.shape:
        raise ValueError(f"overlay: image is {picture.shape[:2]} but the map is {cam.shape}")
    heat = plt.get_cmap(cmap)(cam)[..., :3]
    return (1.0 - alpha) * picture + alpha * heat


def plot_gradcam(
    images: np.ndarray,
    result: GradCam,
    path: str | Path,
    class_names: Sequence[str] | None = None,
    labels: Sequence[int] | None = None,
) -> Path:
    """A grid: each image (top row) over its Grad-CAM overlay (bottom row), titled with the true
    label (when given), the class explained and its probability."""
    n = len(images)
    if n != len(result.cams):
        raise ValueError(f"plot_gradcam: {n} images but {len(result.cams)} maps")
    names = list(class_names) if class_names else [str(i) for i in range(result.logits.shape[1])]
    z = result.logits - result.logits.max(axis=1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    fig, axes = plt.subplots(2, n, figsize=(1.9 * n, 4.6), squeeze=False)
    for i in range(n):
        picture = to_display(images[i])
        c = result.classes[i]
        truth = f"true {names[labels[i]]}, " if labels is not None else ""
        empty = "\n(no positive evidence)" if result.maps[i].max() <= 0 else ""
        axes[0, i].imshow(picture, cmap="gray" if picture.ndim == 2 else None)
        axes[0, i].set_title(
            f"{truth}cam for {names[c]}\np({names[c]}) = {probs[i, c]:.2f}{empty}", fontsize=8
        )
        axes[1, i].imshow(overlay(images[i], result.cams[i]))
        for ax in axes[:, i]:
            ax.axis("off")
    fig.suptitle(f"Grad-CAM at layer {result.layer!r}", fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path)
