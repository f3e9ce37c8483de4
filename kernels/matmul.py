"""A tiled matrix multiplication in Triton: ``C = act(A @ B + bias)``.

How a GPU computes a matmul
---------------------------
``C[m, n] = sum_k A[m, k] * B[k, n]`` for an (M, K) matrix A and a (K, N) matrix B. A GPU runs
many *programs* (CUDA thread blocks) at once; each one here owns one BLOCK_M x BLOCK_N tile of
C. It walks along K in steps of BLOCK_K, loading a BLOCK_M x BLOCK_K tile of A and a
BLOCK_K x BLOCK_N tile of B and multiplying them on the tensor cores with ``tl.dot``, adding
each partial product into an accumulator held in registers. Every element of A is read once
per column-tile of C (N / BLOCK_N times) instead of once per column (N times): big tiles are what
turn a memory-bound loop into a compute-bound one. The arithmetic intensity of a tile step is
``2*BM*BN*BK`` flops for ``(BM*BK + BK*BN)`` loaded elements.

The parts of the kernel below, each explained next to its code:

* **Grouped program ordering** (L2 reuse): which tile of C a program id computes
  (``grouped_tile``, shared with the convolution kernels).
* **Arbitrary strides and batches**: the kernel never assumes a layout, so ``A.T`` or a batch of
  matrices are just other strides; no copy is made.
* **Masks**: M, N and K need not be multiples of the block sizes.
* **fp32 accumulation**: fp16/bf16 products are summed in fp32, and the result is rounded to
  the output dtype once, at the end.
* **Epilogue fusion**: bias and ReLU/GELU are applied to the accumulator while it is still in
  registers, saving a full read and write of C per extra op.
* **Configs**: block sizes, ``num_warps`` and ``num_stages`` (software pipelining), autotuned
  per GPU architecture, and one fixed config under the CPU interpreter.

What it leaves out, for readability: Hopper's bulk tensor copies (TMA, through
``tl.make_tensor_descriptor``) instead of per-thread pointer loads, persistent programs that
loop over tiles, warp specialization (some warps load while others multiply), and split-K for
small outputs with long reductions (``conv2d.py``'s weight gradient has that one). Those are
most of the remaining distance to cuBLAS on an H100; ``python -m benchmarks.kernels`` measures
how much.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

from kernels.runtime import (
    check_precision,
    check_tensors,
    config_kind,
    dot_precision,
    interpreting,
    launch,
    vectorizable,
)

ACTIVATIONS = (None, "relu", "gelu")


@triton.jit
def matmul_kernel(
    a_ptr, b_ptr, c_ptr, bias_ptr,
    M, N, K,
    stride_ab, stride_am, stride_ak,
    stride_bb, stride_bk, stride_bn,
    stride_cb, stride_cm, stride_cn,
    stride_bias,
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr,
    GROUP_M: tl.constexpr,
    HAS_BIAS: tl.constexpr, ACTIVATION: tl.constexpr,
    INPUT_PRECISION: tl.constexpr, UPCAST: tl.constexpr,
):
    """One program computes one BLOCK_M x BLOCK_N tile of C for one batch entry."""
    pid_m, pid_n = grouped_tile(tl.program_id(0), M, N, BLOCK_M, BLOCK_N, GROUP_M)
    batch = tl.program_id(1)

    # ---- Pointers to the first K-tile of A and B ---------------------------------------------
    # Element (m, k) of batch b of A sits at a_ptr + b*stride_ab + m*stride_am + k*stride_ak.
    # A transposed input only swaps stride_am and stride_ak; a 2-D operand shared by a batch
    # has stride_ab = 0. Triton specializes integer arguments equal to 1 at compile time, so the
    # common unit stride still compiles to contiguous, vectorized loads.
    # The batch offset is computed in int64: batch * stride can pass 2**31 on big tensors.
    offs_m = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    offs_n = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    offs_k = tl.arange(0, BLOCK_K)
    batch64 = batch.to(tl.int64)
    a_ptrs = (a_ptr + batch64 * stride_ab
              + offs_m[:, None] * stride_am + offs_k[None, :] * stride_ak)
    b_ptrs = (b_ptr + batch64 * stride_bb
              + offs_k[:, None] * stride_bk + offs_n[None, :] * stride_bn)

    # ---- The K loop, accumulating in fp32 ------------------------------------------------------
    # The accumulator is fp32 whatever the input dtype: fp16 has 11 significant bits, so
    # summing K products in fp16 would lose the small ones once the sum is large. Tensor cores
    # multiply fp16/bf16 pairs exactly and add into fp32 for free.
    #
    # Masks: rows past M, columns past N and the tail of K past K are loaded as 0.0 (``other``),
    # so they add nothing to the dot product. Without the mask the load would read out of
    # bounds (on a GPU: garbage or a fault; in the interpreter: silently, whatever is there).
    #
    # Pipelining: this loop looks sequential, but the compiler turns it into a software
    # pipeline of ``num_stages`` stages: while tl.dot works on tile k, the asynchronous copies
    # of tiles k+1 .. k+num_stages-1 are already in flight into shared memory. More stages
    # hide more memory latency and cost num_stages * (BM*BK + BK*BN) * bytes of shared memory.
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for k in range(0, tl.cdiv(K, BLOCK_K)):
        k_left = K - k * BLOCK_K
        a = tl.load(a_ptrs, mask=(offs_m[:, None] < M) & (offs_k[None, :] < k_left), other=0.0)
        b = tl.load(b_ptrs, mask=(offs_k[:, None] < k_left) & (offs_n[None, :] < N), other=0.0)
        if UPCAST:  # interpreter only: its tl.dot mishandles bf16, so compute in fp32
            a = a.to(tl.float32)
            b = b.to(tl.float32)
        # input_precision matters for fp32 inputs only: "ieee" is exact fp32, "tf32" rounds the
        # inputs to 10 mantissa bits to run on tensor cores (about 8x faster on an H100).
        acc = tl.dot(a, b, acc, input_precision=INPUT_PRECISION)
        a_ptrs += BLOCK_K * stride_ak
        b_ptrs += BLOCK_K * stride_bk

    # ---- Epilogue: bias and activation on the fp32 accumulator, then one rounding -------------
    # Applying them here, while the tile is in registers, saves writing C and reading it back
    # for each extra op (a "fused epilogue").
    if HAS_BIAS:
        bias = tl.load(bias_ptr + offs_n * stride_bias, mask=offs_n < N, other=0.0)
        acc += bias.to(tl.float32)[None, :]
    acc = apply_activation(acc, ACTIVATION)

    c_ptrs = (c_ptr + batch64 * stride_cb
              + offs_m[:, None] * stride_cm + offs_n[None, :] * stride_cn)
    c_mask = (offs_m[:, None] < M) & (offs_n[None, :] < N)
    tl.store(c_ptrs, acc.to(c_ptr.dtype.element_ty), mask=c_mask)


@triton.jit
def grouped_tile(pid, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, GROUP_M: tl.constexpr):
    """Map a program id to the (row, column) tile of an M x N output, in grouped order.

    Programs with consecutive ids run at roughly the same time. In plain row-major order, ids
    0..num_pid_n-1 would all compute row-tile 0: they share one strip of A but need *all* of
    B, so B streams through the L2 cache and is evicted before row-tile 1 needs it. Instead we
    walk GROUP_M row-tiles down a column before moving right::

        row-major (GROUP_M=1)      grouped (GROUP_M=2)
         0  1  2  3                 0  2  4  6
         4  5  6  7                 1  3  5  7

    The first four programs then compute a 2x2 square of C from 2 strips of A and 2 of B,
    instead of a 1x4 row from 1 strip of A and 4 of B: more tiles of C per byte read from
    DRAM. The last group may have fewer than GROUP_M rows (``group_size_m``).
    """
    num_pid_m = tl.cdiv(M, BLOCK_M)
    num_pid_n = tl.cdiv(N, BLOCK_N)
    num_pid_in_group = GROUP_M * num_pid_n
    group_id = pid // num_pid_in_group
    first_pid_m = group_id * GROUP_M
    group_size_m = min(num_pid_m - first_pid_m, GROUP_M)
    pid_m = first_pid_m + ((pid % num_pid_in_group) % group_size_m)
    pid_n = (pid % num_pid_in_group) // group_size_m
    return pid_m, pid_n


@triton.jit
def apply_activation(x, ACTIVATION: tl.constexpr):
    """ReLU ``max(x, 0)`` or exact GELU ``x * Phi(x) = x/2 * (1 + erf(x / sqrt 2))``.

    ACTIVATION is a compile-time constant: the branches not taken are not even compiled.
    """
    if ACTIVATION == "relu":
        x = tl.maximum(x, 0.0)
    elif ACTIVATION == "gelu":
        x = 0.5 * x * (1.0 + tl.math.erf(x * 0.7071067811865476))
    return x


# ---- Configurations ----------------------------------------------------------------------------
# A config fixes the tile shape and two compiler knobs:
#
# * BLOCK_M x BLOCK_N (the tile of C) and BLOCK_K (the K step). Bigger tiles reuse each loaded
#   element more often but need more registers for the accumulator (BM*BN fp32 values spread
#   over the block's threads) and leave fewer programs to fill the GPU's SMs on small problems.
# * num_warps: threads per program / 32. The accumulator is split across the warps, so a
#   128x256 tile needs 8 warps to stay at ~128 accumulator registers per thread.
# * num_stages: depth of the software pipeline of the K loop (see above); each stage holds one
#   A tile and one B tile in shared memory.
#
# Lists differ by architecture (sm_90 Hopper: 227 KiB shared memory per block and the wgmma
# instructions that like 64-row multiples per warpgroup; sm_80 Ampere: 163 KiB) and by the kind
# of input (``runtime.config_kind``): an fp32 tile is twice the bytes of an fp16 one, so fp32
# configs use a smaller BLOCK_K or fewer stages. ``python -m kernels.aot`` compiles every entry
# ahead of time and reports registers, spills and shared memory; a test fails if one spills or
# does not fit.
#
# Alignment. The big tiles below rely on vectorized loads: when sizes and strides are
# multiples of 16 (``runtime.vectorizable``), one 16-byte load from one address fetches 8 fp16
# values of a tile row. An odd K, a 3-channel image or a sliced tensor loses that, every element
# then needs its own 64-bit address in registers, and most of those tiles spill (compiled with
# unaligned channel counts, the conv configs below spilled up to 2.6 KB per thread). Such
# launches get the "-unaligned" lists: small tiles that fit the fully general variant on both
# architectures, for every kernel (the AOT report checks them in that variant).


def tile_configs(*rows: tuple[int, ...]) -> list[triton.Config]:
    """Configs from rows (BLOCK_M, BLOCK_N, BLOCK_K, num_warps, num_stages[, GROUP_M=8])."""
    return [
        triton.Config({"BLOCK_M": bm, "BLOCK_N": bn, "BLOCK_K": bk, "GROUP_M": group_m},
                      num_warps=warps, num_stages=stages)
        for bm, bn, bk, warps, stages, group_m in (row + (8,) * (6 - len(row)) for row in rows)
    ]


# "ieee" fp32 runs on the FMA units: the operands of each K step are unpacked into registers,
# so a 32-deep step spills where a 16-deep one fits (see the AOT report).
IEEE_CONFIGS = tile_configs((128, 128, 16, 8, 3), (64, 64, 16, 4, 3))
UNALIGNED_CONFIGS: dict[tuple[str, str], list[triton.Config]] = {
    (arch, f"{kind}-unaligned"): tile_configs(*rows)
    for arch in ("sm_90", "sm_80")
    for kind, rows in (("16bit", [(64, 64, 32, 4, 3), (64, 32, 16, 4, 3)]),
                       ("tf32", [(64, 64, 32, 4, 3), (64, 32, 16, 4, 3)]),
                       ("ieee", [(64, 32, 16, 4, 3), (32, 32, 32, 4, 3)]))
}
MATMUL_CONFIGS: dict[tuple[str, str], list[triton.Config]] = {
    # (arch, kind) -> candidates for @triton.autotune
    ("sm_90", "16bit"): tile_configs(
        (128, 256, 64, 8, 3), (256, 128, 64, 8, 3), (128, 128, 64, 8, 4), (128, 128, 64, 4, 4),
        (64, 256, 64, 4, 4), (128, 64, 64, 4, 4), (64, 64, 64, 4, 4)),
    ("sm_90", "tf32"): tile_configs(
        (128, 256, 32, 8, 3), (128, 128, 32, 8, 4), (128, 64, 32, 4, 4), (64, 64, 32, 4, 4)),
    ("sm_90", "ieee"): IEEE_CONFIGS,
    ("sm_80", "16bit"): tile_configs(
        (128, 256, 64, 8, 3), (128, 128, 32, 4, 4), (128, 64, 32, 4, 4), (64, 128, 32, 4, 4),
        (64, 64, 32, 4, 4)),
    ("sm_80", "tf32"): tile_configs((128, 128, 32, 8, 3), (128, 64, 32, 4, 4), (64, 64, 32, 4, 4)),
    ("sm_80", "ieee"): IEEE_CONFIGS,
    **UNALIGNED_CONFIGS,
}

# Under the interpreter every program runs one after another in NumPy, so the cost grows with
# (number of programs x K steps): 32-wide tiles keep test shapes to a handful of programs while
# still exercising the masks, the grouping (GROUP_M=2) and several K steps.
(INTERPRETER_CONFIG,) = tile_configs((32, 32, 32, 4, 1, 2))
# Re-tune for every new problem size and for transposed inputs (they load differently).
TUNE_KEY = ["M", "N", "K", "stride_ak", "stride_bn"]


def fits_epilogue(config: triton.Config, activation: str | None) -> bool:
    """Whether ``config`` can run ``activation`` in its epilogue without spilling registers.

    The accumulator takes BM*BN / (32*num_warps) fp32 registers per thread. GELU's erf
    polynomial needs several temporaries per value on top of that; the ahead-of-time report
    (``python -m kernels.aot``) shows 128 accumulator registers + GELU spilling on sm_90 and
    sm_80, and at most 64 fitting. So GELU only runs on configs with <= 64 accumulator
    registers per thread; bias and ReLU fit everywhere.
    """
    acc_regs = config.kwargs["BLOCK_M"] * config.kwargs["BLOCK_N"] // (32 * config.num_warps)
    return activation != "gelu" or acc_regs <= 64


def _prune(configs: list[triton.Config], named_args: dict, **kwargs) -> list[triton.Config]:
    """Autotune pruning hook: keep the configs whose epilogue fits (see ``fits_epilogue``)."""
    activation = {**named_args, **kwargs}["ACTIVATION"]
    return [c for c in configs if fits_epilogue(c, activation)]


def matmul(
    a: torch.Tensor,
    b: torch.Tensor,
    bias: torch.Tensor | None = None,
    activation: str | None = None,
    input_precision: str = "ieee",
    config: triton.Config | None = None,
) -> torch.Tensor:
    """``act(a @ b + bias)`` with one Triton kernel launch.

    a: (M, K) or (B, M, K); b: (K, N) or (B, K, N), any strides (a transposed view is read in
    place). A 2-D operand is shared by every batch entry. bias: (N,), added to every row.
    activation: None, "relu" or "gelu" (exact, erf form, like ``torch.nn.GELU()``).
    Inputs are fp16, bf16 or fp32 (one dtype); the output has that dtype and is contiguous.
    input_precision: "ieee" or "tf32" for fp32 inputs (see ``check_precision``).
    config: force one config (tests); by default the interpreter's fixed config or, on a GPU,
    the autotuned best of ``MATMUL_CONFIGS`` for the device.
    """
    if a.dim() not in (2, 3) or b.dim() not in (2, 3):
        raise ValueError(
            f"matmul: expected 2-D or 3-D inputs, got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    dtype = check_tensors("matmul", a=a, b=b, bias=bias)
    check_precision("matmul", input_precision)
    if activation not in ACTIVATIONS:
        raise ValueError(f"matmul: activation must be one of {ACTIVATIONS}, got {activation!r}")
    M, K = a.shape[-2:]
    K_b, N = b.shape[-2:]
    batch_a = a.shape[0] if a.dim() == 3 else 1
    batch_b = b.shape[0] if b.dim() == 3 else 1
    if K != K_b or (a.dim() == b.dim() == 3 and batch_a != batch_b):
        raise ValueError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied"
        )
    if bias is not None and tuple(bias.shape) != (N,):
        raise ValueError(f"matmul: bias must have shape ({N},), got {tuple(bias.shape)}")

    batch = max(batch_a, batch_b)
    batched = a.dim() == 3 or b.dim() == 3
    c = torch.empty((batch, M, N), dtype=dtype, device=a.device)
    if c.numel() > 0:
        _launch(a, b, c, bias, activation, input_precision, config)
    return c if batched else c[0]


def _launch(a, b, c, bias, activation, input_precision, config) -> None:
    """One grid over (tiles of C) x (batch entries); the config is forced, fixed or autotuned."""
    M, K = a.shape[-2:]
    N = b.shape[-1]
    # A 2-D operand gets batch stride 0: every batch entry reads the same matrix.
    sa = (a.stride(0) if a.dim() == 3 else 0, a.stride(-2), a.stride(-1))
    sb = (b.stride(0) if b.dim() == 3 else 0, b.stride(-2), b.stride(-1))
    args = (a, b, c, bias, M, N, K, *sa, *sb, *c.stride(),
            bias.stride(0) if bias is not None else 0)
    flags = dict(
        HAS_BIAS=bias is not None, ACTIVATION=activation,
        INPUT_PRECISION=dot_precision(a.dtype, input_precision),
        UPCAST=interpreting() and a.dtype == torch.bfloat16,
    )

    def grid(meta):
        return (triton.cdiv(M, meta["BLOCK_M"]) * triton.cdiv(N, meta["BLOCK_N"]), c.shape[0])

    launch(
        matmul_kernel, grid, args, flags, config=config, interpreter_config=INTERPRETER_CONFIG,
        configs=MATMUL_CONFIGS, tune_key=TUNE_KEY,
        device=a.device, prune=_prune,
        kind=config_kind(a.dtype, input_precision, vectorizable((M, N, K), a, b, c, bias)),
    )
