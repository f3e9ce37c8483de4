"""Chapter: CNN (卷积神经网络): im2col, convolution forward and backward, max-pool backward."""

from __future__ import annotations

import numpy as np
import torch.nn.functional as F

import minitorch
import minitorch.nn.functional as mF
from comparisons.selfcheck.exercise import Case, Classic, Exercise, register
from comparisons.selfcheck.exercises.common import numpy_out, randn, tensor, torch_vjp
from comparisons.selfcheck.solutions import cnn
from comparisons.selfcheck.solutions.adapters import vjp
from minitorch.ops.pooling import max_pool2d

# ---------------------------------------------------------------------------------------------
# im2col
# ---------------------------------------------------------------------------------------------


def _im2col_cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case("3x3, stride 1, padding 1 (2, 3, 5, 5)", (randn(rng, 2, 3, 5, 5), 3, 3, 1, 1)),
        Case("2x2, stride 2, no padding (1, 1, 4, 4)", (randn(rng, 1, 1, 4, 4), 2, 2, 2, 0)),
        Case("2x3 kernel, stride 2, padding 1 (1, 2, 5, 6)", (randn(rng, 1, 2, 5, 6), 2, 3, 2, 1)),
        Case("1x1 kernel (2, 4, 3, 3)", (randn(rng, 2, 4, 3, 3), 1, 1, 1, 0)),
        Case("kernel = image (1, 2, 3, 3)", (randn(rng, 1, 2, 3, 3), 3, 3, 1, 0)),
    ]


def _torch_unfold(x: np.ndarray, kh: int, kw: int, stride: int, padding: int) -> np.ndarray:
    return F.unfold(tensor(x), (kh, kw), stride=stride, padding=padding).numpy()


def _rows_channels_last(x: np.ndarray, kh: int, kw: int, stride: int, padding: int) -> np.ndarray:
    view = cnn.window_view(x, kh, kw, stride, padding)  # (N, C, kh, kw, OH, OW)
    return view.transpose(0, 2, 3, 1, 4, 5).reshape(x.shape[0], -1, view.shape[4] * view.shape[5])


def _columns_column_major(x: np.ndarray, kh: int, kw: int, stride: int, padding: int) -> np.ndarray:
    view = cnn.window_view(x, kh, kw, stride, padding)
    return view.swapaxes(4, 5).reshape(x.shape[0], -1, view.shape[4] * view.shape[5])


IM2COL = Exercise(
    name="im2col", chapter="cnn", difficulty=2,
    title="im2col: unfold image patches into columns",
    signature="im2col(x: np.ndarray, kh: int, kw: int, stride: int, padding: int) -> np.ndarray",
    doc="""\
Unfold every kh x kw window of a zero-padded image batch into a column.

Shapes: x (N, C, H, W). With OH = (H + 2 padding - kh) // stride + 1 and OW likewise, return
    cols of shape (N, C*kh*kw, OH*OW).
Math: cols[n, (c*kh + i)*kw + j, y*OW + z] = xp[n, c, y*stride + i, z*stride + j], where xp is x
    padded with `padding` zeros on every side of H and W. Rows run over (c, i, j) with j
    fastest; columns over output positions (y, z), row-major.
Hint: np.pad, then either loop over the kh*kw kernel offsets (each one a strided slice
    xp[:, :, i : i + stride*OH : stride, j : j + stride*OW : stride]) or build a strided view.
    With this layout conv2d is one matmul: w.reshape(O, -1) @ cols.
PyTorch: torch.nn.functional.unfold(x, (kh, kw), stride=stride, padding=padding)
""",
    make_cases=_im2col_cases,
    expected=_torch_unfold,
    reference=cnn.im2col,
    outputs=("cols",),
    classics=(
        Classic("the rows must run over (channel, i, j) with the channel slowest, as in "
                "w.reshape(O, C*kh*kw); you put the kernel offset before the channel.",
                _rows_channels_last),
        Classic("the columns run over output positions row by row (y slow, z fast); yours go "
                "column by column.", _columns_column_major),
    ),
)

