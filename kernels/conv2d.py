"""2-D convolution as an implicit GEMM in Triton: forward, input gradient and weight gradient.

The convolution as a matrix multiplication
------------------------------------------
With input x of shape (N, C, H, W), weight w of shape (K, C/groups, R, S), stride (sh, sw),
padding (ph, pw) and dilation (dh, dw), output pixel (p, q) of image n and channel k is::

    y[n, k, p, q] = sum_{c, r, s} x[n, c, p*sh - ph + r*dh, q*sw - pw + s*dw] * w[k, c, r, s]

(taps that land in the padding read 0). Read as a matrix product: the rows are the N*P*Q
output pixels, the columns the K output channels, and the reduction runs over the C*R*S
(channel, tap) pairs. im2col (minitorch's conv2d) builds that (N*P*Q) x (C*R*S) matrix in
memory, R*S times larger than x. An **implicit GEMM** never builds it: the kernel computes,
for each tile it is about to load, which input element each matrix entry stands for, and
loads it straight from x with a mask for the padding. It is ``matmul.py``'s kernel with a
different address computation for one operand; everything else (tiles, grouped ordering, fp32
accumulation, pipelining, configs) is the same and explained there.

Layout: NHWC
------------
The reduction walks channels fastest (c is the innermost index of a K-tile), so the kernels
want c contiguous in memory: NHWC activations and KRSC weights. PyTorch calls that memory
format ``torch.channels_last``: the tensor keeps its logical (N, C, H, W) shape and indexing,
only the strides change. The launchers take any layout, convert an NCHW input once with
``.contiguous(memory_format=torch.channels_last)`` (free if it already is), and return
channels_last outputs; the kernels themselves take every stride as an argument.

The three kernels
-----------------
* forward:  rows = output pixels (n, p, q), columns = output channels k, reduce over (r, s, c).
* dgrad (grad of x): the transposed convolution. Rows = input pixels (n, h, w), columns =
  input channels c, reduce over (r, s, k): input pixel h receives from output row p when
  ``h = p*sh - ph + r*dh``, i.e. ``p = (h + ph - r*dh) / sh`` must be a whole number in
  [0, P). Taps where it is not are masked out (with stride 2, three taps in four are).
* wgrad (grad of w): rows = output channels k, columns = (r, s, c), reduce over all N*P*Q
  output pixels: a very long reduction for a small output. Few tiles leave most SMs idle, so
  the reduction is split into SPLIT_K slices computed by separate programs and summed after
  ("split-K").

Groups: channel groups are independent convolutions; they are the second grid axis, and each
program offsets its channels by its group. Bias is fused into the forward epilogue.

``conv2d_reference`` and friends at the bottom do the same index arithmetic with NumPy loops,
for reading and for tests on tiny shapes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import triton
import triton.language as tl

from kernels.matmul import IEEE_CONFIGS, UNALIGNED_CONFIGS, grouped_tile, tile_configs
from kernels.runtime import (
    check_precision,
    check_tensors,
    config_kind,
    dot_precision,
    interpreting,
    launch,
    vectorizable,
)

# Triton compiles a variant of a kernel for every pattern of its integer arguments being 1 or
# a multiple of 16 (it then knows a load is contiguous or aligned). That matters for the channel
# counts and strides (vectorized channel loads) but not for the image geometry; specializing on
# H, W, P, Q, ... would only multiply the compiles needed for one network.
_GEOMETRY_ARGS = ["BATCH", "H", "W", "P", "Q", "R", "S", "stride_h", "stride_w", "pad_h",
                  "pad_w", "dil_h", "dil_w"]


@triton.jit
def tap_and_block(t, blocks, S, BLOCK_K: tl.constexpr):
    """Step t of the flat (tap, channel block) loop: the filter tap (r, s) and the first channel
    of the block, with `blocks` channel blocks per tap (taps outer, channel blocks inner)."""
    rs = t // blocks
    return rs // S, rs % S, (t % blocks) * BLOCK_K


@triton.jit(do_not_specialize=_GEOMETRY_ARGS)
def conv2d_fwd_kernel(
    x_ptr, w_ptr, y_ptr, bias_ptr,
    BATCH, H, W, C_G, P, Q, K_G, R, S,
    stride_h, stride_w, pad_h, pad_w, dil_h, dil_w,
    sx_n, sx_c, sx_h, sx_w,
    sw_k, sw_c, sw_r, sw_s,
    sy_n, sy_c, sy_h, sy_w,
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr,
    GROUP_M: tl.constexpr, HAS_BIAS: tl.constexpr,
    INPUT_PRECISION: tl.constexpr, UPCAST: tl.constexpr,
):
    """y = conv(x, w) + bias: tile of BLOCK_M output pixels x BLOCK_N output channels."""
    NPQ = BATCH * P * Q
    pid_m, pid_n = grouped_tile(tl.program_id(0), NPQ, K_G, BLOCK_M, BLOCK_N, GROUP_M)
    g = tl.program_id(1)

    # Rows: output pixels. Decompose the flat row index into (n, p, q) once, outside the loop,
    # and keep the top-left input coordinate each output pixel's window starts from.
    offs_m = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    m_ok = offs_m < NPQ
    n = offs_m // (P * Q)
    p = (offs_m % (P * Q)) // Q
    q = offs_m % Q
    h0 = p * stride_h - pad_h
    w0 = q * stride_w - pad_w
    x_rows = x_ptr + n.to(tl.int64) * sx_n + (g * C_G) * sx_c
    # Columns: output channels of group g.
    offs_n = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    n_ok = offs_n < K_G
    w_cols = w_ptr + (g * K_G + offs_n).to(tl.int64) * sw_k
    offs_c = tl.arange(0, BLOCK_K)

    # One flat loop over (tap, channel block). A nested "for r, s: for c-block" loop would
    # give the compiler's software pipeline an inner loop of only C/BLOCK_K steps (often 1);
    # flattening lets it overlap loads across taps too. The scalar div/mod per step is cheap.
    c_blocks = tl.cdiv(C_G, BLOCK_K)
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for t in range(0, R * S * c_blocks):
        r, s, c0 = tap_and_block(t, c_blocks, S, BLOCK_K)
        c = c0 + offs_c
        c_ok = c < C_G
        ih = h0 + r * dil_h
        iw = w0 + s * dil_w
        # The padding mask: a tap outside the image reads 0, exactly like zero padding.
        row_ok = m_ok & (ih >= 0) & (ih < H) & (iw >= 0) & (iw < W)
        a = tl.load(x_rows[:, None] + ih[:, None] * sx_h + iw[:, None] * sx_w
                    + c[None, :] * sx_c,
                    mask=row_ok[:, None] & c_ok[None, :], other=0.0)
        b = tl.load(w_cols[None, :] + c[:, None] * sw_c + r * sw_r + s * sw_s,
                    mask=c_ok[:, None] & n_ok[None, :], other=0.0)
        if UPCAST:  # interpreter only (bf16 tl.dot is wrong there)
            a = a.to(tl.float32)
            b = b.to(tl.float32)
        acc = tl.dot(a, b, acc, input_precision=INPUT_PRECISION)

    if HAS_BIAS:
        bias = tl.load(bias_ptr + g * K_G + offs_n, mask=n_ok, other=0.0)
        acc += bias.to(tl.float32)[None, :]
    y_ptrs = (y_ptr + (n.to(tl.int64) * sy_n + p * sy_h + q * sy_w)[:, None]
              + (g * K_G + offs_n)[None, :] * sy_c)
    tl.store(y_ptrs, acc.to(y_ptr.dtype.element_ty), mask=m_ok[:, None] & n_ok[None, :])


@triton.jit(do_not_specialize=_GEOMETRY_ARGS)
def conv2d_dgrad_kernel(
    dy_ptr, w_ptr, dx_ptr,
    BATCH, H, W, C_G, P, Q, K_G, R, S,
    stride_h, stride_w, pad_h, pad_w, dil_h, dil_w,
    sdy_n, sdy_c, sdy_h, sdy_w,
    sw_k, sw_c, sw_r, sw_s,
    sdx_n, sdx_c, sdx_h, sdx_w,
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr,
    GROUP_M: tl.constexpr, INPUT_PRECISION: tl.constexpr, UPCAST: tl.constexpr,
):
    """dx = conv_transpose(dy, w): tile of BLOCK_M input pixels x BLOCK_N input channels.

    dx[n, c, h, w] = sum_{k, r, s} dy[n, k, p, q] * w[k, c, r, s]
    over the taps where p = (h + pad_h - r*dil_h) / stride_h and q likewise are whole numbers
    inside the output.
    """
    NHW = BATCH * H * W
    pid_m, pid_n = grouped_tile(tl.program_id(0), NHW, C_G, BLOCK_M, BLOCK_N, GROUP_M)
    g = tl.program_id(1)

    offs_m = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    m_ok = offs_m < NHW
    n = offs_m // (H * W)
    h = (offs_m % (H * W)) // W
    w = offs_m % W
    dy_rows = dy_ptr + n.to(tl.int64) * sdy_n + (g * K_G) * sdy_c
    offs_n = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    n_ok = offs_n < C_G
    w_cols = w_ptr + offs_n * sw_c + (g * K_G).to(tl.int64) * sw_k
    offs_k = tl.arange(0, BLOCK_K)

    k_blocks = tl.cdiv(K_G, BLOCK_K)
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for t in range(0, R * S * k_blocks):
        r, s, k0 = tap_and_block(t, k_blocks, S, BLOCK_K)
        k = k0 + offs_k
        k_ok = k < K_G
        # Which output pixel did input pixel (h, w) feed through tap (r, s)? Only where the
        # division by the stride is exact; negative numerators are masked before the division
        # can matter (integer division rounds differently on GPU and in NumPy for them).
        ph = h + pad_h - r * dil_h
        pw = w + pad_w - s * dil_w
        p = ph // stride_h
        q = pw // stride_w
        row_ok = (m_ok & (ph >= 0) & (pw >= 0) & (ph % stride_h == 0) & (pw % stride_w == 0)
                  & (p < P) & (q < Q))
        a = tl.load(dy_rows[:, None] + p[:, None] * sdy_h + q[:, None] * sdy_w
                    + k[None, :] * sdy_c,
                    mask=row_ok[:, None] & k_ok[None, :], other=0.0)
        b = tl.load(w_cols[None, :] + k[:, None] * sw_k + r * sw_r + s * sw_s,
                    mask=k_ok[:, None] & n_ok[None, :], other=0.0)
        if UPCAST:
            a = a.to(tl.float32)
            b = b.to(tl.float32)
        acc = tl.dot(a, b, acc, input_precision=INPUT_PRECISION)

    dx_ptrs = (dx_ptr + (n.to(tl.int64) * sdx_n + h * sdx_h + w * sdx_w)[:, None]
               + (g * C_G + offs_n)[None, :] * sdx_c)
    tl.store(dx_ptrs, acc.to(dx_ptr.dtype.element_ty), mask=m_ok[:, None] & n_ok[None, :])


@triton.jit(do_not_specialize=_GEOMETRY_ARGS)
def conv2d_wgrad_kernel(
    x_ptr, dy_ptr, dw_ptr,
    BATCH, H, W, C_G, P, Q, K_G, R, S,
    stride_h, stride_w, pad_h, pad_w, dil_h, dil_w,
    sx_n, sx_c, sx_h, sx_w,
    sdy_n, sdy_c, sdy_h, sdy_w,
    sdw_split, sdw_k, sdw_c, sdw_r, sdw_s,
    SPLIT_K,
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr,
    GROUP_M: tl.constexpr, INPUT_PRECISION: tl.constexpr, UPCAST: tl.constexpr,
):
    """dw[split] = partial sums of dy^T @ im2col(x): BLOCK_M out channels x BLOCK_N (r, s, c).

    dw[k, c, r, s] = sum_{n, p, q} dy[n, k, p, q] * x[n, c, p*sh - ph + r*dh, q*sw - pw + s*dw]
    Program (tile, g, split) sums the pixels of its own slice of the N*P*Q reduction and
    writes dw[split]; the launcher adds the SPLIT_K slices.
    """
    RSC = R * S * C_G
    pid_m, pid_n = grouped_tile(tl.program_id(0), K_G, RSC, BLOCK_M, BLOCK_N, GROUP_M)
    g = tl.program_id(1)
    split = tl.program_id(2)

    offs_m = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)  # output channel within the group
    m_ok = offs_m < K_G
    # Columns: flat (r, s, c) with c fastest, decomposed once.
    offs_n = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    n_ok = offs_n < RSC
    c = offs_n % C_G
    r = offs_n // (S * C_G)
    s = (offs_n // C_G) % S
    dy_chan = dy_ptr + (g * K_G + offs_m) * sdy_c
    x_chan = x_ptr + (g * C_G + c) * sx_c

    # This program's share of the K-blocks of the reduction over output pixels.
    NPQ = BATCH * P * Q
    k_blocks = tl.cdiv(NPQ, BLOCK_K)
    per_split = tl.cdiv(k_blocks, SPLIT_K)
    start = split * per_split
    end = tl.minimum(start + per_split, k_blocks)
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for t in range(start, end):
        npq = t * BLOCK_K + tl.arange(0, BLOCK_K)
        npq_ok = npq < NPQ
        nb = npq // (P * Q)
        p = (npq % (P * Q)) // Q
        q = npq % Q
        nb64 = nb.to(tl.int64)
        # A = dy^T: (BLOCK_M channels, BLOCK_K pixels).
        a = tl.load(dy_chan[:, None] + (nb64 * sdy_n + p * sdy_h + q * sdy_w)[None, :],
                    mask=m_ok[:, None] & npq_ok[None, :], other=0.0)
        # B = the im2col entries: (BLOCK_K pixels, BLOCK_N taps x channels).
        ih = (p * stride_h - pad_h)[:, None] + (r * dil_h)[None, :]
        iw = (q * stride_w - pad_w)[:, None] + (s * dil_w)[None, :]
        b_ok = (npq_ok[:, None] & n_ok[None, :]
                & (ih >= 0) & (ih < H) & (iw >= 0) & (iw < W))
        b = tl.load(x_chan[None, :] + nb64[:, None] * sx_n + ih * sx_h + iw * sx_w,
                    mask=b_ok, other=0.0)
        if UPCAST:
            a = a.to(tl.float32)
            b = b.to(tl.float32)
        acc = tl.dot(a, b, acc, input_precision=INPUT_PRECISION)

    dw_ptrs = (dw_ptr + split * sdw_split + (g * K_G + offs_m)[:, None] * sdw_k
               + (c * sdw_c + r * sdw_r + s * sdw_s)[None, :])
    tl.store(dw_ptrs, acc.to(dw_ptr.dtype.element_ty), mask=m_ok[:, None] & n_ok[None, :])


# ---- Configurations ----------------------------------------------------------------------------
# Same knobs as matmul.py; one list serves the three kernels (their tiles have the same shapes;
# the AOT report still compiles and checks each kernel separately). The address arithmetic of
# the gathered loads (pixel index div/mod, padding masks) takes registers of its own, so the
# tiles are a step smaller than the matmul's. The reduction of a ResNet layer (C*R*S =
# 64..4608) is shorter than a big matmul's, which favours 3-4 stages over more.


_CONV_CONFIGS: dict[tuple[str, str], list[triton.Config]] = {
    ("sm_90", "16bit"): tile_configs((128, 128, 64, 8, 3), (128, 64, 64, 4, 4), (64, 128, 64, 4, 4),
                                     (64, 64, 64, 4, 3)),
    ("sm_90", "tf32"): tile_configs((128, 128, 32, 8, 3), (64, 64, 32, 4, 3)),
    ("sm_90", "ieee"): IEEE_CONFIGS,
    ("sm_80", "16bit"): tile_configs((128, 128, 32, 8, 3), (128, 64, 32, 4, 4), (64, 64, 32, 4, 3)),
    ("sm_80", "tf32"): tile_configs((128, 64, 32, 4, 3), (64, 64, 32, 4, 3)),
    ("sm_80", "ieee"): IEEE_CONFIGS,
    **UNALIGNED_CONFIGS,  # odd channel counts, e.g. a 3-channel image (see matmul.py)
}
CONV_FWD_CONFIGS = _CONV_CONFIGS
CONV_DGRAD_CONFIGS = _CONV_CONFIGS
CONV_WGRAD_CONFIGS = _CONV_CONFIGS
(INTERPRETER_CONFIG,) = tile_configs((32, 32, 32, 4, 1, 2))
# Re-tune for every new layer shape (and, in wgrad, number of reduction slices).
TUNE_KEY = ["BATCH", "H", "W", "C_G", "K_G", "P", "Q", "R", "S", "stride_h", "stride_w"]
WGRAD_TUNE_KEY = [*TUNE_KEY, "SPLIT_K"]


# ---- Launchers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvGeometry:
    """Sizes and hyper-parameters of one convolution, checked once for all three kernels."""

    batch: int
    channels: int
    height: int
    width: int
    out_channels: int
    kernel_h: int
    kernel_w: int
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    groups: int

    @property
    def out_hw(self) -> tuple[int, int]:
        """P = floor((H + 2*ph - dh*(R-1) - 1) / sh) + 1, and Q likewise."""
        (sh, sw), (ph, pw), (dh, dw) = self.stride, self.padding, self.dilation
        return ((self.height + 2 * ph - dh * (self.kernel_h - 1) - 1) // sh + 1,
                (self.width + 2 * pw - dw * (self.kernel_w - 1) - 1) // sw + 1)

    def kernel_args(self) -> tuple[int, ...]:
        """The shape arguments every conv kernel takes, in its signature's order."""
        P, Q = self.out_hw
        return (self.batch, self.height, self.width, self.channels // self.groups, P, Q,
                self.out_channels // self.groups, self.kernel_h, self.kernel_w,
                *self.stride, *self.padding, *self.dilation)


