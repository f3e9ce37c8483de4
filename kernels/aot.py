"""Ahead-of-time resource report: compile every shipped config for sm_90 and sm_80, no GPU needed.

``python -m kernels.aot`` prints one row per (kernel, target, dtype, config, layout): registers
per thread, spilled bytes, shared memory, how many blocks fit on one SM, and which instructions
the compiler chose for the product (Hopper's ``wgmma``, Ampere's ``mma.sync`` or plain fp32
``fma``) and for the loads (``cp.async``: asynchronous copies that the software pipeline
overlaps with the math, or plain synchronous ``ld.global``). It exits 1 when a
config spills or needs more shared memory than its target has, because such a config either
runs slowly (spills go to local memory, i.e. DRAM through the cache) or fails at launch (an
oversized config compiles fine and only dies with OutOfResources on the GPU).

How it works: ``triton.compile(ASTSource(kernel, signature, constexprs, attrs),
target=GPUTarget("cuda", 90, 32), options={num_warps, num_stages})`` runs the whole Triton
pipeline (ttir -> ttgir -> llir -> ptx -> cubin, the last step by the ``ptxas`` bundled in the
triton wheel) for a GPU that is not there. ``metadata.shared`` is the dynamic shared memory the
launch will request; registers and stack (spill) bytes come from ``cuobjdump
--dump-resource-usage`` on the cubin, also bundled in the wheel.

What is compiled: every variant of the kernel that a launcher can give each config, with the
heaviest epilogue the config is used with (bias + GELU where ``fits_epilogue`` allows GELU,
else bias + ReLU). Triton compiles one variant per pattern of integer arguments equal to 1 or
divisible by 16 (``runtime.vectorizable``), so:

* the aligned lists are compiled for each layout their launcher accepts as aligned (the
  ``Layout`` rows: unit strides as the constant 1, pointers and the other sizes and strides
  divisible by 16): for matmul each operand row- or column-major, for conv NHWC;
* the "-unaligned" lists are compiled with nothing known about any argument (``GENERIC``),
  the worst case for registers.

16-bit configs are compiled for fp16 (bf16 tiles have the same sizes), the "tf32" and "ieee"
lists for fp32 with that input precision.

Must run in a process without TRITON_INTERPRET (the interpreter replaces the kernels by
Python functions that cannot be compiled).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import triton
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

from kernels.conv2d import (
    CONV_DGRAD_CONFIGS,
    CONV_FWD_CONFIGS,
    CONV_WGRAD_CONFIGS,
    conv2d_dgrad_kernel,
    conv2d_fwd_kernel,
    conv2d_wgrad_kernel,
)
from kernels.matmul import MATMUL_CONFIGS, fits_epilogue, matmul_kernel
from kernels.runtime import REGISTERS_PER_SM, SHARED_MEMORY_LIMIT, interpreting

# Shared memory of one SM (the per-block limit plus the 1 KiB the driver reserves per block).
SM_SHARED_MEMORY = {"sm_80": 164 * 1024, "sm_90": 228 * 1024}
TARGETS = {"sm_90": GPUTarget("cuda", 90, 32), "sm_80": GPUTarget("cuda", 80, 32)}
CUOBJDUMP = Path(triton.__file__).parent / "backends" / "nvidia" / "bin" / "cuobjdump"


@dataclass(frozen=True)
class Layout:
    """One compiled variant: integer arguments equal to 1 (``unit``, compiled as constants)
    and divisible by 16 (``aligned``; pointers too, unless nothing at all is known)."""

    name: str
    unit: tuple[str, ...] = ()
    aligned: tuple[str, ...] = ()

    @property
    def pointers_aligned(self) -> bool:
        return bool(self.unit or self.aligned)


GENERIC = Layout("unaligned")  # nothing known: what the "-unaligned" lists are compiled as


def _matmul_layout(a_transposed: bool, b_transposed: bool) -> Layout:
    """Row- or column-major A and B (C is always row-major), all sizes divisible by 16."""
    a_unit, a_other = ("stride_am", "stride_ak") if a_transposed else ("stride_ak", "stride_am")
    b_unit, b_other = ("stride_bk", "stride_bn") if b_transposed else ("stride_bn", "stride_bk")
    return Layout(f"A{'ᵀ' if a_transposed else ''} B{'ᵀ' if b_transposed else ''}",
                  unit=(a_unit, b_unit, "stride_cn", "stride_bias"),
                  aligned=("M", "N", "K", "stride_ab", a_other, "stride_bb", b_other,
                           "stride_cb", "stride_cm"))


@dataclass(frozen=True)
class KernelSpec:
    """How to compile one kernel for the report.

    layouts: the variants its aligned lists get (its "-unaligned" lists get ``GENERIC``).
    flags: the constexpr flags (epilogue) to compile a given config with.
    pointer_dtypes: pointer arguments whose element type is not the input dtype.
    """

    name: str
    fn: triton.JITFunction
    configs: dict[tuple[str, str], list[triton.Config]]
    layouts: tuple[Layout, ...]
    flags: Callable[[triton.Config], dict]
    pointer_dtypes: tuple[tuple[str, str], ...] = ()

    def layouts_for(self, kind: str) -> tuple[Layout, ...]:
        return (GENERIC,) if kind.endswith("-unaligned") else self.layouts


def _nhwc_layout(unit: tuple[str, ...], aligned: tuple[str, ...]) -> tuple[Layout]:
    """The conv launchers' layout: channels innermost, channel counts divisible by 16."""
    return (Layout("NHWC", unit, ("C_G", "K_G") + aligned),)


