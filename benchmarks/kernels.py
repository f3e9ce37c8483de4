"""`python -m benchmarks.kernels [--out DIR] [--quick]`: Triton kernels against cuBLAS and cuDNN.

What is timed, on one GPU:

* matmul: square M = N = K from 256 to 8192 in fp16, bf16 and fp32. Triton's ``matmul``
  against ``torch.matmul`` (cuBLAS). fp32 runs with TF32 on both sides by default
  (``torch.backends.cuda.matmul.allow_tf32`` and ``input_precision="tf32"``); ``--fp32
  ieee`` turns it off on both.
* conv2d: every distinct convolution of torchvision's ResNet-18 and ResNet-50 at 224x224
  (read off the models with forward hooks), batch ``--batch``, channels_last (NHWC), fp16 and
  bf16: forward against ``F.conv2d``, dgrad and wgrad against
  ``aten.convolution_backward`` (cuDNN picks its algorithm; ``cudnn.benchmark`` is on).

Each pair runs once before timing (that call autotunes the Triton kernel and lets cuDNN choose
its algorithm), the outputs are compared (max error relative to the largest library value),
then ``triton.testing.do_bench`` takes the median time of each. do_bench flushes the L2 cache
(it zeroes a 256 MB buffer) before every call and times each call between CUDA events, so
neither side profits from data left in L2, and the flush keeps the GPU busy while Python
launches the next call: launch overhead shows only when it exceeds the flush.
TFLOP/s = 2 * multiply-adds / time. "% peak" is Triton's rate over the dense tensor-core peak
of the GPU from NVIDIA's data sheets (where the GPU is known). "Triton config" is the tile
(BLOCK_M x BLOCK_N x BLOCK_K), warps and pipeline stages the autotuner chose for that shape;
``autotune.csv`` holds every candidate's time, the data for revising the config lists.
Writes ``kernels.md``, ``kernels.csv``, ``autotune.csv`` and ``kernels.png``.

Without a CUDA GPU it prints one line and exits 0: the kernels' correctness is tested on CPU
by ``pytest tests/kernels`` through Triton's interpreter.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import torch

from projects.common.atomic import atomic_write

DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}
# Dense (no sparsity) tensor-core peaks in TFLOP/s: (fp16/bf16, tf32). First match wins.
PEAKS = (("H100 PCIe", (756.0, 378.0)), ("H100", (989.4, 494.7)), ("H200", (989.4, 494.7)),
         ("A100", (312.0, 156.0)))
# The targets: matmul fp16/bf16 at >= 4096 and ResNet-50 3x3 forward convs.
MATMUL_TARGET, CONV_TARGET = 0.90, 0.80


@dataclass
class Row:
    """One benchmarked shape."""

    op: str
    shape: str
    dtype: str
    flops: float
    triton_ms: float
    library_ms: float
    max_rel_err: float
    peak: float | None
    tags: tuple[str, ...] = ()
    config: str = ""
    candidates: tuple[tuple[str, float], ...] = ()  # (config, ms) of each autotuned candidate

    @property
    def triton_tflops(self) -> float:
        return self.flops / self.triton_ms / 1e9

    @property
    def library_tflops(self) -> float:
        return self.flops / self.library_ms / 1e9

    @property
    def ratio(self) -> float:
        """Triton speed / library speed (> 1: Triton is faster)."""
        return self.library_ms / self.triton_ms

    @property
    def percent_of_peak(self) -> float | None:
        return None if self.peak is None else 100 * self.triton_tflops / self.peak


@dataclass(frozen=True)
class ConvLayer:
    """One convolution of a network, at batch size 1."""

    channels: int
    height: int
    width: int
    out_channels: int
    kernel: int
    stride: int
    padding: int
    nets: tuple[str, ...]

    def flops(self, batch: int) -> float:
        """2 * N*P*Q*K*C*R*S: each output value is a C*R*S-term dot product (so are each
        input-gradient and weight-gradient value summed, in total)."""
        p = (self.height + 2 * self.padding - self.kernel) // self.stride + 1
        q = (self.width + 2 * self.padding - self.kernel) // self.stride + 1
        return 2.0 * batch * p * q * self.out_channels * self.channels * self.kernel**2

    @property
    def is_target(self) -> bool:
        """A ResNet-50 3x3 layer: the issue's conv target is measured on their forward."""
        return self.kernel == 3 and "resnet50" in self.nets

    def label(self, batch: int) -> str:
        return (f"{batch}x{self.channels}x{self.height}x{self.width} k{self.out_channels} "
                f"{self.kernel}x{self.kernel}/{self.stride}")


