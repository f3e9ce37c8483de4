"""What every launcher needs to know before it starts a kernel.

A launcher (the Python function around a ``@triton.jit`` kernel) runs in one of two worlds:

* **GPU**: tensors live on a CUDA device, the kernel is compiled for that device's
  architecture, and ``@triton.autotune`` times a list of configurations on the first call of
  each new problem size and keeps the fastest.
* **Interpreter** (``TRITON_INTERPRET=1``, no GPU): Triton runs the *same* kernel body in NumPy,
  one program at a time, on CPU tensors. There is nothing to time, so autotuning is bypassed
  and a single small fixed configuration is used (``autotune_on_interpreter`` autotunes
  there anyway, with a timer you supply, to show and test that path). The interpreter has two
  blind spots we
  compensate for: ``tl.dot`` multiplies the raw bits of bfloat16 values (so kernels upcast
  bf16 tiles to fp32 before ``tl.dot`` when interpreting), and it never checks bounds (so every
  load and store must be masked; a missing mask silently corrupts memory instead of failing).

This module holds the small pieces shared by ``matmul.py`` and ``conv2d.py``: which world we
are in, which configuration list belongs to the GPU, and the argument checks that give
PyTorch-style error messages naming the op and the shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
import triton

SUPPORTED_DTYPES = (torch.float16, torch.bfloat16, torch.float32)
INPUT_PRECISIONS = ("ieee", "tf32")

# Shared memory one thread block may use (opt-in maximum), from the CUDA C Programming Guide,
# "Technical Specifications per Compute Capability". Configs shipped for a target must fit.
SHARED_MEMORY_LIMIT = {"sm_80": 163 * 1024, "sm_90": 227 * 1024}
# Registers in one SM's register file (64 K 32-bit registers on both architectures).
REGISTERS_PER_SM = 65536


def interpreting() -> bool:
    """True when Triton runs kernels in its CPU interpreter (``TRITON_INTERPRET=1``)."""
    return bool(triton.knobs.runtime.interpret)


def gpu_arch(device: torch.device) -> str:
    """The config family for a CUDA device: ``"sm_90"`` for Hopper and newer, else ``"sm_80"``.

    Devices with less shared memory than an A100 (sm_86, sm_89, sm_120) also get a list whose
    larger entries may not fit; the autotuner skips a config that fails with OutOfResources.
    """
    major, _ = torch.cuda.get_device_capability(device)
    return "sm_90" if major >= 9 else "sm_80"


def check_tensors(op: str, **tensors: torch.Tensor | None) -> torch.dtype:
    """Check that the named tensors share one supported dtype and one usable device.

    Returns the common dtype. ``None`` entries (an absent bias) are ignored. Errors name the op,
    the argument and what was found, e.g. ``matmul: expected a and b on one device, got cpu
    and meta``.
    """
    present = {name: t for name, t in tensors.items() if t is not None}
    for name, t in present.items():
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{op}: {name} must be a torch.Tensor, got {type(t).__name__}")
    devices = {t.device for t in present.values()}
    if len(devices) > 1:
        found = ", ".join(f"{name} on {t.device}" for name, t in present.items())
        raise ValueError(f"{op}: expected all tensors on one device, got {found}")
    device = next(iter(devices))
    if interpreting():
        if device.type != "cpu":
            raise ValueError(
                f"{op}: the Triton interpreter (TRITON_INTERPRET=1) runs on CPU tensors, "
                f"got a tensor on {device}"
            )
    elif device.type != "cuda":
        raise ValueError(
            f"{op}: Triton kernels need CUDA tensors, got a tensor on {device} "
            "(set TRITON_INTERPRET=1 before importing triton to run them on the CPU interpreter)"
        )
    dtypes = {t.dtype for t in present.values()}
    if len(dtypes) > 1:
        found = ", ".join(f"{name} {t.dtype}" for name, t in present.items())
        raise TypeError(f"{op}: expected one dtype for all tensors, got {found}")
    dtype = next(iter(dtypes))
    if dtype not in SUPPORTED_DTYPES:
        names = ", ".join(str(d) for d in SUPPORTED_DTYPES)
        raise TypeError(f"{op}: unsupported dtype {dtype}; supported: {names}")
    return dtype


def launch(
    kernel: triton.JITFunction,
    grid,
    args: tuple,
    flags: dict,
    *,
    config: triton.Config | None,
    interpreter_config: triton.Config,
    configs: dict[tuple[str, str], list[triton.Config]],
    tune_key: list[str],
    device: torch.device,
    kind: str,
    prune=None,
) -> None:
    """Launch ``kernel`` on ``grid`` with a forced, fixed or autotuned config.

    * ``config`` given (tests): use it.
    * Interpreter: ``interpreter_config``; nothing can be timed on a CPU (unless inside
      ``autotune_on_interpreter``).
    * GPU: ``@triton.autotune`` over ``configs[(arch, kind)]`` (see ``config_kind``). It times every candidate
      on the first call for each new value of the ``tune_key`` arguments (and new dtypes) and
      then reuses the winner. ``prune(configs, named_args, **kwargs)`` may drop candidates that
      cannot serve this call (see the GELU rule in matmul.py).
    """
    if config is None and interpreting() and _tuning is _GPU_TUNING:
        config = interpreter_config
    timings: dict[triton.Config, float] = {}
    if config is not None:
        kernel[grid](*args, **flags, **config.all_kwargs())
    else:
        arch = _tuning.arch or gpu_arch(device)
        key = (kernel.fn.__name__, arch, kind)
        if key not in _tuning.autotuners:
            _tuning.autotuners[key] = triton.autotune(
                configs=configs[key[1:]], key=tune_key, do_bench=_tuning.do_bench,
                prune_configs_by={"early_config_prune": prune} if prune else None,
            )(kernel)
        tuner = _tuning.autotuners[key]
        tuner.configs_timings = {}  # refilled only if this call tunes (a new tuning key)
        tuner[grid](*args, **flags)
        config = tuner.best_config
        timings = {c: t[0] if isinstance(t, list) else t for c, t in tuner.configs_timings.items()}
    _LAST_LAUNCH[kernel.fn.__name__] = Launch(config, timings)


@dataclass(frozen=True)
class Launch:
    """What the latest launch of a kernel ran with: its ``config`` and, when that launch
    autotuned (its tuning key was new), every candidate's median time in ms (``timings``;
    inf for a candidate that did not fit the GPU). Empty when it reused a tuned or fixed
    config."""

    config: triton.Config
    timings: dict[triton.Config, float]


_LAST_LAUNCH: dict[str, Launch] = {}


def last_launch(kernel_name: str) -> Launch:
    """The latest launch of the kernel named ``kernel_name`` (e.g. ``"matmul_kernel"``), for
    reports: the config the autotuner chose for the last problem size and the candidates' times."""
    if kernel_name not in _LAST_LAUNCH:
        raise KeyError(f"last_launch: {kernel_name} has not been launched")
    return _LAST_LAUNCH[kernel_name]