# ---------------------------------------------------------------------------------------------
# conv2d forward and backward
# ---------------------------------------------------------------------------------------------


def _conv_cases(rng: np.random.Generator, with_bias: bool) -> list[Case]:
    specs = [
        ("3x3, stride 1, padding 1", (2, 3, 5, 5), (4, 3, 3, 3), 1, 1),
        ("3x3, stride 2, padding 1 (odd size)", (1, 2, 7, 7), (3, 2, 3, 3), 2, 1),
        ("2x2, stride 2, no padding", (2, 1, 4, 6), (2, 1, 2, 2), 2, 0),
        ("1x1 kernel", (1, 4, 3, 3), (2, 4, 1, 1), 1, 0),
        ("size-1 batch and channel, 3x2 kernel", (1, 1, 5, 4), (1, 1, 3, 2), 1, 1),
        ("stride 3 skips pixels", (1, 2, 8, 8), (2, 2, 2, 2), 3, 0),
    ]
    cases = []
    for label, x_shape, w_shape, stride, padding in specs:
        x, w = randn(rng, *x_shape), randn(rng, *w_shape)
        if with_bias:
            cases.append(Case(label, (x, w, randn(rng, w_shape[0]), stride, padding)))
        else:
            out = F.conv2d(tensor(x), tensor(w), stride=stride, padding=padding)
            cases.append(Case(label, (x, w, randn(rng, *out.shape), stride, padding)))
    return cases


def _mini_conv(x: minitorch.Tensor, w: minitorch.Tensor, stride: int, padding: int,
               b: minitorch.Tensor | None = None) -> minitorch.Tensor:
    return mF.conv2d(x, w, b, stride=stride, padding=padding)


CONV2D_FORWARD = Exercise(
    name="conv2d_forward", chapter="cnn", difficulty=2,
    title="conv2d forward (im2col + matmul)",
    signature="conv2d_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, padding: int)"
              " -> np.ndarray",
    doc="""\
The output of a 2-D convolution layer (what deep learning calls convolution: cross-correlation).

Shapes: x (N, C, H, W), w (O, C, kh, kw), b (O,). Return (N, O, OH, OW) with
    OH = (H + 2 padding - kh) // stride + 1, OW likewise.
Math: y[n, o, p, q] = b[o] + sum_{c, i, j} w[o, c, i, j] * xp[n, c, p*stride + i, q*stride + j],
    xp = x zero-padded by `padding` on each side. The kernel is NOT flipped.
Hint: cols = im2col(x, kh, kw, stride, padding)  (N, C*kh*kw, OH*OW);
    y = w.reshape(O, -1) @ cols  (N, O, OH*OW); add b[:, None]; reshape to (N, O, OH, OW).
PyTorch: torch.nn.functional.conv2d(x, w, b, stride=stride, padding=padding)
""",
    make_cases=lambda rng: _conv_cases(rng, with_bias=True),
    expected=numpy_out(lambda x, w, b, s, p: F.conv2d(x, w, b, stride=s, padding=p)),
    reference=lambda x, w, b, s, p: _mini_conv(minitorch.Tensor(x), minitorch.Tensor(w), s, p,
                                               minitorch.Tensor(b)).data,
    outputs=("y",),
    classics=(
        Classic("deep-learning convolution does not flip the kernel (it is cross-correlation): "
                "use w[o, c, i, j] with xp[..., p*stride + i, q*stride + j].",
                numpy_out(lambda x, w, b, s, p: F.conv2d(x, w.flip(-1, -2), b, stride=s, padding=p))),
        Classic("forgot the bias b[o] (added to every output position of channel o).",
                numpy_out(lambda x, w, b, s, p: F.conv2d(x, w, None, stride=s, padding=p))),
    ),
)


def _conv_dcols(x: np.ndarray, w: np.ndarray, grad_out: np.ndarray) -> np.ndarray:
    """dcols[n, c, i, j, y, z] = sum_o w[o, c, i, j] grad_out[n, o, y, z]."""
    return np.einsum("ocij,noyz->ncijyz", w, grad_out)