def resnet_conv_layers(names: tuple[str, ...] = ("resnet18", "resnet50")) -> list[ConvLayer]:
    """The distinct convolutions of torchvision's ResNets, read off a forward pass on the
    meta device (shapes only, no memory, no weights)."""
    import torchvision

    seen: dict[tuple, set[str]] = {}
    for name in names:
        with torch.device("meta"):
            model = getattr(torchvision.models, name)()
        hooks = []
        for module in model.modules():
            if isinstance(module, torch.nn.Conv2d):
                def record(mod, inputs, _out, net=name):
                    _, c, h, w = inputs[0].shape
                    key = (c, h, w, mod.out_channels, mod.kernel_size[0], mod.stride[0],
                           mod.padding[0])
                    seen.setdefault(key, set()).add(net)
                hooks.append(module.register_forward_hook(record))
        model(torch.empty(1, 3, 224, 224, device="meta"))
        for hook in hooks:
            hook.remove()
    return [ConvLayer(*key, nets=tuple(sorted(nets))) for key, nets in seen.items()]


def gpu_time_ms(fn: Callable[[], object]) -> float:
    """Median milliseconds of one call of ``fn`` on the GPU (``triton.testing.do_bench``)."""
    import triton

    return triton.testing.do_bench(fn, return_mode="median")


def peak_tflops(device: str, dtype: str) -> float | None:
    """The dense tensor-core peak of a known GPU for ``dtype``, else None."""
    if torch.device(device).type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    for marker, (half, tf32) in PEAKS:
        if marker in name:
            return tf32 if dtype == "fp32" else half
    return None


Timer = Callable[[Callable[[], object]], float]


def measure(op: str, shape: str, dtype: str, flops: float, triton_fn: Callable,
            library_fn: Callable, tags: tuple[str, ...] = (), *, kernel: str,
            timer: Timer = gpu_time_ms, peak: float | None = None) -> Row:
    """Warm up (autotune), compare outputs, then time both sides with ``timer``. ``kernel``
    names the Triton kernel whose chosen config (and candidates' times) the row reports."""
    from kernels.runtime import last_launch

    ours, theirs = triton_fn().float(), library_fn().float()
    err = ((ours - theirs).abs().max() / theirs.abs().max().clamp_min(1e-30)).item()
    launch = last_launch(kernel)
    return Row(op, shape, dtype, flops, timer(triton_fn), timer(library_fn), err, peak, tags,
               config_label(launch.config),
               tuple((config_label(c), ms) for c, ms in launch.timings.items()))


def config_label(c) -> str:
    """``BLOCK_MxBLOCK_NxBLOCK_K w<warps> s<stages>``, e.g. ``128x256x64 w8 s3``."""
    return (f"{c.kwargs['BLOCK_M']}x{c.kwargs['BLOCK_N']}x{c.kwargs['BLOCK_K']} "
            f"w{c.num_warps} s{c.num_stages}")


def bench_matmul(sizes: list[int], dtypes: list[str], fp32_precision: str,
                 device: str = "cuda", timer: Timer = gpu_time_ms) -> Iterator[Row]:
    """Square matmuls, Triton against ``torch.matmul``: one row per (dtype, size)."""
    from kernels.matmul import matmul

    torch.backends.cuda.matmul.allow_tf32 = fp32_precision == "tf32"
    for dtype in dtypes:
        for n in sizes:
            a = torch.randn(n, n, device=device, dtype=DTYPES[dtype])
            b = torch.randn(n, n, device=device, dtype=DTYPES[dtype])
            label = dtype if dtype != "fp32" else f"fp32 ({fp32_precision})"
            yield measure(
                "matmul", f"{n}x{n}x{n}", label, 2.0 * n**3,
                lambda a=a, b=b: matmul(a, b, input_precision=fp32_precision),
                lambda a=a, b=b: torch.matmul(a, b),
                tags=("matmul-target",) if n >= 4096 and dtype != "fp32" else (),
                kernel="matmul_kernel", timer=timer, peak=peak_tflops(device, dtype))


