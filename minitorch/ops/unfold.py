"""im2col and col2im as differentiable ops: `unfold` and `fold`, each the other's backward.

unfold lays every (C, kh, kw) window of the zero-padded input x (N, C, H, W) out as a column:

    cols[n, (c, i, j), (y, x)] = xp[n, c, y*sh + i*dh, x*sw + j*dw]      (N, C*kh*kw, OH*OW)

It only copies values, so it is linear and its backward is its adjoint, fold (col2im): every
column entry is added back to the pixel it was read from (overlapping windows accumulate, the
padding receives nothing). fold is linear too, and its backward is unfold again. So each op's
differentiable backward is simply the other op, which is what makes the second derivatives of
convolution and pooling work: their differentiable backwards are written with these two and
matrix products (see `Conv2d`, `MaxPool2d`, `AvgPool2d`).

Padding is (top, bottom, left, right) inside; the public functions take torch's int or pair.
PyTorch equivalent: torch.nn.functional.unfold / torch.nn.functional.fold.
"""

from __future__ import annotations

import numpy as np

from minitorch.autograd import Function
from minitorch.ops.conv import IntPair, col2im, output_size, pad2d, pair, windows
from minitorch.tensor import Tensor

Geometry = tuple[tuple[int, int], tuple[int, int], tuple[int, int, int, int], tuple[int, int]]


def blocks(image_size: tuple[int, ...], kernel: tuple[int, int], stride: tuple[int, int],
           padding: tuple[int, int, int, int], dilation: tuple[int, int]) -> tuple[int, int]:
    """(OH, OW): how many window positions fit along each axis of an (H, W) image."""
    oh, ow = (output_size(image_size[a], kernel[a], stride[a], padding[2 * a] + padding[2 * a + 1],
                          dilation[a]) for a in (0, 1))
    return oh, ow


def to_columns(x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int],
               padding: tuple[int, int, int, int], dilation: tuple[int, int]) -> np.ndarray:
    """im2col: the (N, C*kh*kw, OH*OW) columns of x (module docstring); one view, one copy."""
    out = blocks(x.shape[2:], kernel, stride, padding, dilation)
    view = windows(pad2d(x, padding), kernel, stride, dilation, out)  # (N, C, kh, kw, OH, OW)
    return view.reshape(x.shape[0], -1, out[0] * out[1])


def from_columns(cols: np.ndarray, x_shape: tuple[int, ...], kernel: tuple[int, int],
                 stride: tuple[int, int], padding: tuple[int, int, int, int],
                 dilation: tuple[int, int]) -> np.ndarray:
    """col2im: the image of `x_shape` that the columns add up to (the adjoint of to_columns)."""
    out = blocks(x_shape[2:], kernel, stride, padding, dilation)
    image = np.zeros(x_shape, dtype=cols.dtype)
    col2im(cols.reshape(x_shape[0], x_shape[1], *kernel, *out), image, stride, dilation, padding)
    return image


class Unfold(Function):
    """cols = im2col(x);  dx = col2im(g). torch.nn.functional.unfold"""

    op_name = "unfold"

    def forward(self, x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int],
                padding: tuple[int, int, int, int], dilation: tuple[int, int]) -> np.ndarray:
        self.x_shape, self.geometry = x.shape, (kernel, stride, padding, dilation)
        return to_columns(x, *self.geometry)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return from_columns(grad, self.x_shape, *self.geometry)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return Fold.apply(grad, x_shape=self.x_shape, geometry=self.geometry)


class Fold(Function):
    """image = col2im(cols);  dcols = im2col(g). torch.nn.functional.fold"""

    op_name = "fold"

    def forward(self, cols: np.ndarray, x_shape: tuple[int, ...], geometry: Geometry) -> np.ndarray:
        self.geometry = geometry
        return from_columns(cols, x_shape, *geometry)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return to_columns(grad, *self.geometry)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        kernel, stride, padding, dilation = self.geometry
        return Unfold.apply(grad, kernel=kernel, stride=stride, padding=padding, dilation=dilation)


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------

def _geometry(kernel_size: IntPair, dilation: IntPair, padding: IntPair, stride: IntPair) -> Geometry:
    """torch's arguments as (kernel, stride, (top, bottom, left, right), dilation)."""
    ph, pw = pair(padding, "padding")
    kernel, dilation_ = pair(kernel_size, "kernel_size"), pair(dilation, "dilation")
    return kernel, pair(stride, "stride"), (ph, ph, pw, pw), dilation_


def unfold(input: Tensor, kernel_size: IntPair, dilation: IntPair = 1, padding: IntPair = 0,  # noqa: A002
           stride: IntPair = 1) -> Tensor:
    """The sliding (C, kh, kw) windows of input (N, C, H, W) as columns (N, C*kh*kw, L)."""
    if input.ndim != 4:
        raise RuntimeError(f"unfold: expected input with 4 dims (N, C, H, W), got shape {input.shape}")
    kernel, stride_, padding_, dilation_ = _geometry(kernel_size, dilation, padding, stride)
    return Unfold.apply(input, kernel=kernel, stride=stride_, padding=padding_, dilation=dilation_)


def fold(input: Tensor, output_size: IntPair, kernel_size: IntPair, dilation: IntPair = 1,  # noqa: A002
         padding: IntPair = 0, stride: IntPair = 1) -> Tensor:
    """Sum columns (N, C*kh*kw, L) back into an image (N, C, *output_size): unfold's adjoint."""
    kernel, stride_, padding_, dilation_ = _geometry(kernel_size, dilation, padding, stride)
    size = pair(output_size, "output_size")
    oh, ow = blocks(size, kernel, stride_, padding_, dilation_)
    if input.ndim != 3 or input.shape[1] % (kernel[0] * kernel[1]) or input.shape[2] != oh * ow:
        raise RuntimeError(
            f"fold: expected input of shape (N, C * {kernel[0]} * {kernel[1]}, {oh * ow}) for "
            f"output_size {size}, got {input.shape}"
        )
    x_shape = (input.shape[0], input.shape[1] // (kernel[0] * kernel[1]), *size)
    return Fold.apply(input, x_shape=x_shape, geometry=(kernel, stride_, padding_, dilation_))
