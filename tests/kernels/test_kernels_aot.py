"""Ahead-of-time compile of every shipped config for sm_90 and sm_80: no spills, fits shared memory.

The compiles run in a subprocess without TRITON_INTERPRET (this test session has it set when
there is no GPU, and interpreted kernels cannot be compiled). Triton caches compiled kernels
in ~/.triton/cache, so a second run takes seconds; a cold run compiles ~90 configs (about a
minute on two cores).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kernels.conv2d import CONV_DGRAD_CONFIGS, CONV_FWD_CONFIGS, CONV_WGRAD_CONFIGS
from kernels.matmul import MATMUL_CONFIGS

SHIPPED = {"matmul": MATMUL_CONFIGS, "conv2d_fwd": CONV_FWD_CONFIGS,
           "conv2d_dgrad": CONV_DGRAD_CONFIGS, "conv2d_wgrad": CONV_WGRAD_CONFIGS}
# Opt-in shared memory per block (CUDA C Programming Guide, compute capability tables).
LIMITS = {"sm_90": 227 * 1024, "sm_80": 163 * 1024}


def _run_without_interpreter(args: list[str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                          timeout=1200)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[subprocess.CompletedProcess, list[dict]]:
    path = tmp_path_factory.mktemp("aot") / "report.json"
    proc = _run_without_interpreter(["-m", "kernels.aot", "--json", str(path)])
    assert path.exists(), proc.stdout[-2000:] + proc.stderr[-4000:]
    return proc, json.loads(path.read_text())


def test_every_shipped_config_compiles_without_spills_and_fits(report):
    proc, rows = report
    expected = sorted((name, target, kind, len(configs))
                      for name, table in SHIPPED.items()
                      for (target, kind), configs in table.items())
    found: dict[tuple[str, str, str], int] = {}
    for row in rows:
        key = (row["kernel"], row["target"], row["kind"])
        found[key] = found.get(key, 0) + 1
    assert sorted((*k, n) for k, n in found.items()) == expected
    assert {t for (_, t, _, _) in expected} == {"sm_90", "sm_80"}
    over = [r for r in rows
            if r["spill_bytes"] > 0 or r["shared_bytes"] > LIMITS[r["target"]] or r["registers"] > 255]
    assert not over, over
    assert all(0 < r["registers"] and 0 < r["shared_bytes"] for r in rows)
    assert proc.returncode == 0, proc.stdout[-3000:]
    # The printed table has one line per config with its registers, spills and shared memory.
    table = [line for line in proc.stdout.splitlines() if line.startswith("| matmul | sm_90")]
    assert len(table) == sum(len(c) for (t, _), c in MATMUL_CONFIGS.items() if t == "sm_90")
    assert "regs/thread | spill B | shared KiB" in proc.stdout


CHECK_OVERSIZED = """
import json
from dataclasses import asdict
from kernels.aot import KERNELS, compile_config
from kernels.matmul import tile_configs
too_much_shared, too_many_registers = tile_configs((128, 128, 128, 8, 6), (256, 256, 32, 4, 2))
rows = [compile_config(KERNELS[0], "sm_90", "16bit", c) for c in (too_much_shared, too_many_registers)]
print(json.dumps([dict(asdict(r), ok=r.ok) for r in rows]))
"""


def test_report_flags_oversized_configs():
    """The checks can fail: 6 stages of 128x128x128 fp16 tiles need 384 KiB of shared memory;
    a 256x256 fp32 accumulator over 128 threads needs 512 registers per thread."""
    proc = _run_without_interpreter(["-c", CHECK_OVERSIZED])
    assert proc.returncode == 0, proc.stderr[-4000:]
    shared, registers = json.loads(proc.stdout.splitlines()[-1])
    assert shared["shared_bytes"] == 6 * (128 * 128 + 128 * 128) * 2 > LIMITS["sm_90"]
    assert not shared["ok"]
    assert registers["spill_bytes"] > 0 and registers["registers"] == 255
    assert not registers["ok"]