def bench_conv(layers: list[ConvLayer], batch: int, dtypes: list[str], device: str = "cuda",
               timer: Timer = gpu_time_ms) -> Iterator[Row]:
    """Forward, dgrad and wgrad of each layer, Triton against cuDNN: one row per pass."""
    torch.backends.cudnn.benchmark = True
    for dtype in dtypes:
        for layer in layers:
            cl = torch.channels_last
            x = torch.randn(batch, layer.channels, layer.height, layer.width, device=device,
                            dtype=DTYPES[dtype]).contiguous(memory_format=cl)
            w = (torch.randn(layer.out_channels, layer.channels, layer.kernel, layer.kernel,
                             device=device, dtype=DTYPES[dtype]) * 0.05).contiguous(memory_format=cl)
            passes = _conv_passes(x, w, layer)
            target = ("conv-target",) if layer.is_target else ()
            for op, (ours, theirs) in passes.items():
                tags = target if op == "conv fwd" else ()
                yield measure(op, f"{layer.label(batch)} ({'+'.join(layer.nets)})", dtype,
                              layer.flops(batch), ours, theirs, tags, kernel=CONV_KERNELS[op],
                              timer=timer, peak=peak_tflops(device, dtype))


CONV_KERNELS = {"conv fwd": "conv2d_fwd_kernel", "conv dgrad": "conv2d_dgrad_kernel",
                "conv wgrad": "conv2d_wgrad_kernel"}


def _conv_passes(x: torch.Tensor, w: torch.Tensor, layer: ConvLayer) -> dict:
    """(Triton, library) callables for the forward, dgrad and wgrad of one layer."""
    from kernels.conv2d import conv2d, conv2d_dgrad, conv2d_wgrad

    hp = (layer.stride, layer.padding, 1, 1)
    dy = torch.randn_like(torch.nn.functional.conv2d(x, w, None, *hp))
    aten = dict(bias_sizes=None, stride=[layer.stride] * 2, padding=[layer.padding] * 2,
                dilation=[1, 1], transposed=False, output_padding=[0, 0], groups=1)

    def library_grad(which: int):
        mask = [which == 0, which == 1, False]
        return lambda: torch.ops.aten.convolution_backward(dy, x, w, output_mask=mask,
                                                           **aten)[which]

    passes = {
        "conv fwd": (lambda: conv2d(x, w, None, *hp),
                     lambda: torch.nn.functional.conv2d(x, w, None, *hp)),
        "conv dgrad": (lambda: conv2d_dgrad(dy, w, x.shape, *hp), library_grad(0)),
        "conv wgrad": (lambda: conv2d_wgrad(x, dy, w.shape, *hp), library_grad(1)),
    }
    if layer.channels == 3:  # the stem: training never needs the gradient of the images
        del passes["conv dgrad"]
    return passes


def _line(r: Row) -> str:
    pct = "n/a" if r.percent_of_peak is None else f"{r.percent_of_peak:.1f}"
    return (f"| {r.op} | {r.shape} | {r.dtype} | {r.triton_tflops:.1f} | {r.library_tflops:.1f} "
            f"| {r.ratio:.2f} | {pct} | {r.max_rel_err:.1e} | {r.config} |")


HEADER = ("| op | shape | dtype | Triton TFLOP/s | library TFLOP/s | ratio | % of peak "
          "| max rel err | Triton config |\n|---|---|---|---|---|---|---|---|---|")


def target_summary(rows: list[Row]) -> list[str]:
    """Whether the issue's speed targets are met, by the worst row in each group."""
    lines = []
    for tag, goal, what in (("matmul-target", MATMUL_TARGET, "matmul fp16/bf16 >= 4096^3"),
                            ("conv-target", CONV_TARGET, "conv2d fwd, ResNet-50 3x3 layers")):
        chosen = [r for r in rows if tag in r.tags]
        if chosen:
            worst = min(chosen, key=lambda r: r.ratio)
            verdict = "met" if worst.ratio >= goal else "NOT met"
            lines.append(f"- {what}: worst ratio {worst.ratio:.2f} ({worst.shape}, {worst.dtype})"
                         f", target >= {goal:.2f}: {verdict}")
    return lines