def _col2im_assigning(x: np.ndarray, w: np.ndarray, grad_out: np.ndarray, stride: int, padding: int,
                      by_offset: bool) -> tuple[np.ndarray, np.ndarray]:
    """The classic col2im bug: `=` instead of `+=` where windows overlap (two loop orders)."""
    dcols = _conv_dcols(x, w, grad_out)
    _, _, kh, kw, oh, ow = dcols.shape
    dxp = np.zeros((x.shape[0], x.shape[1], x.shape[2] + 2 * padding, x.shape[3] + 2 * padding))
    if by_offset:
        for i in range(kh):
            for j in range(kw):
                dxp[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride] = dcols[:, :, i, j]
    else:
        for y in range(oh):
            for z in range(ow):
                dxp[:, :, y * stride:y * stride + kh, z * stride:z * stride + kw] = dcols[..., y, z]
    dx = dxp[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]]
    dw = np.einsum("ncijyz,noyz->ocij", cnn.window_view(x, kh, kw, stride, padding), grad_out)
    return dx, dw


def _torch_conv_grads(x: np.ndarray, w: np.ndarray, grad_out: np.ndarray, stride: int,
                      padding: int) -> tuple[np.ndarray, ...]:
    return torch_vjp(lambda a, b: F.conv2d(a, b, stride=stride, padding=padding), [x, w], grad_out)


CONV2D_BACKWARD = Exercise(
    name="conv2d_backward", chapter="cnn", difficulty=3,
    title="conv2d backward (input and weight)",
    signature="conv2d_backward(x: np.ndarray, w: np.ndarray, grad_out: np.ndarray, stride: int,"
              " padding: int) -> tuple[np.ndarray, np.ndarray]",
    doc="""\
Gradients of y = conv2d(x, w, stride, padding) (no bias) with respect to x and w.

Shapes: x (N, C, H, W), w (O, C, kh, kw), grad_out = dL/dy (N, O, OH, OW).
    Return (dx, dw) with dx.shape == x.shape, dw.shape == w.shape.
Math: with cols = im2col(x) (N, C*kh*kw, L) and g = grad_out.reshape(N, O, L):
    dw = sum_n g[n] @ cols[n]^T, reshaped to (O, C, kh, kw)   (summed over the batch);
    dcols = w.reshape(O, -1)^T @ g[n]  (N, C*kh*kw, L), then col2im: every entry of dcols is
    ADDED back to the input pixel it was read from (windows overlap when stride < kernel, so a
    pixel collects several contributions); finally drop the padding.
Hint: col2im is the adjoint of im2col: loop over kernel offsets (i, j) and do
    dxp[:, :, i : i + stride*OH : stride, j : j + stride*OW : stride] += dcols[:, :, i, j].
    Pixels no window reads (stride > kernel, or the ragged edge) get 0.
PyTorch: y = F.conv2d(x, w, stride=stride, padding=padding); y.backward(grad_out); (x.grad, w.grad)
""",
    make_cases=lambda rng: _conv_cases(rng, with_bias=False),
    expected=_torch_conv_grads,
    reference=lambda x, w, g, s, p: vjp(lambda a, b: _mini_conv(a, b, s, p), [x, w], g),
    outputs=("dx", "dw"),
    classics=(
        Classic("col2im must ADD (+=) each column entry into its input pixel: overlapping "
                "windows share pixels, and assignment (=) keeps only the last contribution.",
                lambda x, w, g, s, p: _col2im_assigning(x, w, g, s, p, by_offset=True)),
        Classic("col2im must ADD (+=) each window into the input gradient: with `=` overlapping "
                "windows overwrite each other.",
                lambda x, w, g, s, p: _col2im_assigning(x, w, g, s, p, by_offset=False)),
        Classic("dw is the SUM over the batch of g[n] @ cols[n]^T, not the mean.",
                lambda x, w, g, s, p: (lambda dx, dw: (dx, dw / len(x)))(*_torch_conv_grads(x, w, g, s, p))),
    ),
)

# ---------------------------------------------------------------------------------------------
# max-pool backward
# ---------------------------------------------------------------------------------------------