KERNELS = (
    KernelSpec(
        "matmul", matmul_kernel, MATMUL_CONFIGS,
        layouts=tuple(_matmul_layout(a_t, b_t) for a_t in (False, True) for b_t in (False, True)),
        flags=lambda c: dict(HAS_BIAS=True,
                             ACTIVATION="gelu" if fits_epilogue(c, "gelu") else "relu"),
    ),
    KernelSpec(
        "conv2d_fwd", conv2d_fwd_kernel, CONV_FWD_CONFIGS,
        layouts=_nhwc_layout(
            ("sx_c", "sw_c", "sy_c"),
            ("sx_n", "sx_h", "sx_w", "sw_k", "sw_r", "sw_s", "sy_n", "sy_h", "sy_w")),
        flags=lambda c: dict(HAS_BIAS=True),
    ),
    KernelSpec(
        "conv2d_dgrad", conv2d_dgrad_kernel, CONV_DGRAD_CONFIGS,
        layouts=_nhwc_layout(
            ("sdy_c", "sw_c", "sdx_c"),
            ("sdy_n", "sdy_h", "sdy_w", "sw_k", "sw_r", "sw_s", "sdx_n", "sdx_h", "sdx_w")),
        flags=lambda c: {},
    ),
    KernelSpec(
        "conv2d_wgrad", conv2d_wgrad_kernel, CONV_WGRAD_CONFIGS,
        layouts=_nhwc_layout(
            ("sx_c", "sdy_c", "sdw_c"),
            ("sx_n", "sx_h", "sx_w", "sdy_n", "sdy_h", "sdy_w", "sdw_split", "sdw_k", "sdw_r",
             "sdw_s")),
        flags=lambda c: {},
        pointer_dtypes=(("dw_ptr", "fp32"),),  # split-K partial sums are fp32
    ),
)


@dataclass
class Row:
    """One line of the report."""

    kernel: str
    target: str
    kind: str
    layout: str
    dtype: str
    precision: str
    tile: str
    group_m: int
    warps: int
    stages: int
    epilogue: str
    registers: int
    spill_bytes: int
    shared_bytes: int
    shared_limit: int
    ctas_per_sm: int
    mma: str
    loads: str

    @property
    def ok(self) -> bool:
        """No spills, fits the target's shared memory, and at least one block fits an SM."""
        return (self.spill_bytes == 0 and self.shared_bytes <= self.shared_limit
                and self.ctas_per_sm >= 1)


def jobs() -> list[tuple[int, str, str, int, int]]:
    """Every (kernel index, target, config kind, config index, layout index) to compile."""
    return [(ki, target, kind, ci, li)
            for ki, spec in enumerate(KERNELS)
            for (target, kind), configs in spec.configs.items()
            for ci in range(len(configs))
            for li in range(len(spec.layouts_for(kind)))]


def compile_one(job: tuple[int, str, str, int, int]) -> Row:
    """Compile one job of ``jobs()``."""
    ki, target, kind, ci, li = job
    spec = KERNELS[ki]
    return compile_config(spec, target, kind, spec.configs[(target, kind)][ci],
                          spec.layouts_for(kind)[li])


