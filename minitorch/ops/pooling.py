"""2-D pooling: max, average, adaptive average.

Max and average pooling read the same windows as a convolution (see `ops/conv.py`): kernel
offset (i, j) reads the strided slice xp[:, :, i*dh :: sh, j*dw :: sw] of the padded input,
one value per output pixel. So both loop over the kh*kw kernel offsets (4 iterations for a
2x2 pool), each step a whole-array NumPy operation, never a loop over pixels.

- max: keep a running maximum and the offset it came from. dx sends each output's gradient
  to that one input (ties: the first offset in row-major window order, as torch does).
- average: the sum of the slices divided by the window size. dx spreads g / size over the
  window.
- adaptive average: window i covers rows floor(i H / oh) .. ceil((i + 1) H / oh). Each output
  is a fixed weighted sum of the pixels of its map, so the whole op is one matrix product
  y = x_flat K^T over all N*C maps at once, with K (oh*ow, H*W) holding 1 / (window size) on
  each window's pixels; dx = g_flat K. A rectangle's mean is separable, so K = A_h kron A_w
  with A_h[i, r] = 1 / (window length) on window i.
"""

from __future__ import annotations

import numpy as np

from minitorch.autograd import Function
from minitorch.ops.conv import IntPair, output_size, pad2d, pair, window_reads, windows
from minitorch.ops.unfold import Fold
from minitorch.tensor import Tensor


class MaxPool2d(Function):
    """y = max over each window;  dx = g at the (first) argmax of each window, 0 elsewhere.
    torch.nn.functional.max_pool2d"""

    op_name = "max_pool2d"

    def forward(self, x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int],
                padding: tuple[int, int, int, int], dilation: tuple[int, int],
                out_size: tuple[int, int], return_indices: bool = False
                ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        if kernel == stride == (2, 2) and dilation == (1, 1) and not any(padding) and x.shape[2:] == (
                2 * out_size[0], 2 * out_size[1]):
            best, self.where = max_pool_2x2_tiles(x)
        else:
            xp = pad2d(x, padding, -np.inf)
            best, self.where = max_pool_windows(xp, kernel, stride, dilation, out_size)
        self.args = x.shape, kernel, stride, padding, dilation, out_size
        self.save_for_backward(x)  # read through `where` only, but torch saves x: an in-place change raises
        return (best, self.flat_indices()) if return_indices else best

    def flat_indices(self) -> np.ndarray:
        """torch's indices: where each maximum was read, as row * W + col of the unpadded input."""
        x_shape, kernel, stride, padding, dilation, out_size = self.args
        i, j = np.divmod(self.where.astype(np.int64), kernel[1])  # the offset inside the window
        rows = (np.arange(out_size[0]) * stride[0] - padding[0])[:, None] + i * dilation[0]
        cols = (np.arange(out_size[1]) * stride[1] - padding[2])[None, :] + j * dilation[1]
        return rows * x_shape[3] + cols

    def backward(self, grad: np.ndarray, *_: None) -> np.ndarray:  # (no gradient for the indices)
        x_shape, kernel, stride, padding, dilation, out_size = self.args
        # When the windows tile the input exactly (2x2 stride 2 on an even size, no padding),
        # each input belongs to one window at one offset: every element is written once, so
        # no zeros first and no read-modify-write.
        tiles = stride == kernel and dilation == (1, 1) and not any(padding) and x_shape[2:] == (
            out_size[0] * kernel[0], out_size[1] * kernel[1])
        dx = np.empty(x_shape, dtype=grad.dtype) if tiles else np.zeros(x_shape, dtype=grad.dtype)
        for offset in range(kernel[0] * kernel[1]):
            outs, ins = window_reads(*divmod(offset, kernel[1]), x_shape[2:], out_size, stride, dilation,
                                     padding)
            if tiles:
                np.multiply(grad, self.where == offset, out=dx[ins])
            else:
                dx[ins] += (grad * (self.where == offset))[outs]
        return dx

    def differentiable_backward(self, grad: Tensor, *_: None) -> Tensor:
        """fold (col2im) of g placed at each window's argmax: linear in g, the mask a constant."""
        x_shape, kernel, stride, padding, dilation, (oh, ow) = self.args
        offsets = np.arange(kernel[0] * kernel[1]).reshape(*kernel, 1, 1)
        chosen = (self.where[:, :, None, None] == offsets).astype(grad.dtype)  # (N, C, kh, kw, OH, OW)
        cols = (Tensor(chosen) * grad.reshape(*x_shape[:2], 1, 1, oh, ow)).reshape(x_shape[0], -1, oh * ow)
        return Fold.apply(cols, x_shape=x_shape, geometry=(kernel, stride, padding, dilation))


