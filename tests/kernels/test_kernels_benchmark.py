"""benchmarks.kernels without a GPU, and its report writer (the timing itself needs a GPU)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

from benchmarks.kernels import Row, write_outputs


def test_benchmark_without_gpu_exits_0_with_one_line(tmp_path):
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run([sys.executable, "-m", "benchmarks.kernels", "--out", str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines() == [
        "benchmarks.kernels: no CUDA GPU found, nothing to time (the kernels are tested on CPU "
        "through Triton's interpreter: pytest tests/kernels)"]
    assert list(tmp_path.iterdir()) == []


def test_report_files(tmp_path):
    rows = [Row("matmul", "4096x4096x4096", "fp16", 2 * 4096**3, 0.25, 0.2, 1e-3, 989.4,
                ("matmul-target",)),
            Row("conv fwd", "32x64x56x56 k64 3x3/1", "bf16", 7.4e9, 0.02, 0.015, 2e-3, None,
                ("conv-target",))]
    write_outputs(rows, tmp_path, "# test run")
    md = (tmp_path / "kernels.md").read_text()
    # 2*4096^3 flops in 0.25 ms = 549.8 TFLOP/s; cuBLAS 687.2; ratio 0.80; 55.6% of 989.4.
    assert "| matmul | 4096x4096x4096 | fp16 | 549.8 | 687.2 | 0.80 | 55.6 | 1.0e-03 |" in md
    assert "| conv fwd | 32x64x56x56 k64 3x3/1 | bf16 | 370.0 | 493.3 | 0.75 | n/a |" in md
    assert "matmul fp16/bf16 >= 4096^3: worst ratio 0.80" in md and "NOT met" in md
    with (tmp_path / "kernels.csv").open() as f:
        table = list(csv.DictReader(f))
    assert [r["op"] for r in table] == ["matmul", "conv fwd"]
    assert float(table[0]["ratio"]) == 0.8
    assert (tmp_path / "kernels.png").read_bytes()[:4] == b"\x89PNG"