def compile_config(spec: KernelSpec, target: str, kind: str, config: triton.Config,
                   layout: Layout) -> Row:
    """Compile ``spec``'s kernel with ``config`` for ``target`` in ``layout`` and measure it."""
    base_kind = kind.removesuffix("-unaligned")
    dtype, precision = ("fp16", "tf32") if base_kind == "16bit" else ("fp32", base_kind)
    constants = {**config.kwargs, **spec.flags(config), "INPUT_PRECISION": precision,
                 "UPCAST": False, **{name: 1 for name in layout.unit}}
    pointer_dtypes = dict(spec.pointer_dtypes)
    signature, attrs = {}, {}
    for i, name in enumerate(spec.fn.arg_names):
        if name in constants:
            signature[name] = "constexpr"
        elif name.endswith("_ptr"):
            signature[name] = "*" + pointer_dtypes.get(name, dtype)
            if layout.pointers_aligned:
                attrs[(i,)] = [["tt.divisibility", 16]]
        else:
            signature[name] = "i32"
            if name in layout.aligned:
                attrs[(i,)] = [["tt.divisibility", 16]]
    compiled = triton.compile(
        ASTSource(spec.fn, signature, constants, attrs), target=TARGETS[target],
        options={"num_warps": config.num_warps, "num_stages": config.num_stages},
    )
    registers, spill = _resource_usage(compiled.asm["cubin"])
    mma, loads = _instructions(compiled.asm["ptx"])
    shared = compiled.metadata.shared
    threads = 32 * config.num_warps
    # Registers are allocated per warp in chunks of 256; shared memory per block plus 1 KiB.
    regs_per_block = -(-registers * 32 // 256) * 256 * config.num_warps
    ctas = min(REGISTERS_PER_SM // max(regs_per_block, 1),
               SM_SHARED_MEMORY[target] // (shared + 1024), 2048 // threads)
    kw = config.kwargs
    return Row(
        kernel=spec.name, target=target, kind=kind, layout=layout.name, dtype=dtype,
        precision=precision if dtype == "fp32" else "-",
        tile=f"{kw['BLOCK_M']}x{kw['BLOCK_N']}x{kw['BLOCK_K']}", group_m=kw["GROUP_M"],
        warps=config.num_warps, stages=config.num_stages,
        epilogue="+".join(k.lower().replace("has_", "") if v is True else str(v)
                          for k, v in spec.flags(config).items()) or "-",
        registers=registers, spill_bytes=spill, shared_bytes=shared, mma=mma, loads=loads,
        shared_limit=SHARED_MEMORY_LIMIT[target], ctas_per_sm=ctas,
    )


def _resource_usage(cubin: bytes) -> tuple[int, int]:
    """(registers per thread, stack bytes per thread) of the one function in a cubin.

    ``cuobjdump --dump-resource-usage`` prints e.g. ``REG:198 STACK:0 SHARED:1024 LOCAL:0``.
    Triton kernels call no functions and use no local arrays, so a non-zero STACK (or LOCAL)
    frame holds registers that did not fit: spills.
    """
    with tempfile.NamedTemporaryFile(suffix=".cubin") as f:
        f.write(cubin)
        f.flush()
        out = subprocess.run([str(CUOBJDUMP), "--dump-resource-usage", f.name],
                             capture_output=True, text=True, check=True).stdout
    usage = dict(re.findall(r"\b(REG|STACK|LOCAL):(\d+)", out))
    return int(usage["REG"]), int(usage["STACK"]) + int(usage["LOCAL"])


def _instructions(ptx: str) -> tuple[str, str]:
    """The instruction behind ``tl.dot`` and the kind of tile loads, read off the PTX.

    ``wgmma.mma_async``: Hopper's warpgroup tensor-core MMA; ``mma.sync``: Ampere's warp-level
    one; neither: the product runs as fp32 ``fma`` (input_precision "ieee"). ``cp.async``
    copies global to shared memory without going through registers, so the pipeline can
    start the next stages' loads before the current product; it needs 4, 8 or 16 aligned
    bytes, so unaligned fp16 tiles fall back to ``ld.global`` into registers.
    """
    if "wgmma.mma_async" in ptx:
        mma = "wgmma"
    elif re.search(r"\bmma\.sync", ptx):
        mma = "mma.sync"
    else:
        mma = "fma"
    return mma, "cp.async" if re.search(r"\bcp\.async\.c[ag]\b", ptx) else "ld.global"


def build_report(targets: tuple[str, ...] = ("sm_90", "sm_80"), workers: int = 0) -> list[Row]:
    """Compile every job for ``targets`` (in ``workers`` processes; 0 = one per CPU)."""
    if interpreting():
        raise RuntimeError("kernels.aot: unset TRITON_INTERPRET; the interpreter's kernels "
                           "cannot be compiled ahead of time")
    todo = [j for j in jobs() if j[1] in targets]
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        return [compile_one(j) for j in todo]
    # fork: the workers inherit the imported kernels (no CUDA is ever initialized here).
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(compile_one, todo))


def markdown(rows: list[Row]) -> str:
    """The report as a Markdown table."""
    head = ("| kernel | target | dtype | precision | layout | tile MxNxK | group | warps "
            "| stages | epilogue | regs/thread | spill B | shared KiB | limit KiB | CTAs/SM "
            "| mma | loads | ok |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        lines.append(
            f"| {r.kernel} | {r.target} | {r.dtype} | {r.precision} | {r.layout} | {r.tile} "
            f"| {r.group_m} | {r.warps} | {r.stages} | {r.epilogue} | {r.registers} "
            f"| {r.spill_bytes} | {r.shared_bytes / 1024:.1f} | {r.shared_limit // 1024} "
            f"| {r.ctas_per_sm} | {r.mma} | {r.loads} | {'yes' if r.ok else 'NO'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kernels.aot", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--target", choices=sorted(TARGETS), action="append",
                        help="target(s) to compile for (default: sm_90 and sm_80)")
    parser.add_argument("--jobs", type=int, default=0, help="compile processes (0 = CPUs)")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    try:
        rows = build_report(tuple(args.target or ("sm_90", "sm_80")), args.jobs)
    except RuntimeError as e:  # run under TRITON_INTERPRET
        print(e, file=sys.stderr)
        return 2
    print(markdown(rows))
    bad = [r for r in rows if not r.ok]
    print(f"\n{len(rows)} configs compiled, {len(bad)} over a limit (spills, shared memory "
          "or registers)")
    if args.json:
        tmp = args.json.with_suffix(args.json.suffix + ".tmp")
        tmp.write_text(json.dumps([asdict(r) for r in rows], indent=1))
        tmp.replace(args.json)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
