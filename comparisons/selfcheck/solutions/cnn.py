"""Reference solutions for the CNN exercises shaped as standalone functions (im2col, patches),
built on minitorch's own im2col view (`minitorch.ops.conv.windows`)."""

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

