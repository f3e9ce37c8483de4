"""Ahead-of-time resource report: compile every shipped config for sm_90 and sm_80, no GPU needed.

``python -m kernels.aot`` prints one row per (kernel, target, dtype, config): registers per
thread, spilled bytes, shared memory, and how many blocks fit on one SM. It exits 1 when a
config spills or needs more shared memory than its target has, because such a config either
runs slowly (spills go to local memory, i.e. DRAM through the cache) or fails at launch (an
oversized config compiles fine and only dies with OutOfResources on the GPU).

How it works: ``triton.compile(ASTSource(kernel, signature, constexprs, attrs),
target=GPUTarget("cuda", 90, 32), options={num_warps, num_stages})`` runs the whole Triton
pipeline (ttir -> ttgir -> llir -> ptx -> cubin, the last step by the ``ptxas`` bundled in the
triton wheel) for a GPU that is not there. ``metadata.shared`` is the dynamic shared memory the
launch will request; registers and stack (spill) bytes come from ``cuobjdump
--dump-resource-usage`` on the cubin, also bundled in the wheel.

What is compiled, per config: the case the benchmarks run. Tensors contiguous in the fast
layout (the innermost strides are the constant 1, as Triton specializes them at run time),
pointers and the other sizes/strides divisible by 16, and the heaviest epilogue the config is
used with (bias + GELU where ``fits_epilogue`` allows GELU, else bias + ReLU). 16-bit configs
are compiled for fp16 (bf16 tiles have the same sizes), the "tf32" and "ieee" lists for fp32
with that input precision.

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
class KernelSpec:
    """How to compile one kernel for the report.

    unit: integer arguments that are 1 in the contiguous case (compiled as constants).
    aligned: integer arguments assumed divisible by 16 (pointers always are).
    flags: the constexpr flags (epilogue) to compile a given config with.
    pointer_dtypes: pointer arguments whose element type is not the input dtype.
    """

    name: str
    fn: triton.JITFunction
    configs: dict[tuple[str, str], list[triton.Config]]
    unit: tuple[str, ...]
    aligned: tuple[str, ...]
    flags: Callable[[triton.Config], dict]
    pointer_dtypes: tuple[tuple[str, str], ...] = ()


_CONV_ALIGNED = ("C_G", "K_G")
KERNELS = (
    KernelSpec(
        "matmul", matmul_kernel, MATMUL_CONFIGS,
        unit=("stride_ak", "stride_bn", "stride_cn", "stride_bias"),
        aligned=("M", "N", "K", "stride_ab", "stride_am", "stride_bb", "stride_bk",
                 "stride_cb", "stride_cm"),
        flags=lambda c: dict(HAS_BIAS=True,
                             ACTIVATION="gelu" if fits_epilogue(c, "gelu") else "relu"),
    ),
    KernelSpec(
        "conv2d_fwd", conv2d_fwd_kernel, CONV_FWD_CONFIGS,
        unit=("sx_c", "sw_c", "sy_c"),
        aligned=_CONV_ALIGNED + ("sx_n", "sx_h", "sx_w", "sw_k", "sw_r", "sw_s",
                                 "sy_n", "sy_h", "sy_w"),
        flags=lambda c: dict(HAS_BIAS=True),
    ),
    KernelSpec(
        "conv2d_dgrad", conv2d_dgrad_kernel, CONV_DGRAD_CONFIGS,
        unit=("sdy_c", "sw_c", "sdx_c"),
        aligned=_CONV_ALIGNED + ("sdy_n", "sdy_h", "sdy_w", "sw_k", "sw_r", "sw_s",
                                 "sdx_n", "sdx_h", "sdx_w"),
        flags=lambda c: {},
    ),
    KernelSpec(
        "conv2d_wgrad", conv2d_wgrad_kernel, CONV_WGRAD_CONFIGS,
        unit=("sx_c", "sdy_c", "sdw_c"),
        aligned=_CONV_ALIGNED + ("sx_n", "sx_h", "sx_w", "sdy_n", "sdy_h", "sdy_w",
                                 "sdw_split", "sdw_k", "sdw_r", "sdw_s"),
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

    @property
    def ok(self) -> bool:
        """No spills, fits the target's shared memory, and at least one block fits an SM."""
        return (self.spill_bytes == 0 and self.shared_bytes <= self.shared_limit
                and self.ctas_per_sm >= 1)