def _pool_cases(rng: np.random.Generator) -> list[Case]:
    def case(label: str, x: np.ndarray, k: int, s: int) -> Case:
        out = F.max_pool2d(tensor(x), k, s)
        return Case(label, (x, randn(rng, *out.shape), k, s))

    return [
        case("2x2, stride 2 (2, 3, 4, 4)", randn(rng, 2, 3, 4, 4), 2, 2),
        case("overlapping 3x3, stride 1", randn(rng, 1, 2, 5, 5), 3, 1),
        case("ties (integer values), 2x2 stride 2", rng.integers(0, 2, (2, 2, 4, 4)).astype(float), 2, 2),
        case("ties, overlapping 2x2 stride 1", rng.integers(0, 3, (1, 1, 4, 5)).astype(float), 2, 1),
        case("ragged edge: 5x5, 2x2 stride 2", randn(rng, 1, 1, 5, 5), 2, 2),
        case("constant image (all tied)", np.ones((1, 1, 4, 4)), 2, 2),
    ]


def _spread_over_ties(x: np.ndarray, grad_out: np.ndarray, k: int, s: int) -> np.ndarray:
    view = cnn.window_view(x, k, k, s, 0)
    is_max = view == view.max(axis=(2, 3), keepdims=True)
    dx = np.zeros_like(x)
    for i in range(k):
        for j in range(k):
            oh, ow = grad_out.shape[2:]
            dx[:, :, i:i + s * oh:s, j:j + s * ow:s] += is_max[:, :, i, j] * grad_out
    return dx


def _pool_assigning(x: np.ndarray, grad_out: np.ndarray, k: int, s: int) -> np.ndarray:
    view = cnn.window_view(x, k, k, s, 0)
    n, c, _, _, oh, ow = view.shape
    first = view.reshape(n, c, k * k, oh, ow).argmax(axis=2)
    dx = np.zeros_like(x)
    ni, ci = np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None]
    dx[ni, ci, np.arange(oh)[:, None] * s + first // k, np.arange(ow)[None, :] * s + first % k] = grad_out
    return dx


MAXPOOL2D_BACKWARD = Exercise(
    name="maxpool2d_backward", chapter="cnn", difficulty=2,
    title="Max-pool backward (ties, overlapping windows)",
    signature="maxpool2d_backward(x: np.ndarray, grad_out: np.ndarray, kernel_size: int, stride: int)"
              " -> np.ndarray",
    doc="""\
Gradient of y = max_pool2d(x, kernel_size, stride) (no padding) with respect to x.

Shapes: x (N, C, H, W); grad_out (N, C, OH, OW) with OH = (H - k) // stride + 1, OW likewise.
    Return dx of x's shape.
Math: y[n, c, p, q] is the max of the window x[n, c, p*s : p*s + k, q*s : q*s + k]. Its whole
    gradient grad_out[n, c, p, q] goes to ONE element: the window's maximum. On a tie, the
    first maximum in row-major order within the window (np.argmax's choice) gets it. Windows
    overlap when stride < k: then an element can be the max of several windows, and its
    gradients add up. Elements that are never a window's max get 0.
Hint: for each window, flat = argmax over its k*k values; row = p*s + flat // k,
    col = q*s + flat % k; np.add.at(dx, (n, c, row, col), grad_out) adds repeated targets.
PyTorch: y = torch.nn.functional.max_pool2d(x, kernel_size, stride); y.backward(grad_out); x.grad
""",
    make_cases=_pool_cases,
    expected=lambda x, g, k, s: torch_vjp(lambda t: F.max_pool2d(t, k, s), [x], g)[0],
    reference=lambda x, g, k, s: vjp(lambda t: max_pool2d(t, k, s), [x], g)[0],
    outputs=("dx",),
    classics=(
        Classic("on a tie only ONE element (the first maximum in the window, row-major) gets the "
                "gradient; you gave it to every tied maximum.", _spread_over_ties),
        Classic("overlapping windows (stride < kernel) can pick the same element: add their "
                "gradients (np.add.at), do not assign.", _pool_assigning),
    ),
)

register(IM2COL, CONV2D_FORWARD, CONV2D_BACKWARD, MAXPOOL2D_BACKWARD)
