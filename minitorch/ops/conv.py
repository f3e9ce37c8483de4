"""2-D convolution as one matrix product: im2col, GEMM, and col2im for the backward.

A convolution slides a (C, kh, kw) filter over the input. Written out, output pixel (y, x) of
filter o is a dot product between the filter and the input patch under it:

    out[n, o, y, x] = b[o] + sum_{c,i,j} w[o, c, i, j] * xp[n, c, y*sh + i*dh, x*sw + j*dw]

(xp is the zero-padded input, s the stride, d the dilation). **im2col** lays every patch out as
a column: cols[n, (c,i,j), (y,x)] = xp[n, c, y*sh + i*dh, x*sw + j*dw]. NumPy builds this
without a loop: `as_strided` gives a *view* of shape (N, C, kh, kw, OH, OW) whose strides step
through xp (moving i moves dh rows, moving y moves sh rows), and one reshape copies it into
the (N, C*kh*kw, OH*OW) matrix. Then the whole convolution is one GEMM per image,

    out[n] = W (O, C*kh*kw) @ cols[n] (C*kh*kw, OH*OW),

which already has the (N, O, OH, OW) memory layout: no transpose afterwards.

Backward, with g = dL/dout reshaped to (N, O, OH*OW):

- dW = sum_n g[n] @ cols[n]^T  (cols is saved from the forward: no second im2col);
- db = g summed over n, y, x (it falls out of the dW product, see `Conv2d`);
- dcols[n] = W^T @ g[n], and **col2im** sends each column entry back to the input pixel it
  was copied from, adding where patches overlap and dropping what lands in the padding: a
  loop over the kh*kw kernel offsets, each a strided slice add (never a loop over pixels).
  This is a transposed convolution of g.

Read `ops/conv_plain.py` first: the same convolution, textbook im2col with no speed tricks.
This file is the fast version `conv2d` runs (the forward+backward within 2x of torch's oneDNN),
tested equal to the plain one in tests/engine/test_plain_vs_fast.py. What it changes, each in
a named helper: im2col as one copy out of an `as_strided` view (`windows`), im2col buffers
recycled from one training step to the next (`_SpareBuffers`), the backward a few images at a
time (`image_blocks`), and the bias folded into the GEMMs (`Conv2d`).

Groups split the C input and O output channels into `groups` independent convolutions: the
GEMMs above get a group axis, W is (groups, O/groups, C/groups*kh*kw).
PyTorch equivalent: torch.nn.functional.conv2d.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from minitorch.amp.autocast_mode import autocast_inputs
from minitorch.autograd import Function
from minitorch.tensor import Tensor

IntPair = int | Sequence[int]
_CHUNK_BYTES = 4 << 20  # the backward's dcols block size: about what a core's cache holds


class _SpareBuffers:
    """im2col buffers whose convolution has finished its backward, kept for the next forward of
    the same shape (a training loop runs the same shapes every step). Saves the page faults of a
    fresh array of tens of megabytes, which take about as long as filling it. The plain version
    allocates a new array every call (`ops/conv_plain.py`). At most `limit_bytes` are kept (a
    buffer that would pass the limit is simply freed)."""

    def __init__(self, limit_bytes: int = 512 << 20) -> None:
        self.limit_bytes, self.held_bytes = limit_bytes, 0
        self.free: dict[tuple, list[np.ndarray]] = {}

    def take(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        stack = self.free.get((shape, np.dtype(dtype)))
        if not stack:
            return np.empty(shape, dtype=dtype)
        self.held_bytes -= stack[-1].nbytes
        return stack.pop()

    def give(self, array: np.ndarray) -> None:
        if self.held_bytes + array.nbytes <= self.limit_bytes:
            self.free.setdefault((array.shape, array.dtype), []).append(array)
            self.held_bytes += array.nbytes


_SPARE_COLS = _SpareBuffers()


def image_blocks(n: int, bytes_per_image: int) -> list[slice]:
    """The batch as slices of a few images each, for the backward: saves memory traffic (each
    block of dcols is still in cache when col2im reads it) and memory (no temporary as large as
    cols). The plain version is one block: the whole batch (`ops/conv_plain.py`)."""
    step = max(1, _CHUNK_BYTES // max(bytes_per_image, 1))
    return [slice(start, start + step) for start in range(0, n, step)]


def pair(value: IntPair, name: str = "value") -> tuple[int, int]:
    """An int, a 1-tuple or a pair of ints as a pair (torch's `_pair`)."""
    if isinstance(value, int | np.integer):
        return int(value), int(value)
    values = tuple(int(v) for v in value)
    if len(values) == 1:
        values *= 2
    if len(values) != 2:
        raise ValueError(f"expected {name} to be an int or a pair of ints, got {value!r}")
    return values  # type: ignore[return-value]


def windows(xp: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int],
            dilation: tuple[int, int], out_size: tuple[int, int]) -> np.ndarray:
    """The read-only view v of shape (N, C, kh, kw, OH, OW) with
    v[n, c, i, j, y, x] = xp[n, c, y*sh + i*dh, x*sw + j*dw] (no copy: only strides)."""
    n, c = xp.shape[:2]
    s_n, s_c, s_h, s_w = xp.strides
    return as_strided(
        xp, (n, c, *kernel, *out_size),
        (s_n, s_c, s_h * dilation[0], s_w * dilation[1], s_h * stride[0], s_w * stride[1]),
        writeable=False,
    )


