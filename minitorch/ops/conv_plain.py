"""2-D convolution, the plain way: textbook im2col, one matrix product, col2im. Read this first.

The same op as `ops/conv.py` (which is what `conv2d` runs), without any of its speed tricks:

- im2col is a loop over the kh*kw kernel offsets: offset (i, j) copies the strided slice
  xp[:, :, i*dh :: sh, j*dw :: sw] (the pixel under kernel entry (i, j) for every output
  position) into cols[:, :, i, j]. No `as_strided` view.
- out[n] = W (O, C*kh*kw) @ cols[n] (C*kh*kw, OH*OW), then the bias is added.
- backward, with g = dL/dout as (N, O, OH*OW):
      dW = sum_n g[n] @ cols[n]^T,   db = sum of g over n, y, x,
      dcols[n] = W^T @ g[n],  and col2im adds dcols[:, :, i, j] back onto the slice of the
      padded input it was copied from (overlapping windows add up); the padding is cut off.
- groups: the C input and O output channels split into `groups` independent convolutions.

Fresh arrays every call, the whole batch at once, the bias as a separate add: what
`ops/conv.py` changes for speed (recycled im2col buffers, a backward in cache-sized blocks of
images, the bias folded into the GEMM) and `tests/engine/test_plain_vs_fast.py` proves equal.
PyTorch equivalent: torch.nn.functional.conv2d.
"""

from __future__ import annotations

import numpy as np

from minitorch.autograd import Function
from minitorch.ops.conv import IntPair, conv2d_backward_on_tensors, conv2d_geometry, output_size
from minitorch.tensor import Tensor


def im2col(xp: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int],
           out_size: tuple[int, int]) -> np.ndarray:
    """cols[n, c, i, j, y, x] = xp[n, c, y*sh + i*dh, x*sw + j*dw], one kernel offset at a time."""
    n, c = xp.shape[:2]
    cols = np.empty((n, c, *kernel, *out_size), dtype=xp.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            rows = slice(i * dilation[0], i * dilation[0] + stride[0] * (out_size[0] - 1) + 1, stride[0])
            columns = slice(j * dilation[1], j * dilation[1] + stride[1] * (out_size[1] - 1) + 1, stride[1])
            cols[:, :, i, j] = xp[:, :, rows, columns]
    return cols


def col2im(dcols: np.ndarray, padded_shape: tuple[int, ...], stride: tuple[int, int],
           dilation: tuple[int, int]) -> np.ndarray:
    """The adjoint of `im2col`: dxp[n, c, y*sh + i*dh, x*sw + j*dw] += dcols[n, c, i, j, y, x]."""
    kh, kw, oh, ow = dcols.shape[2:]
    dxp = np.zeros(padded_shape, dtype=dcols.dtype)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dilation[0], i * dilation[0] + stride[0] * (oh - 1) + 1, stride[0])
            columns = slice(j * dilation[1], j * dilation[1] + stride[1] * (ow - 1) + 1, stride[1])
            dxp[:, :, rows, columns] += dcols[:, :, i, j]
    return dxp


class Conv2dPlain(Function):
    """out = W @ im2col(x) + b;  dW = g @ cols^T, db = sum g, dx = col2im(W^T @ g).
    torch.nn.functional.conv2d"""

    op_name = "conv2d"

    def forward(self, x: np.ndarray, w: np.ndarray, *bias: np.ndarray, stride: tuple[int, int],
                padding: tuple[int, int, int, int], dilation: tuple[int, int], groups: int) -> np.ndarray:
        n = x.shape[0]
        o, c_group, kh, kw = w.shape
        top, bottom, left, right = padding
        xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
        oh = output_size(xp.shape[2], kh, stride[0], 0, dilation[0])
        ow = output_size(xp.shape[3], kw, stride[1], 0, dilation[1])
        cols = im2col(xp, (kh, kw), stride, dilation, (oh, ow)).reshape(n, groups, c_group * kh * kw, oh * ow)
        w_groups = w.reshape(groups, o // groups, c_group * kh * kw)
        out = np.matmul(w_groups, cols).reshape(n, o, oh, ow)  # (N, G, O/G, OH*OW) is already NCHW
        if bias:
            out += bias[0].reshape(1, o, 1, 1)
        self.save_for_backward(cols, w, x)  # x: so that an in-place change to it raises, as in torch
        self.args = xp.shape, padding, stride, dilation, (oh, ow)
        return out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        cols, w, x = self.saved_tensors
        padded_shape, (top, _, left, _), stride, dilation, out_size = self.args
        n, groups, k, length = cols.shape
        o = w.shape[0]
        g = grad.reshape(n, groups, o // groups, length)
        w_groups = w.reshape(groups, o // groups, k)
        dx = dw = db = None
        if self.needs_input_grad[0]:
            dcols = np.matmul(w_groups.transpose(0, 2, 1), g).reshape(n, x.shape[1], *w.shape[2:], *out_size)
            dxp = col2im(dcols, padded_shape, stride, dilation)
            dx = dxp[:, :, top:top + x.shape[2], left:left + x.shape[3]]
        if self.needs_input_grad[1]:
            dw = np.matmul(g, cols.transpose(0, 1, 3, 2)).sum(axis=0).reshape(w.shape)
        if len(self.needs_input_grad) == 3 and self.needs_input_grad[2]:
            db = grad.sum(axis=(0, 2, 3))
        return (dx, dw) if len(self.needs_input_grad) == 2 else (dx, dw, db)

    def differentiable_backward(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        _, padding, stride, dilation, _ = self.args
        return conv2d_backward_on_tensors(self, grad, stride, padding, dilation)


def conv2d_plain(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntPair = 1,  # noqa: A002
                 padding: IntPair | str = 0, dilation: IntPair = 1, groups: int = 1) -> Tensor:
    """`conv2d` computed by `Conv2dPlain` (same arguments, same checks)."""
    stride_, padding_, dilation_ = conv2d_geometry(input, weight, bias, stride, padding, dilation, groups)
    params = (weight,) if bias is None else (weight, bias)
    return Conv2dPlain.apply(input, *params, stride=stride_, padding=padding_, dilation=dilation_,
                             groups=groups)