def max_pool_windows(xp: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int],
                     dilation: tuple[int, int], out_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The maximum of each window of the padded input and the kernel offset it came from (any
    kernel, stride, dilation): a running maximum over the kh*kw offsets."""
    view = windows(xp, kernel, stride, dilation, out_size)
    best = view[:, :, 0, 0].copy()
    where = np.zeros(best.shape, dtype=np.uint8 if kernel[0] * kernel[1] < 256 else np.int32)
    for offset in range(1, kernel[0] * kernel[1]):
        candidate = view[:, :, offset // kernel[1], offset % kernel[1]]
        better = candidate > best  # strict: on a tie the earlier offset keeps it
        better |= np.isnan(candidate)  # a NaN wins and propagates, as in torch (the last NaN)
        np.maximum(best, candidate, out=best)
        np.copyto(where, offset, where=better)
    return best, where


def max_pool_2x2_tiles(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fast path of `max_pool_windows` for 2x2 windows that tile the input (stride 2, even
    sizes), the same result: a tournament, max(max(a, b), max(c, d)), over the offsets
    a b / c d, which saves about half of the passes over the data (no NaN test per offset,
    no running copy). Ties go to the earlier offset by strict comparisons; inputs with a NaN
    in some window take `max_pool_windows`, whose NaN rule is torch's."""
    n, c, h, w = x.shape
    tiles = x.reshape(n, c, h // 2, 2, w // 2, 2)
    a, b, c_, d = (tiles[:, :, :, i, :, j] for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)))
    best = np.maximum(a, b)
    where = np.greater(b, a).view(np.uint8)  # 0 (a) or 1 (b)
    lower = np.maximum(c_, d)
    lower_where = np.greater(d, c_).view(np.uint8)
    lower_where += 2  # 2 (c) or 3 (d)
    np.copyto(where, lower_where, where=np.greater(lower, best))
    np.maximum(best, lower, out=best)
    if np.isnan(best).any():
        return max_pool_windows(x, (2, 2), (2, 2), (1, 1), (h // 2, w // 2))
    return best, where


class AvgPool2d(Function):
    """y = (sum over the window) / divisor;  dx = g / divisor spread over the window.
    torch.nn.functional.avg_pool2d"""

    op_name = "avg_pool2d"

    def forward(self, x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int],
                padding: tuple[int, int, int, int], out_size: tuple[int, int],
                divisor: np.ndarray) -> np.ndarray:
        xp = pad2d(x, padding)
        view = windows(xp, kernel, stride, (1, 1), out_size)
        total = view[:, :, 0, 0].copy()
        for offset in range(1, kernel[0] * kernel[1]):
            total += view[:, :, offset // kernel[1], offset % kernel[1]]
        self.divisor = divisor
        self.args = x.shape, kernel, stride, padding, out_size
        return total / divisor

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x_shape, kernel, stride, padding, out_size = self.args
        share = grad / self.divisor
        dx = np.zeros(x_shape, dtype=grad.dtype)
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                outs, ins = window_reads(i, j, x_shape[2:], out_size, stride, (1, 1), padding)
                dx[ins] += share[outs]
        return dx

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        """fold (col2im) of g / divisor copied to every window offset: linear in g."""
        x_shape, kernel, stride, padding, (oh, ow) = self.args
        share = (grad / Tensor(self.divisor)).reshape(*x_shape[:2], 1, 1, oh, ow)
        cols = share.expand(*x_shape[:2], *kernel, oh, ow).reshape(x_shape[0], -1, oh * ow)
        return Fold.apply(cols, x_shape=x_shape, geometry=(kernel, stride, padding, (1, 1)))


class AdaptiveAvgPool2d(Function):
    """y = x_flat K^T with K = A_h kron A_w (each row of K averages one window);  dx = g_flat K.
    torch.nn.functional.adaptive_avg_pool2d"""

    op_name = "adaptive_avg_pool2d"

    def forward(self, x: np.ndarray, out_size: tuple[int, int]) -> np.ndarray:
        h, w = x.shape[-2:]
        a_h, a_w = _averaging_matrix(h, out_size[0], x.dtype), _averaging_matrix(w, out_size[1], x.dtype)
        self.k = np.kron(a_h, a_w)
        self.x_shape = x.shape
        return (x.reshape(-1, h * w) @ self.k.T).reshape(*x.shape[:-2], *out_size)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return (grad.reshape(-1, self.k.shape[0]) @ self.k).reshape(self.x_shape)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return (grad.reshape(-1, self.k.shape[0]) @ Tensor(self.k)).reshape(self.x_shape)


def _averaging_matrix(size: int, out: int, dtype: np.dtype) -> np.ndarray:
    """A (out, size) with A[i, r] = 1 / len(window i) for r in window i = [floor(i size / out),
    ceil((i + 1) size / out))."""
    starts = (np.arange(out) * size) // out
    ends = -((-(np.arange(out) + 1) * size) // out)
    r = np.arange(size)
    inside = (r >= starts[:, None]) & (r < ends[:, None])
    return (inside / (ends - starts)[:, None]).astype(dtype)


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------

def _pool_geometry(op: str, input: Tensor, kernel_size: IntPair, stride: IntPair | None,  # noqa: A002
                   padding: IntPair, dilation: IntPair, ceil_mode: bool
                   ) -> tuple[tuple[int, int], ...]:
    """Check the arguments; return kernel, stride, dilation, padding (top, bottom, left, right,
    with extra bottom/right padding for ceil_mode's last partial window) and output size."""
    if input.ndim != 4:
        raise RuntimeError(f"{op}: expected input with 4 dims (N, C, H, W), got shape {input.shape}")
    kernel = pair(kernel_size, "kernel_size")
    stride_ = kernel if stride is None else pair(stride, "stride")
    pad, dil = pair(padding, "padding"), pair(dilation, "dilation")
    if min(kernel) < 1 or min(stride_) < 1 or min(dil) < 1:
        raise ValueError(f"{op}: kernel_size {kernel}, stride {stride_} and dilation {dil} must be positive")
    if any(p < 0 or p > (d * (k - 1) + 1) // 2 for p, k, d in zip(pad, kernel, dil, strict=True)):
        raise ValueError(f"{op}: pad should be at most half of the effective kernel size, got padding "
                         f"{pad} for kernel_size {kernel} and dilation {dil}")
    out = tuple(output_size(input.shape[2 + a], kernel[a], stride_[a], 2 * pad[a], dil[a], ceil_mode,
                            pad[a]) for a in (0, 1))
    if min(out) < 1:
        raise RuntimeError(f"{op}: input of shape {input.shape} is too small for kernel_size {kernel}, "
                           f"padding {pad}, dilation {dil}: the output would be {out}")
    # ceil_mode's last window may run past the padded input: pad the far side further.
    needed = [(out[a] - 1) * stride_[a] + dil[a] * (kernel[a] - 1) + 1 for a in (0, 1)]
    extra = [max(0, needed[a] - input.shape[2 + a] - 2 * pad[a]) for a in (0, 1)]
    padding_ = (pad[0], pad[0] + extra[0], pad[1], pad[1] + extra[1])
    return kernel, stride_, dil, padding_, out  # type: ignore[return-value]


def max_pool2d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,  # noqa: A002
               padding: IntPair = 0, dilation: IntPair = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor:
    """Max over kernel_size windows (stride defaults to kernel_size; padding counts as -inf).
    With `return_indices`, also where each maximum came from (int64, row * W + col of the
    input), as torch gives them (for max_unpool2d)."""
    kernel, stride_, dil, padding_, out = _pool_geometry("max_pool2d", input, kernel_size, stride, padding,
                                                         dilation, ceil_mode)
    return MaxPool2d.apply(input, kernel=kernel, stride=stride_, padding=padding_, dilation=dil,
                           out_size=out, return_indices=return_indices)


def _avg_divisor(size: int, out: int, kernel: int, stride: int, pad: int, count_include_pad: bool,
                 dtype: np.dtype) -> np.ndarray:
    """Per output position along one axis: how many elements torch divides the window sum by.
    The window runs from start = i*stride - pad to min(start + kernel, size + pad); padding
    counts only with count_include_pad, and ceil_mode's overhang beyond it never does."""
    start = np.arange(out) * stride - pad
    end = np.minimum(start + kernel, size + pad)
    if not count_include_pad:
        start, end = np.maximum(start, 0), np.minimum(end, size)
    return (end - start).astype(dtype)


def avg_pool2d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,  # noqa: A002
               padding: IntPair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over kernel_size windows (stride defaults to kernel_size; padding counts as 0)."""
    kernel, stride_, _, padding_, out = _pool_geometry("avg_pool2d", input, kernel_size, stride, padding,
                                                       1, ceil_mode)
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError("avg_pool2d: divisor_override must be non-zero")
        divisor = np.asarray(divisor_override, dtype=input.dtype)
    else:
        rows, cols = (_avg_divisor(input.shape[2 + a], out[a], kernel[a], stride_[a], padding_[2 * a],
                                   count_include_pad, input.dtype) for a in (0, 1))
        divisor = rows[:, None] * cols[None, :]
    return AvgPool2d.apply(input, kernel=kernel, stride=stride_, padding=padding_, out_size=out,
                           divisor=divisor)


def adaptive_avg_pool2d(input: Tensor, output_size: IntPair | tuple[int | None, int | None]) -> Tensor:  # noqa: A002
    """Average pooling to a fixed output size (None keeps that input dim)."""
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"adaptive_avg_pool2d: expected input with 3 or 4 dims ((N,) C, H, W), got shape {input.shape}"
        )
    sizes = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    out = tuple(input.shape[-2 + a] if s is None else int(s) for a, s in enumerate(sizes))
    if len(out) != 2 or min(out) < 1:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be positive, got {output_size}")
    return AdaptiveAvgPool2d.apply(input, out_size=out)