@dataclass
class Tuning:
    """Where autotuning happens: the config family (``arch``; None: the device's), the timer
    (``do_bench``; None: Triton's GPU benchmarker), and the autotuner built for each
    (kernel, arch, kind), which remembers the winning config per tuning key."""

    arch: str | None = None
    do_bench: Callable | None = None
    autotuners: dict[tuple[str, str, str], triton.runtime.Autotuner] = field(default_factory=dict)


_GPU_TUNING = Tuning()
_tuning = _GPU_TUNING


@contextmanager
def autotune_on_interpreter(arch: str, do_bench: Callable) -> Iterator[Tuning]:
    """Inside this block the launchers autotune under the interpreter, as on a GPU of ``arch``.

    Each candidate config of ``arch``'s lists runs in the interpreter, and
    ``do_bench(kernel_call, quantiles)`` (it must call ``kernel_call``) returns its "time" as
    ``[median, q20, q80]``. Interpreter timings say nothing about a GPU: this shows how
    autotuning works (which configs are tried, which pruned, the cache per tuning key) and
    lets tests check that every shipped config computes the right answer. Yields the
    ``Tuning``, whose autotuners hold the timings and the winners.
    """
    global _tuning
    if not interpreting():
        raise RuntimeError("autotune_on_interpreter: needs TRITON_INTERPRET=1 (on a GPU, "
                           "launchers autotune anyway)")
    if arch not in SHARED_MEMORY_LIMIT:
        raise ValueError(f"autotune_on_interpreter: arch must be one of "
                         f"{tuple(SHARED_MEMORY_LIMIT)}, got {arch!r}")
    previous, _tuning = _tuning, Tuning(arch, do_bench)
    try:
        yield _tuning
    finally:
        _tuning = previous


