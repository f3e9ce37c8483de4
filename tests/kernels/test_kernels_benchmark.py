"""benchmarks.kernels without a GPU: its one-line exit, the layer list, the sweep's code on the
interpreter with a stand-in timer, and the report writer (only the timing itself needs a GPU)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import torch

from benchmarks.kernels import (
    ConvLayer,
    Row,
    bench_conv,
    bench_matmul,
    config_label,
    peak_tflops,
    resnet_conv_layers,
    sweep,
    write_outputs,
)
from kernels.matmul import MATMUL_CONFIGS
from kernels.runtime import autotune_on_interpreter


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
                ("matmul-target",), "128x256x64 w8 s3",
                (("128x256x64 w8 s3", 0.25), ("64x64x64 w4 s4", 0.5))),
            Row("conv fwd", "32x64x56x56 k64 3x3/1", "bf16", 7.4e9, 0.02, 0.015, 2e-3, None,
                ("conv-target",))]
    write_outputs(rows, tmp_path, "# test run")
    md = (tmp_path / "kernels.md").read_text()
    # 2*4096^3 flops in 0.25 ms = 549.8 TFLOP/s; cuBLAS 687.2; ratio 0.80; 55.6% of 989.4.
    assert ("| matmul | 4096x4096x4096 | fp16 | 549.8 | 687.2 | 0.80 | 55.6 | 1.0e-03 "
            "| 128x256x64 w8 s3 |") in md
    assert "| conv fwd | 32x64x56x56 k64 3x3/1 | bf16 | 370.0 | 493.3 | 0.75 | n/a |" in md
    assert "matmul fp16/bf16 >= 4096^3: worst ratio 0.80" in md and "NOT met" in md
    with (tmp_path / "kernels.csv").open() as f:
        table = list(csv.DictReader(f))
    assert [r["op"] for r in table] == ["matmul", "conv fwd"]
    assert float(table[0]["ratio"]) == 0.8 and table[0]["config"] == "128x256x64 w8 s3"
    with (tmp_path / "autotune.csv").open() as f:
        tuned = list(csv.DictReader(f))
    # 2*4096^3 flops in 0.5 ms = 274.9 TFLOP/s; only the matmul row autotuned here.
    assert [(t["config"], float(t["ms"]), round(float(t["tflops"]), 1), t["chosen"]) for t in tuned] == [
        ("128x256x64 w8 s3", 0.25, 549.8, "True"), ("64x64x64 w4 s4", 0.5, 274.9, "False")]
    assert (tmp_path / "kernels.png").read_bytes()[:4] == b"\x89PNG"


def one_ms(fn) -> float:
    """A stand-in for the GPU timer: runs ``fn`` once and reports 1 ms."""
    fn()
    return 1.0


def expected_resnet_convs() -> dict[tuple, set[str]]:
    """The convolutions of ResNet-18 and ResNet-50 at 224x224, from the papers' stage table:
    a 7x7/2 stem, then four stages of widths 64..512 at 56, 28, 14, 7 pixels; each stage
    after the first halves the size in its first block (torchvision strides the 3x3 of a
    bottleneck) and adds a 1x1/2 shortcut; a bottleneck's output is 4 x its width."""
    stem = (3, 224, 224, 64, 7, 2, 3)
    r18, r50 = {stem}, {stem}
    size, in18, in50 = 56, 64, 64
    for stage, width in enumerate((64, 128, 256, 512)):
        stride = 1 if stage == 0 else 2
        out, half = 4 * width, size // stride
        r18 |= {(in18, size, size, width, 3, stride, 1), (width, half, half, width, 3, 1, 1)}
        if stride == 2:
            r18.add((in18, size, size, width, 1, 2, 0))
        r50 |= {(in50, size, size, width, 1, 1, 0), (width, size, size, width, 3, stride, 1),
                (width, half, half, out, 1, 1, 0), (in50, size, size, out, 1, stride, 0),
                (out, half, half, width, 1, 1, 0), (width, half, half, width, 3, 1, 1)}
        size, in18, in50 = half, width, out
    return {key: {net for net, convs in (("resnet18", r18), ("resnet50", r50)) if key in convs}
            for key in r18 | r50}


def test_resnet_conv_layers_are_read_off_the_models():
    layers = resnet_conv_layers()
    found = {(lay.channels, lay.height, lay.width, lay.out_channels, lay.kernel, lay.stride,
              lay.padding): set(lay.nets) for lay in layers}
    assert found == expected_resnet_convs()
    assert len(layers) == 29
    targets = [lay for lay in layers if lay.kernel == 3 and "resnet50" in lay.nets]
    assert len(targets) == 7  # the conv target's layers: two 3x3 convs per stage but the first


def test_bench_matmul_end_to_end_on_cpu():
    """The sweep's own code (inputs, comparison, rows, printing) under the interpreter."""
    rows = list(bench_matmul([40], ["fp16", "bf16", "fp32"], "ieee", device="cpu", timer=one_ms))
    assert [(r.op, r.shape, r.dtype) for r in rows] == [
        ("matmul", "40x40x40", "fp16"), ("matmul", "40x40x40", "bf16"),
        ("matmul", "40x40x40", "fp32 (ieee)")]
    assert [r.max_rel_err < tol for r, tol in zip(rows, (2e-3, 1.6e-2, 1e-5), strict=True)] == [True] * 3
    assert all(r.ratio == 1.0 and r.peak is None and r.tags == () for r in rows)
    assert {r.config for r in rows} == {"32x32x32 w4 s1"}  # the interpreter's fixed config