def _axis_reads(size: int, out: int, offset: int, stride: int, pad_before: int) -> tuple[slice, slice]:
    """Along one axis: output y reads input y*stride + offset - pad_before. Returns the slice of
    outputs whose read lies inside the (unpadded) input, and the slice of inputs they read."""
    first = max(0, -((offset - pad_before) // stride))  # ceil((pad_before - offset) / stride)
    stop = min(out, (size - 1 + pad_before - offset) // stride + 1)
    start = first * stride + offset - pad_before
    if stop <= first:
        return slice(0, 0), slice(0, 0)
    return slice(first, stop), slice(start, start + (stop - first - 1) * stride + 1, stride)


def window_reads(i: int, j: int, x_size: tuple[int, int], out_size: tuple[int, int],
                 stride: tuple[int, int], dilation: tuple[int, int],
                 padding: tuple[int, int, int, int]) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
    """For kernel offset (i, j): (the outputs' slice, the input slice they read), leaving out the
    reads that fall in the padding (a padded value has no gradient to receive)."""
    out_h, in_h = _axis_reads(x_size[0], out_size[0], i * dilation[0], stride[0], padding[0])
    out_w, in_w = _axis_reads(x_size[1], out_size[1], j * dilation[1], stride[1], padding[2])
    every = slice(None)
    return (every, every, out_h, out_w), (every, every, in_h, in_w)


def col2im(dcols: np.ndarray, dx: np.ndarray, stride: tuple[int, int], dilation: tuple[int, int],
           padding: tuple[int, int, int, int]) -> None:
    """The adjoint of im2col, in place: dx[n, c, y*sh + i*dh - top, x*sw + j*dw - left] +=
    dcols[n, c, i, j, y, x], for the positions inside the input (padding gets nothing).

    One strided slice add per kernel offset (i, j); overlapping windows accumulate.
    """
    kh, kw, oh, ow = dcols.shape[2:]
    for i in range(kh):
        for j in range(kw):
            outs, ins = window_reads(i, j, dx.shape[2:], (oh, ow), stride, dilation, padding)
            dx[ins] += dcols[:, :, i, j][outs]


def output_size(size: int, kernel: int, stride: int, padding_total: int, dilation: int,
                ceil_mode: bool = False, padding_before: int = 0) -> int:
    """floor((size + padding - dilation (kernel - 1) - 1) / stride) + 1 (torch's formula).

    With ceil_mode the division rounds up, but the last window must still start inside the
    input or the left padding.
    """
    span = size + padding_total - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding_before:
        out -= 1
    return out


def pad2d(x: np.ndarray, padding: tuple[int, int, int, int], value: float = 0.0) -> np.ndarray:
    """x (N, C, H, W) with `value` added around H and W: (top, bottom, left, right)."""
    if not any(padding):
        return x
    top, bottom, left, right = padding
    n, c, h, w = x.shape
    xp = np.full((n, c, top + h + bottom, left + w + right), value, dtype=x.dtype)
    xp[:, :, top:top + h, left:left + w] = x
    return xp


class Conv2d(Function):
    """out = conv(x, w) + b via im2col + GEMM; backward via GEMMs and col2im (module docstring).
    torch.nn.functional.conv2d

    The bias rides along in the GEMMs: it is the weight of one more input row that is always 1,
    so cols gets a row of ones and W a column holding b. The forward then adds b for free, and
    the last column of dW = g cols^T is sum(g) = db, also for free.
    """

    op_name = "conv2d"

    def forward(self, x: np.ndarray, w: np.ndarray, *bias: np.ndarray, stride: tuple[int, int],
                padding: tuple[int, int, int, int], dilation: tuple[int, int], groups: int) -> np.ndarray:
        n = x.shape[0]
        o, c_group, kh, kw = w.shape
        k = c_group * kh * kw
        xp = pad2d(x, padding)
        oh = output_size(xp.shape[2], kh, stride[0], 0, dilation[0])
        ow = output_size(xp.shape[3], kw, stride[1], 0, dilation[1])
        cols = _SPARE_COLS.take((n, groups, k + len(bias), oh * ow), x.dtype)
        patches = windows(xp, (kh, kw), stride, dilation, (oh, ow))
        patches = patches.reshape(n, groups, c_group, kh, kw, oh, ow)
        np.copyto(cols[:, :, :k].reshape(patches.shape, copy=False), patches)  # the one copy of im2col
        w_groups = w.reshape(groups, o // groups, k)
        if bias:
            cols[:, :, k] = 1
            w_groups = np.concatenate([w_groups, bias[0].reshape(groups, o // groups, 1)], axis=2)
        out = np.matmul(w_groups, cols).reshape(n, o, oh, ow)  # (N, G, O/G, L): already NCHW
        # x and w themselves are saved too (cols and w_groups are copies of them), so that an
        # in-place change to either before the backward raises, as in torch (version counters).
        self.save_for_backward(cols, w_groups, x, w)
        self.args = x.shape, w.shape, stride, padding, dilation, (oh, ow)
        return out

    def release(self) -> None:
        """After the backward, cols is dead: recycle it for the next forward of this shape."""
        if self._saved:
            _SPARE_COLS.give(self._saved[0])
        super().release()

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        cols, w_groups, _, _ = self.saved_tensors
        x_shape, w_shape, stride, padding, dilation, out_size = self.args
        n, groups, _, length = cols.shape
        k = w_shape[1] * w_shape[2] * w_shape[3]
        g = grad.reshape(n, groups, w_shape[0] // groups, length)
        need_x, need_params = self.needs_input_grad[0], any(self.needs_input_grad[1:])
        w_t = np.ascontiguousarray(w_groups[:, :, :k].transpose(0, 2, 1))
        dx = np.zeros(x_shape, dtype=grad.dtype) if need_x else None
        dw = np.zeros(w_groups.shape, dtype=grad.dtype) if need_params else None
        for images in image_blocks(n, cols[0].nbytes):
            if need_params:  # [dW | db] = sum_n g[n] cols[n]^T
                dw += np.matmul(g[images], cols[images].transpose(0, 1, 3, 2)).sum(axis=0)
            if need_x:  # dcols = W^T g, then scattered back to the pixels
                dcols = np.matmul(w_t, g[images]).reshape(-1, x_shape[1], *w_shape[2:], *out_size)
                col2im(dcols, dx[images], stride, dilation, padding)
        if len(self.needs_input_grad) == 2:
            return dx, dw.reshape(w_shape) if need_params else None
        if not need_params:
            return dx, None, None
        return dx, dw[:, :, :k].reshape(w_shape), dw[:, :, k].reshape(w_shape[0])

    def differentiable_backward(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        _, _, stride, padding, dilation, _ = self.args
        return conv2d_backward_on_tensors(self, grad, stride, padding, dilation)


def conv2d_backward_on_tensors(node: Function, grad: Tensor, stride: tuple[int, int],
                               padding: tuple[int, int, int, int],
                               dilation: tuple[int, int]) -> tuple[Tensor | None, ...]:
    """A conv2d node's backward on tensors (its differentiable backward): the same products as
    the NumPy one, with unfold / fold (ops/unfold.py) for im2col / col2im:
    dW = sum_n g[n] cols[n]^T,  db = sum of g,  dx = fold(W^T g)."""
    from minitorch.ops.unfold import Fold, Unfold

    x, w, *bias = node.inputs
    o, c_group, kh, kw = w.shape
    n, groups, (oh, ow) = x.shape[0], x.shape[1] // c_group, grad.shape[2:]
    geometry = (kh, kw), stride, padding, dilation
    g = grad.reshape(n, groups, o // groups, oh * ow)
    w_groups = w.reshape(groups, o // groups, c_group * kh * kw)
    dx = dw = db = None
    if node.needs_input_grad[0]:
        dcols = (w_groups.mT @ g).reshape(n, -1, oh * ow)
        dx = Fold.apply(dcols, x_shape=x.shape, geometry=geometry)
    if node.needs_input_grad[1]:
        cols = Unfold.apply(x, kernel=(kh, kw), stride=stride, padding=padding, dilation=dilation)
        dw = (g @ cols.reshape(n, groups, -1, oh * ow).mT).sum(0).reshape(w.shape)
    if bias and node.needs_input_grad[2]:
        db = grad.sum((0, 2, 3))
    return (dx, dw, db) if bias else (dx, dw)


# ---------------------------------------------------------------------------------------------
# Public function
# ---------------------------------------------------------------------------------------------

def conv_padding(padding: IntPair | str, kernel: tuple[int, int], stride: tuple[int, int],
                 dilation: tuple[int, int]) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) from an int, a pair, 'valid' (none) or 'same' (output size ==
    input size; the odd extra pixel goes after, as torch does)."""
    if padding == "valid":
        return 0, 0, 0, 0
    if padding == "same":
        if stride != (1, 1):
            raise ValueError("conv2d: padding='same' is not supported for strided convolutions")
        total = [d * (k - 1) for d, k in zip(dilation, kernel, strict=True)]
        return total[0] // 2, total[0] - total[0] // 2, total[1] // 2, total[1] - total[1] // 2
    if isinstance(padding, str):
        raise ValueError(f"conv2d: padding must be 'valid', 'same', an int or a pair, got {padding!r}")
    ph, pw = pair(padding, "padding")
    return ph, ph, pw, pw


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntPair = 1,  # noqa: A002
           padding: IntPair | str = 0, dilation: IntPair = 1, groups: int = 1) -> Tensor:
    """2-D convolution of input (N, C, H, W), or one unbatched image (C, H, W), with weight
    (O, C / groups, kh, kw)."""
    if input.ndim == 3:  # unbatched, as torch allows: a batch of one, then the batch dim removed
        return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    input, weight, bias = autocast_inputs(input, weight, bias)  # float16 inside minitorch.amp.autocast
    stride_, padding_, dilation_ = conv2d_geometry(input, weight, bias, stride, padding, dilation, groups)
    params = (weight,) if bias is None else (weight, bias)
    return Conv2d.apply(input, *params, stride=stride_, padding=padding_, dilation=dilation_, groups=groups)


def conv2d_geometry(input: Tensor, weight: Tensor, bias: Tensor | None, stride: IntPair,  # noqa: A002
                    padding: IntPair | str, dilation: IntPair, groups: int
                    ) -> tuple[tuple[int, int], tuple[int, int, int, int], tuple[int, int]]:
    """Check conv2d's arguments (errors name the shapes); return stride, padding (top, bottom,
    left, right) and dilation as tuples."""
    if input.ndim != 4:
        raise RuntimeError(
            f"conv2d: expected input with 3 dims (C, H, W) or 4 dims (N, C, H, W), got shape {input.shape}")
    if weight.ndim != 4:
        raise RuntimeError(
            f"conv2d: expected weight with 4 dims (out_channels, in_channels / groups, kh, kw), got "
            f"shape {weight.shape}"
        )
    if input.dtype != weight.dtype:
        raise RuntimeError(f"conv2d: input dtype {input.dtype} and weight dtype {weight.dtype} differ")
    out_channels, c_group, kh, kw = weight.shape
    if groups < 1 or input.shape[1] % groups or out_channels % groups:
        raise RuntimeError(
            f"conv2d: groups={groups} must divide both the input channels ({input.shape[1]}) and the "
            f"output channels ({out_channels}); input shape {input.shape}, weight shape {weight.shape}"
        )
    if input.shape[1] != c_group * groups:
        raise RuntimeError(
            f"conv2d: input of shape {input.shape} has {input.shape[1]} channels, but weight of shape "
            f"{weight.shape} expects {c_group} * groups({groups}) = {c_group * groups} channels"
        )
    if bias is not None and bias.shape != (out_channels,):
        raise RuntimeError(f"conv2d: bias should have shape ({out_channels},), got {bias.shape}")
    stride_, dilation_ = pair(stride, "stride"), pair(dilation, "dilation")
    if min(stride_) < 1 or min(dilation_) < 1:
        raise ValueError(f"conv2d: stride {stride} and dilation {dilation} must be positive")
    padding_ = conv_padding(padding, (kh, kw), stride_, dilation_)
    if min(padding_) < 0:
        raise ValueError(f"conv2d: negative padding {padding} is not supported")
    out = [output_size(input.shape[2 + a], (kh, kw)[a], stride_[a], padding_[2 * a] + padding_[2 * a + 1],
                       dilation_[a]) for a in (0, 1)]
    if min(out) < 1:
        raise RuntimeError(
            f"conv2d: input of shape {input.shape} (padded by {padding_}) is too small for a kernel of "
            f"size {(kh, kw)} with dilation {dilation_}: the output would be {tuple(out)}"
        )
    return stride_, padding_, dilation_