def dot_precision(dtype: torch.dtype, input_precision: str) -> str:
    """The ``input_precision`` constant given to ``tl.dot``.

    Only fp32 products depend on it. fp16/bf16 products are exact in the fp32 accumulator
    whatever it says, so 16-bit inputs always get Triton's default ("tf32"): one compiled
    variant then serves both settings, and it is the variant ``kernels.aot`` measures.
    """
    return input_precision if dtype == torch.float32 else "tf32"


def config_kind(dtype: torch.dtype, input_precision: str, aligned: bool = True) -> str:
    """Which config list serves these inputs: ``"16bit"``, ``"tf32"`` or ``"ieee"``, with
    ``"-unaligned"`` appended when the arguments are not ``vectorizable``.

    fp16 and bf16 tiles have the same size and run on tensor cores. fp32 tiles are twice the
    bytes; with "tf32" they still run on tensor cores, with "ieee" on the FMA units, which
    need many more registers per tile (the operands are unpacked into registers), so they
    get lists of their own.
    """
    kind = "16bit" if dtype != torch.float32 else input_precision
    return kind if aligned else f"{kind}-unaligned"


def vectorizable(sizes: tuple[int, ...], *tensors: torch.Tensor | None) -> bool:
    """Whether a launch gets the fast, "aligned" variant of its kernel.

    Triton compiles a separate variant of a kernel for each pattern of its arguments being
    divisible by 16 (pointers: 16 bytes) or equal to 1. When every size in ``sizes`` is a
    multiple of 16 and each tensor starts on 16 bytes, with one unit stride and all other
    strides multiples of 16, the compiler can prove that 8 consecutive fp16 values of a tile
    row are contiguous and aligned, and loads them with one 16-byte instruction from one
    address. Otherwise every element needs its own 64-bit address in registers, and the big
    tiles of the aligned lists spill (``python -m kernels.aot`` shows both variants), so such
    launches get the small ``-unaligned`` lists. ``None`` tensors (no bias) are ignored.
    """
    def aligned(t: torch.Tensor) -> bool:
        strides = t.stride()
        return (t.data_ptr() % 16 == 0 and 1 in strides
                and all(s % 16 == 0 for s in strides if s != 1))

    return all(n % 16 == 0 for n in sizes) and all(aligned(t) for t in tensors if t is not None)


def check_precision(op: str, input_precision: str) -> str:
    """Validate ``input_precision``: ``"ieee"`` (exact fp32 products) or ``"tf32"``.

    TF32 keeps fp32's 8-bit exponent but only 10 mantissa bits, so fp32 products are rounded to
    about 3 decimal digits before the fp32 accumulation. It only affects fp32 inputs; fp16 and
    bf16 products are exact in the fp32 accumulator either way. The interpreter always computes
    exact fp32 (it ignores the setting).
    """
    if input_precision not in INPUT_PRECISIONS:
        raise ValueError(
            f"{op}: input_precision must be one of {INPUT_PRECISIONS}, got {input_precision!r}"
        )
    return input_precision