def test_bench_reports_the_autotuned_config():
    """With autotuning (here on the interpreter, timed by a schedule), each row names the
    winner for its own shape."""
    candidates = MATMUL_CONFIGS[("sm_90", "16bit")]

    timings = []

    def third_is_fastest(kernel_call, quantiles):
        kernel_call()
        timings.append(1.0 if len(timings) % len(candidates) == 2 else 2.0)
        return [timings[-1]] * 3

    with autotune_on_interpreter("sm_90", third_is_fastest):
        rows = list(bench_matmul([32, 48], ["fp16"], "ieee", device="cpu", timer=one_ms))
    assert [r.config for r in rows] == ["128x128x64 w8 s4"] * 2
    assert len(timings) == 2 * len(candidates)
    assert [ms for _, ms in rows[0].candidates] == [2.0, 2.0, 1.0] + [2.0] * (len(candidates) - 3)
    assert [label for label, _ in rows[0].candidates] == [config_label(c) for c in candidates]


def test_bench_conv_end_to_end_on_cpu(tmp_path):
    """Forward, dgrad and wgrad of a stem (no dgrad) and a ResNet-50 3x3 layer, compared with
    aten's convolution and convolution_backward, then written out."""
    stem = ConvLayer(3, 12, 12, 8, 7, 2, 3, ("resnet18", "resnet50"))
    body = ConvLayer(8, 6, 6, 8, 3, 1, 1, ("resnet50",))
    rows = list(bench_conv([stem, body], 2, ["bf16"], device="cpu", timer=one_ms))
    assert [(r.op, r.shape) for r in rows] == [
        ("conv fwd", "2x3x12x12 k8 7x7/2 (resnet18+resnet50)"),
        ("conv wgrad", "2x3x12x12 k8 7x7/2 (resnet18+resnet50)"),
        ("conv fwd", "2x8x6x6 k8 3x3/1 (resnet50)"),
        ("conv dgrad", "2x8x6x6 k8 3x3/1 (resnet50)"),
        ("conv wgrad", "2x8x6x6 k8 3x3/1 (resnet50)")]
    assert all(r.max_rel_err < 1.6e-2 for r in rows), [r.max_rel_err for r in rows]
    assert [r.tags for r in rows] == [(), (), ("conv-target",), (), ()]
    assert rows[2].flops == 2.0 * 2 * 6 * 6 * 8 * 8 * 9
    write_outputs(rows, tmp_path, "# cpu run")
    assert "conv2d fwd, ResNet-50 3x3 layers: worst ratio 1.00" in (tmp_path / "kernels.md").read_text()


def test_peak_is_looked_up_by_gpu_name(monkeypatch):
    names = {"NVIDIA H100 PCIe": 756.0, "NVIDIA H100 80GB HBM3": 989.4, "NVIDIA H200": 989.4,
             "NVIDIA A100-SXM4-80GB": 312.0, "NVIDIA GeForce RTX 4090": None}
    for name, half in names.items():
        monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None, name=name: name)
        assert peak_tflops("cuda", "bf16") == half
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "NVIDIA H200")
    assert peak_tflops("cuda", "fp32") == 494.7
    assert peak_tflops("cpu", "fp16") is None


def test_partial_report_while_the_sweep_runs(tmp_path):
    """After each row the sweep rewrites the table (no plot yet), marked incomplete."""
    row = Row("matmul", "8192x8192x8192", "fp16", 2 * 8192**3, 2.0, 1.8, 1e-3, None,
              ("matmul-target",), "128x256x64 w8 s3")
    write_outputs([row], tmp_path, "# partial", done=False)
    md = (tmp_path / "kernels.md").read_text()
    assert "_Incomplete: 1 rows so far (still running, or cut short)._" in md
    assert "| matmul | 8192x8192x8192 | fp16 |" in md
    assert sorted(p.name for p in tmp_path.iterdir()) == ["autotune.csv", "kernels.csv", "kernels.md"]
    write_outputs([row, row], tmp_path, "# done")
    assert "Incomplete" not in (tmp_path / "kernels.md").read_text()
    assert (tmp_path / "kernels.png").exists()


def test_sweep_end_to_end_on_cpu(tmp_path, capsys):
    """The whole sweep as ``main`` runs it on a GPU, on the interpreter with tiny shapes."""
    layer = ConvLayer(16, 6, 6, 16, 3, 1, 1, ("resnet50",))
    rows = sweep(tmp_path, "# cpu sweep", [32], [layer], 2, "ieee", device="cpu", timer=one_ms)
    assert [(r.op, r.dtype) for r in rows] == [
        ("matmul", "fp16"), ("matmul", "bf16"), ("matmul", "fp32 (ieee)"),
        *[(op, dtype) for dtype in ("fp16", "bf16") for op in ("conv fwd", "conv dgrad", "conv wgrad")]]
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "# cpu sweep"
    assert len([line for line in printed if line.startswith("| ")]) == 10  # header + 9 rows
    md = (tmp_path / "kernels.md").read_text()
    assert "Incomplete" not in md and md.count("\n| ") == 10
    assert "conv2d fwd, ResNet-50 3x3 layers: worst ratio 1.00" in md
    assert (tmp_path / "kernels.png").exists() and not list(tmp_path.glob("*.tmp"))