def _pair(op: str, name: str, v: int | tuple[int, int], minimum: int) -> tuple[int, int]:
    pair = (v, v) if isinstance(v, int) else tuple(v)
    if len(pair) != 2 or any(not isinstance(i, int) or i < minimum for i in pair):
        raise ValueError(f"{op}: {name} must be an int or a pair of ints >= {minimum}, got {v!r}")
    return pair


def conv_geometry(
    op: str,
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: int | tuple[int, int],
    padding: int | tuple[int, int],
    dilation: int | tuple[int, int],
    groups: int,
) -> ConvGeometry:
    """Validate shapes and hyper-parameters like ``torch.nn.functional.conv2d`` does."""
    if len(x_shape) != 4 or len(w_shape) != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W) and a 4-D weight "
                         f"(K, C/groups, R, S), got {tuple(x_shape)} and {tuple(w_shape)}")
    N, C, H, W = x_shape
    K, C_g, R, S = w_shape
    if not isinstance(groups, int) or groups < 1 or C % groups or K % groups:
        raise ValueError(f"{op}: groups={groups} must divide the input channels ({C}) and "
                         f"the output channels ({K})")
    if C_g * groups != C:
        raise ValueError(f"{op}: input {tuple(x_shape)} has {C} channels but weight "
                         f"{tuple(w_shape)} expects {C_g} x groups ({groups}) = {C_g * groups}")
    geo = ConvGeometry(N, C, H, W, K, R, S, _pair(op, "stride", stride, 1),
                       _pair(op, "padding", padding, 0), _pair(op, "dilation", dilation, 1),
                       groups)
    P, Q = geo.out_hw
    if P < 1 or Q < 1:
        raise ValueError(f"{op}: input {tuple(x_shape)} with padding {geo.padding} is smaller "
                         f"than the dilated kernel of weight {tuple(w_shape)}")
    return geo


