"""Reference solution for the Grad-CAM exercise (the same two lines as
`projects.diagnostics.gradcam.grad_cam`, which computes them inside a model's hooks)."""

from __future__ import annotations

import numpy as np


def gradcam_weights(activations: np.ndarray, gradients: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """alpha = spatial mean of the gradients (N, C); map = relu(sum_k alpha_k A_k) (N, h, w)."""
    alpha = gradients.mean(axis=(2, 3))
    return alpha, np.maximum(np.einsum("nc,nchw->nhw", alpha, activations), 0.0)