def jobs() -> list[tuple[int, str, str, int]]:
    """Every (kernel index, target, config kind, config index) to compile."""
    return [(ki, target, kind, ci)
            for ki, spec in enumerate(KERNELS)
            for (target, kind), configs in spec.configs.items()
            for ci in range(len(configs))]


def compile_one(job: tuple[int, str, str, int]) -> Row:
    """Compile one job of ``jobs()``."""
    ki, target, kind, ci = job
    return compile_config(KERNELS[ki], target, kind, KERNELS[ki].configs[(target, kind)][ci])


def compile_config(spec: KernelSpec, target: str, kind: str, config: triton.Config) -> Row:
    """Compile ``spec``'s kernel with ``config`` for ``target`` and measure it."""
    dtype, precision = ("fp16", "tf32") if kind == "16bit" else ("fp32", kind)
    constants = {**config.kwargs, **spec.flags(config), "INPUT_PRECISION": precision,
                 "UPCAST": False, **{name: 1 for name in spec.unit}}
    pointer_dtypes = dict(spec.pointer_dtypes)
    signature, attrs = {}, {}
    for i, name in enumerate(spec.fn.arg_names):
        if name in constants:
            signature[name] = "constexpr"
        elif name.endswith("_ptr"):
            signature[name] = "*" + pointer_dtypes.get(name, dtype)
            attrs[(i,)] = [["tt.divisibility", 16]]
        else:
            signature[name] = "i32"
            if name in spec.aligned:
                attrs[(i,)] = [["tt.divisibility", 16]]
    compiled = triton.compile(
        ASTSource(spec.fn, signature, constants, attrs), target=TARGETS[target],
        options={"num_warps": config.num_warps, "num_stages": config.num_stages},
    )
    registers, spill = _resource_usage(compiled.asm["cubin"])
    shared = compiled.metadata.shared
    threads = 32 * config.num_warps
    # Registers are allocated per warp in chunks of 256; shared memory per block plus 1 KiB.
    regs_per_block = -(-registers * 32 // 256) * 256 * config.num_warps
    ctas = min(REGISTERS_PER_SM // max(regs_per_block, 1),
               SM_SHARED_MEMORY[target] // (shared + 1024), 2048 // threads)
    kw = config.kwargs
    return Row(
        kernel=spec.name, target=target, kind=kind, dtype=dtype,
        precision=precision if dtype == "fp32" else "-",
        tile=f"{kw['BLOCK_M']}x{kw['BLOCK_N']}x{kw['BLOCK_K']}", group_m=kw["GROUP_M"],
        warps=config.num_warps, stages=config.num_stages,
        epilogue="+".join(k.lower().replace("has_", "") if v is True else str(v)
                          for k, v in spec.flags(config).items()) or "-",
        registers=registers, spill_bytes=spill, shared_bytes=shared,
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
    head = ("| kernel | target | dtype | precision | tile MxNxK | group | warps | stages "
            "| epilogue | regs/thread | spill B | shared KiB | limit KiB | CTAs/SM | ok |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        lines.append(
            f"| {r.kernel} | {r.target} | {r.dtype} | {r.precision} | {r.tile} | {r.group_m} "
            f"| {r.warps} | {r.stages} | {r.epilogue} | {r.registers} | {r.spill_bytes} "
            f"| {r.shared_bytes / 1024:.1f} | {r.shared_limit // 1024} | {r.ctas_per_sm} "
            f"| {'yes' if r.ok else 'NO'} |")
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
