"""Reference solutions for the CNN exercises shaped as standalone functions, built on
minitorch's own im2col view (`minitorch.ops.conv.windows`)."""

from __future__ import annotations

import numpy as np

from minitorch.ops.conv import output_size, windows


def window_view(x: np.ndarray, kh: int, kw: int, stride: int, padding: int) -> np.ndarray:
    """(N, C, kh, kw, OH, OW) view of the zero-padded x: v[n, c, i, j, y, z] = xp[n, c, y s + i, z s + j]."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding))) if padding else x
    out = (output_size(xp.shape[2], kh, stride, 0, 1), output_size(xp.shape[3], kw, stride, 0, 1))
    return windows(xp, (kh, kw), (stride, stride), (1, 1), out)


def im2col(x: np.ndarray, kh: int, kw: int, stride: int, padding: int) -> np.ndarray:
    """(N, C*kh*kw, OH*OW): rows ordered (c, i, j), columns (y, z) row-major; F.unfold's layout."""
    view = window_view(x, kh, kw, stride, padding)
    n, c, _, _, oh, ow = view.shape
    return view.reshape(n, c * kh * kw, oh * ow)


def patchify(images: np.ndarray, patch_size: int) -> np.ndarray:
    """(N, C, H, W) -> (N, L, C*p*p): non-overlapping patches, row-major, each flattened (c, i, j)."""
    return im2col(images, patch_size, patch_size, patch_size, 0).transpose(0, 2, 1)


def maxpool2d_backward(x: np.ndarray, grad_out: np.ndarray, kernel_size: int, stride: int) -> np.ndarray:
    """Each window's gradient goes to its first maximum (row-major), summed where windows overlap."""
    view = window_view(x, kernel_size, kernel_size, stride, 0)
    n, c, kh, kw, oh, ow = view.shape
    first_max = view.reshape(n, c, kh * kw, oh, ow).argmax(axis=2)  # argmax returns the first
    rows = np.arange(oh)[:, None] * stride + first_max // kw
    cols = np.arange(ow)[None, :] * stride + first_max % kw
    dx = np.zeros_like(x)
    ni, ci = np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None]
    np.add.at(dx, (ni, ci, rows, cols), grad_out)
    return dx
