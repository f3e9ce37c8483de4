"""Chapter: model debugging and visualization (模型调试与可视化): the Grad-CAM weighting."""

from __future__ import annotations

import numpy as np
import torch

from comparisons.selfcheck.exercise import Case, Classic, Exercise, register
from comparisons.selfcheck.exercises.common import randn, tensor
from comparisons.selfcheck.solutions.debugging import gradcam_weights


def _from_a_cnn(rng: np.random.Generator, n: int, size: int, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """The activations of a small torch CNN's last conv layer and the gradient of the top class's
    score with respect to them: what a Grad-CAM hook collects."""
    torch.manual_seed(int(rng.integers(1 << 30)))
    features = torch.nn.Sequential(torch.nn.Conv2d(3, channels, 3, padding=1), torch.nn.ReLU()).double()
    head = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(channels * size * size, 4)).double()
    activations = features(tensor(randn(rng, n, 3, size, size)))
    activations.retain_grad()
    scores = head(activations)
    scores.gather(1, scores.argmax(1, keepdim=True)).sum().backward()
    return activations.detach().numpy(), activations.grad.numpy()


def _cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case("a CNN's layer (2, 4, 5, 5)", _from_a_cnn(rng, 2, 5, 4)),
        Case("a CNN's layer (1, 6, 3, 3)", _from_a_cnn(rng, 1, 3, 6)),
        Case("random signs (3, 2, 4, 4)", (randn(rng, 3, 2, 4, 4), randn(rng, 3, 2, 4, 4))),
        Case("evidence only against the class",
             (np.abs(randn(rng, 1, 3, 2, 2)), -np.abs(randn(rng, 1, 3, 2, 2)))),
        Case("1x1 spatial, one channel", (randn(rng, 2, 1, 1, 1), randn(rng, 2, 1, 1, 1))),
    ]


def _torch_gradcam(activations: np.ndarray, gradients: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, g = tensor(activations), tensor(gradients)
    alpha = g.mean(dim=(2, 3))
    return alpha.numpy(), torch.relu((alpha[:, :, None, None] * a).sum(dim=1)).numpy()


def _no_relu(activations: np.ndarray, gradients: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    alpha = gradients.mean(axis=(2, 3))
    return alpha, np.einsum("nc,nchw->nhw", alpha, activations)


def _summed(activations: np.ndarray, gradients: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return gradcam_weights(activations, gradients * gradients.shape[2] * gradients.shape[3])


def _normalized(activations: np.ndarray, gradients: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    alpha, maps = gradcam_weights(activations, gradients)
    peak = maps.max(axis=(1, 2), keepdims=True)
    return alpha, np.divide(maps, peak, out=np.zeros_like(maps), where=peak > 0)


GRADCAM = Exercise(
    name="gradcam_weights", chapter="debugging", difficulty=1,
    title="Grad-CAM channel weights and map",
    signature="gradcam_weights(activations: np.ndarray, gradients: np.ndarray)"
              " -> tuple[np.ndarray, np.ndarray]",
    doc="""\
The Grad-CAM weighting: how much each channel of a layer supports a class, and where.

Inputs: activations A (N, C, h, w), a conv layer's output; gradients (N, C, h, w), the
    gradient of the class score y_c (the logit) with respect to A.
Return (alpha, cam): alpha (N, C), cam (N, h, w), at the layer's resolution (no upsampling,
    no normalization).
Math: alpha[n, k] = mean over (i, j) of gradients[n, k, i, j]   (global average pooling)
    cam[n] = relu(sum_k alpha[n, k] * A[n, k])   (relu keeps only evidence FOR the class)
Hint: gradients.mean(axis=(2, 3)); broadcast alpha[:, :, None, None] against A.
PyTorch: collect A with a forward hook and dA with A.register_hook (or retain_grad) after
    scores[:, c].sum().backward(); then alpha = dA.mean((2, 3)),
    cam = torch.relu((alpha[:, :, None, None] * A).sum(1))  (projects/diagnostics/gradcam.py)
""",
    make_cases=_cases,
    expected=_torch_gradcam,
    reference=gradcam_weights,
    outputs=("alpha", "cam"),
    classics=(
        Classic("apply a ReLU to the weighted sum: Grad-CAM keeps only the regions with positive "
                "evidence for the class.", _no_relu),
        Classic("alpha is the MEAN of the gradients over the h x w positions, not their sum.", _summed),
        Classic("return the map before any normalization (upsampling and scaling to [0, 1] come "
                "later, for display).", _normalized),
    ),
)

register(GRADCAM)