def _nhwc(t: torch.Tensor) -> torch.Tensor:
    """The same logical NCHW tensor with NHWC memory (a no-op when it already has it)."""
    return t.contiguous(memory_format=torch.channels_last)


def _launch(kernel, configs, grid, args: tuple, geo: ConvGeometry, tensors: tuple,
            input_precision: str, config: triton.Config | None, tune_key: list[str] = TUNE_KEY,
            **flags) -> None:
    """Launch a conv kernel on ``tensors`` (their dtype and alignment pick the config list)."""
    t = tensors[0]
    aligned = vectorizable((geo.channels // geo.groups, geo.out_channels // geo.groups), *tensors)
    flags.update(INPUT_PRECISION=dot_precision(t.dtype, input_precision),
                 UPCAST=interpreting() and t.dtype == torch.bfloat16)
    launch(kernel, grid, args, flags, config=config, interpreter_config=INTERPRETER_CONFIG,
           configs=configs, tune_key=tune_key, device=t.device,
           kind=config_kind(t.dtype, input_precision, aligned))


def _tiles(rows: int, cols: int, groups: int, splits: int = 1):
    def grid(meta):
        return (triton.cdiv(rows, meta["BLOCK_M"]) * triton.cdiv(cols, meta["BLOCK_N"]),
                groups, splits)
    return grid


def conv2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    input_precision: str = "ieee",
    config: triton.Config | None = None,
) -> torch.Tensor:
    """``torch.nn.functional.conv2d`` as an implicit GEMM. Returns a channels_last tensor.

    x: (N, C, H, W); weight: (K, C/groups, R, S); bias: (K,). fp16, bf16 or fp32.
    """
    dtype = check_tensors("conv2d", x=x, weight=weight, bias=bias)
    check_precision("conv2d", input_precision)
    geo = conv_geometry("conv2d", x.shape, weight.shape, stride, padding, dilation, groups)
    if bias is not None and tuple(bias.shape) != (geo.out_channels,):
        raise ValueError(f"conv2d: bias must have shape ({geo.out_channels},), "
                         f"got {tuple(bias.shape)}")
    P, Q = geo.out_hw
    x, weight = _nhwc(x), _nhwc(weight)
    bias = bias.contiguous() if bias is not None else None
    y = torch.empty((geo.batch, geo.out_channels, P, Q), dtype=dtype, device=x.device,
                    memory_format=torch.channels_last)
    args = (x, weight, y, bias, *geo.kernel_args(), *x.stride(), *weight.stride(), *y.stride())
    _launch(conv2d_fwd_kernel, CONV_FWD_CONFIGS,
            _tiles(geo.batch * P * Q, geo.out_channels // groups, groups), args, geo,
            (x, weight, y, bias), input_precision, config, HAS_BIAS=bias is not None)
    return y


def conv2d_dgrad(
    grad_out: torch.Tensor,
    weight: torch.Tensor,
    input_shape: tuple[int, int, int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    input_precision: str = "ieee",
    config: triton.Config | None = None,
) -> torch.Tensor:
    """Gradient of conv2d with respect to its input x (of shape ``input_shape``)."""
    dtype = check_tensors("conv2d_dgrad", grad_out=grad_out, weight=weight)
    check_precision("conv2d_dgrad", input_precision)
    geo = conv_geometry("conv2d_dgrad", tuple(input_shape), weight.shape, stride, padding,
                        dilation, groups)
    _check_grad_out("conv2d_dgrad", grad_out, geo)
    grad_out, weight = _nhwc(grad_out), _nhwc(weight)
    dx = torch.empty(tuple(input_shape), dtype=dtype, device=grad_out.device,
                     memory_format=torch.channels_last)
    args = (grad_out, weight, dx, *geo.kernel_args(), *grad_out.stride(), *weight.stride(),
            *dx.stride())
    _launch(conv2d_dgrad_kernel, CONV_DGRAD_CONFIGS,
            _tiles(geo.batch * geo.height * geo.width, geo.channels // groups, groups), args,
            geo, (grad_out, weight, dx), input_precision, config)
    return dx


def conv2d_wgrad(
    x: torch.Tensor,
    grad_out: torch.Tensor,
    weight_shape: tuple[int, int, int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    input_precision: str = "ieee",
    config: triton.Config | None = None,
    split_k: int | None = None,
) -> torch.Tensor:
    """Gradient of conv2d with respect to its weight (of shape ``weight_shape``).

    split_k: number of slices of the N*P*Q reduction computed in parallel (each into its own
    fp32 buffer, then summed in a fixed order, so results are deterministic). By default 1
    under the interpreter, and on a GPU enough slices to give about two programs per SM.
    """
    dtype = check_tensors("conv2d_wgrad", x=x, grad_out=grad_out)
    check_precision("conv2d_wgrad", input_precision)
    geo = conv_geometry("conv2d_wgrad", x.shape, tuple(weight_shape), stride, padding,
                        dilation, groups)
    _check_grad_out("conv2d_wgrad", grad_out, geo)
    P, Q = geo.out_hw
    npq, k_g = geo.batch * P * Q, geo.out_channels // groups
    rsc = geo.kernel_h * geo.kernel_w * geo.channels // groups
    if split_k is None:
        split_k = 1 if interpreting() else _default_split(x.device, k_g, rsc, groups, npq)
    if not isinstance(split_k, int) or split_k < 1:
        raise ValueError(f"conv2d_wgrad: split_k must be a positive int, got {split_k!r}")
    x, grad_out = _nhwc(x), _nhwc(grad_out)
    # (split, K, C/g, R, S) with (R, S, C/g) innermost: each slice has the KRSC layout.
    K, C_g, R, S = weight_shape
    parts = torch.empty((split_k, K, R, S, C_g), device=x.device,
                        dtype=dtype if split_k == 1 else torch.float32).permute(0, 1, 4, 2, 3)
    args = (x, grad_out, parts, *geo.kernel_args(), *x.stride(), *grad_out.stride(),
            *parts.stride(), split_k)
    _launch(conv2d_wgrad_kernel, CONV_WGRAD_CONFIGS, _tiles(k_g, rsc, groups, split_k), args,
            geo, (x, grad_out, parts), input_precision, config, WGRAD_TUNE_KEY)
    return parts[0] if split_k == 1 else parts.sum(0).to(dtype)


def _check_grad_out(op: str, grad_out: torch.Tensor, geo: ConvGeometry) -> None:
    expected = (geo.batch, geo.out_channels, *geo.out_hw)
    if tuple(grad_out.shape) != expected:
        raise ValueError(f"{op}: grad_out must have shape {expected}, "
                         f"got {tuple(grad_out.shape)}")


def _default_split(device: torch.device, k_g: int, rsc: int, groups: int, npq: int) -> int:
    """Slices for split-K: about two 128x128 tiles per SM, each slice >= 8 steps of 64."""
    tiles = triton.cdiv(k_g, 128) * triton.cdiv(rsc, 128) * groups
    sms = torch.cuda.get_device_properties(device).multi_processor_count
    return max(1, min(2 * sms // tiles, triton.cdiv(npq, 8 * 64), 32))


# ---- Reference: the same index arithmetic in NumPy loops ---------------------------------------
# For reading and for tests on tiny shapes (these loops are slow). Arrays are NCHW / KCRS.


def _taps(geo: ConvGeometry):
    """Every (n, k, p, q, ci, c, r, s, h, v) where output y[n, k, p, q] reads input
    x[n, ci, h, v] through weight w[k, c, r, s]: h = p*sh - ph + r*dh, v = q*sw - pw + s*dw,
    ci = g*Cg + c for k's group g. Taps that fall in the padding (read 0) are skipped."""
    (sh, sw), (ph, pw), (dh, dw) = geo.stride, geo.padding, geo.dilation
    P, Q = geo.out_hw
    Cg, Kg = geo.channels // geo.groups, geo.out_channels // geo.groups
    for n, k, p, q in np.ndindex(geo.batch, geo.out_channels, P, Q):
        for c, r, s in np.ndindex(Cg, geo.kernel_h, geo.kernel_w):
            h, v = p * sh - ph + r * dh, q * sw - pw + s * dw
            if 0 <= h < geo.height and 0 <= v < geo.width:
                yield n, k, p, q, (k // Kg) * Cg + c, c, r, s, h, v


def conv2d_reference(x: np.ndarray, w: np.ndarray, stride=1, padding=0, dilation=1,
                     groups: int = 1) -> np.ndarray:
    """y[n, k, p, q] = sum_{c, r, s} x[n, ci, h, v] * w[k, c, r, s] (see ``_taps``)."""
    geo = conv_geometry("conv2d_reference", x.shape, w.shape, stride, padding, dilation, groups)
    y = np.zeros((geo.batch, geo.out_channels, *geo.out_hw))
    for n, k, p, q, ci, c, r, s, h, v in _taps(geo):
        y[n, k, p, q] += x[n, ci, h, v] * w[k, c, r, s]
    return y


def conv2d_dgrad_reference(dy: np.ndarray, w: np.ndarray, input_shape, stride=1, padding=0,
                           dilation=1, groups: int = 1) -> np.ndarray:
    """dx[n, ci, h, v] = sum of dy[n, k, p, q] * w[k, c, r, s] over the taps that read it:
    the forward's reads, turned into writes (what the dgrad kernel inverts per input pixel)."""
    geo = conv_geometry("conv2d_dgrad_reference", tuple(input_shape), w.shape, stride,
                        padding, dilation, groups)
    dx = np.zeros(tuple(input_shape))
    for n, k, p, q, ci, c, r, s, h, v in _taps(geo):
        dx[n, ci, h, v] += dy[n, k, p, q] * w[k, c, r, s]
    return dx


def conv2d_wgrad_reference(x: np.ndarray, dy: np.ndarray, weight_shape, stride=1, padding=0,
                           dilation=1, groups: int = 1) -> np.ndarray:
    """dw[k, c, r, s] = sum_{n, p, q} dy[n, k, p, q] * x[n, ci, h, v]."""
    geo = conv_geometry("conv2d_wgrad_reference", x.shape, tuple(weight_shape), stride,
                        padding, dilation, groups)
    dw = np.zeros(tuple(weight_shape))
    for n, k, p, q, ci, c, r, s, h, v in _taps(geo):
        dw[k, c, r, s] += dy[n, k, p, q] * x[n, ci, h, v]
    return dw
