"""Ahead-of-time compile of every shipped config for sm_90 and sm_80: no spills, fits shared memory.

The compiles run in subprocesses without TRITON_INTERPRET (interpreted kernels cannot be
compiled), started by this folder's conftest as soon as these tests are collected, so that they
overlap with the interpreter tests. Triton caches compiled kernels in ~/.triton/cache: a second
run takes seconds, a cold one compiles ~190 variants (two to three minutes on two cores).
"""

from __future__ import annotations

from kernels.conv2d import CONV_DGRAD_CONFIGS, CONV_FWD_CONFIGS, CONV_WGRAD_CONFIGS
from kernels.matmul import MATMUL_CONFIGS

SHIPPED = {"matmul": MATMUL_CONFIGS, "conv2d_fwd": CONV_FWD_CONFIGS,
           "conv2d_dgrad": CONV_DGRAD_CONFIGS, "conv2d_wgrad": CONV_WGRAD_CONFIGS}
# Compiled variants per config of an aligned list: matmul's A and B each row- or column-major,
# conv NHWC. The "-unaligned" lists are compiled once, knowing nothing about the arguments.
LAYOUTS = {"matmul": 4, "conv2d_fwd": 1, "conv2d_dgrad": 1, "conv2d_wgrad": 1}
# Opt-in shared memory per block (CUDA C Programming Guide, compute capability tables).
LIMITS = {"sm_90": 227 * 1024, "sm_80": 163 * 1024}


def test_every_shipped_config_compiles_without_spills_and_fits(aot_report):
    code, printed, rows = aot_report
    expected = sorted((name, target, kind,
                       len(configs) * (1 if kind.endswith("-unaligned") else LAYOUTS[name]))
                      for name, table in SHIPPED.items()
                      for (target, kind), configs in table.items())
    found: dict[tuple[str, str, str], int] = {}
    for row in rows:
        key = (row["kernel"], row["target"], row["kind"])
        found[key] = found.get(key, 0) + 1
    assert sorted((*k, n) for k, n in found.items()) == expected
    assert {t for (_, t, _, _) in expected} == {"sm_90", "sm_80"}
    assert {k for (_, _, k, _) in expected} == {"16bit", "tf32", "ieee", "16bit-unaligned",
                                                "tf32-unaligned", "ieee-unaligned"}
    over = [r for r in rows
            if r["spill_bytes"] > 0 or r["shared_bytes"] > LIMITS[r["target"]] or r["registers"] > 255]
    assert not over, over
    assert all(0 < r["registers"] and 0 < r["shared_bytes"] for r in rows)
    assert code == 0, printed[-3000:]
    # The printed table has one line per config with its registers, spills and shared memory.
    table = [line for line in printed.splitlines() if line.startswith("| matmul | sm_90")]
    assert len(table) == sum(len(c) * (1 if k.endswith("-unaligned") else 4)
                             for (t, k), c in MATMUL_CONFIGS.items() if t == "sm_90")
    assert "regs/thread | spill B | shared KiB" in printed


def test_report_flags_oversized_configs(aot_oversized):
    """The checks can fail: an 8-stage pipeline of 64x256 + 256x64 fp16 tiles needs more shared
    memory than an A100 has; a 128x128 fp32 accumulator over 64 threads needs 256 registers
    per thread for it alone, more than the 255 a thread can have."""
    shared, registers = aot_oversized
    assert shared["shared_bytes"] > LIMITS["sm_80"] and shared["spill_bytes"] == 0
    assert not shared["ok"]
    assert registers["spill_bytes"] > 0 and registers["shared_bytes"] <= LIMITS["sm_80"]
    assert not registers["ok"]


def test_products_run_on_tensor_cores_and_loads_are_pipelined(aot_report):
    """What the kernels' prose promises, checked in the PTX the compiler emitted: fp16, bf16
    and tf32 products on the tensor cores (Hopper's wgmma, Ampere's mma.sync), "ieee" fp32 on
    the FMA units; tiles copied asynchronously (cp.async, which the software pipeline overlaps
    with the math) except unaligned 16-bit ones, which cp.async cannot move (it needs 4+
    aligned bytes per copy)."""
    _, _, rows = aot_report
    for r in rows:
        kind = r["kind"].removesuffix("-unaligned")
        mma = "fma" if kind == "ieee" else {"sm_90": "wgmma", "sm_80": "mma.sync"}[r["target"]]
        loads = "ld.global" if r["kind"] == "16bit-unaligned" else "cp.async"
        assert (r["mma"], r["loads"]) == (mma, loads), r