def write_outputs(rows: list[Row], out: Path, header_note: str, done: bool = True) -> None:
    """kernels.md (table + targets), kernels.csv and autotune.csv (every candidate config's
    time per row: data for choosing the config lists), atomically; when ``done``, also
    kernels.png (ratio per row). The sweep calls it after every row with ``done=False``, so
    a run cut short (a device's time limit) still leaves its rows behind."""
    out.mkdir(parents=True, exist_ok=True)
    status = [] if done else [f"_Incomplete: {len(rows)} rows so far (still running, or cut short)._", ""]
    md = "\n".join([header_note, "", *status, HEADER, *map(_line, rows), "",
                    *target_summary(rows), ""])
    with atomic_write(out / "kernels.md", "w") as f:
        f.write(md)
    fields = ["op", "shape", "dtype", "triton_ms", "library_ms", "triton_tflops",
              "library_tflops", "ratio", "percent_of_peak", "max_rel_err", "config"]
    _write_csv(out / "kernels.csv", fields, [[getattr(r, k) for k in fields] for r in rows])
    _write_csv(out / "autotune.csv", ["op", "shape", "dtype", "config", "ms", "tflops", "chosen"],
               [[r.op, r.shape, r.dtype, config, ms, r.flops / ms / 1e9, config == r.config]
                for r in rows for config, ms in r.candidates])
    if done:
        _plot(rows, out / "kernels.png", header_note)


def _plot(rows: list[Row], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(8, 0.18 * len(rows)), 5))
    colors = {"matmul": "tab:blue", "conv fwd": "tab:green", "conv dgrad": "tab:orange",
              "conv wgrad": "tab:red"}
    ax.bar(range(len(rows)), [r.ratio for r in rows], color=[colors[r.op] for r in rows])
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(rows)), [f"{r.shape} {r.dtype}" for r in rows], rotation=90,
                  fontsize=5)
    ax.set_ylabel("Triton speed / cuBLAS-cuDNN speed")
    ax.set_title(title.lstrip("# "))
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colors.values()]
    ax.legend(handles, list(colors), fontsize=7)
    fig.tight_layout()
    with atomic_write(path) as f:
        fig.savefig(f, dpi=150, format="png")
    plt.close(fig)


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with atomic_write(path, "w") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def sweep(out: Path, note: str, sizes: list[int], layers: list[ConvLayer], batch: int,
          fp32_precision: str, device: str = "cuda", timer: Timer = gpu_time_ms) -> list[Row]:
    """Matmuls in fp16, bf16 and fp32, then the conv layers in fp16 and bf16: each row printed
    and the report rewritten as it comes; the plot at the end."""
    print(note + "\n\n" + HEADER, flush=True)
    rows: list[Row] = []
    for row in chain(bench_matmul(sizes, ["fp16", "bf16", "fp32"], fp32_precision, device, timer),
                     bench_conv(layers, batch, ["fp16", "bf16"], device, timer)):
        rows.append(row)
        print(_line(row), flush=True)
        write_outputs(rows, out, note, done=False)
    write_outputs(rows, out, note)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.kernels",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("runs/kernels-benchmark"),
                        help="folder for kernels.md, kernels.csv, autotune.csv and kernels.png")
    parser.add_argument("--batch", type=int, default=32, help="batch size of the conv layers")
    parser.add_argument("--fp32", choices=("tf32", "ieee"), default="tf32",
                        help="fp32 matmul precision, the same on both sides")
    parser.add_argument("--quick", action="store_true",
                        help="a few shapes only (matmul 1024 and 4096, ResNet-50 3x3 convs)")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print("benchmarks.kernels: no CUDA GPU found, nothing to time (the kernels are tested "
              "on CPU through Triton's interpreter: pytest tests/kernels)")
        return 0

    start = time.perf_counter()
    torch.manual_seed(0)
    # Largest first and the conv target's layers first: a run cut short keeps what matters.
    sizes = [4096, 1024] if args.quick else [8192, 4096, 2048, 1024, 512, 256]
    layers = sorted(resnet_conv_layers(), key=lambda lay: not lay.is_target)
    if args.quick:
        layers = [lay for lay in layers if lay.is_target]
    note = (f"# Triton vs cuBLAS/cuDNN on {torch.cuda.get_device_name()} "
            f"(torch {torch.__version__}, ratio > 1: Triton faster)")
    rows = sweep(args.out, note, sizes, layers, args.batch, args.fp32)
    print("\n".join(["", *target_summary(rows),
                     f"\n{len(rows)} rows in {time.perf_counter() - start:.0f} s; "
                     f"wrote {args.out}/kernels.md, kernels.csv, autotune.csv, kernels.png"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
