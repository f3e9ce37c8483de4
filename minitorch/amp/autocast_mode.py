"""`autocast`: run the matrix-multiply ops in float16 while the weights stay float32.

Mixed precision in one idea: the expensive ops (matmul, linear, conv2d) run on half-precision
copies of their inputs, everything else keeps float32. The "master" weights are never
converted: inside `autocast`, `matmul` and `conv2d` call `autocast_inputs`, which returns
float16 *copies* of their floating inputs made by the differentiable `Tensor.to`. In the
backward pass that cast sends the gradient back converted to float32, so `weight.grad` is
float32, like the weight, and the optimizer updates float32 values.

(NumPy has no fast float16 matmul, so here autocast shows the numerics, not a speed-up.
Small float16 gradients can underflow to zero: that is what `GradScaler` is for.)

PyTorch equivalent: `torch.autocast` / `torch.amp.autocast` (the CPU default dtype there is
bfloat16, which NumPy lacks; float16 is torch's CUDA default).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from minitorch.tensor import Tensor


class _AutocastState:
    enabled: bool = False
    dtype: np.dtype = np.dtype(np.float16)


def is_autocast_enabled() -> bool:
    """Whether matmul and conv2d cast their inputs now."""
    return _AutocastState.enabled


def get_autocast_dtype() -> np.dtype:
    return _AutocastState.dtype


class autocast:
    """Context manager (and decorator) for mixed precision: `with autocast(): loss = model(x)`.

    Run only the forward pass (and the loss) inside it; call `backward()` after leaving it.
    `enabled=False` turns it off inside an enabled region; blocks nest.
    """

    def __init__(self, enabled: bool = True, dtype: Any = np.float16) -> None:
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise ValueError(f"autocast: dtype must be a floating dtype, got {dtype}")
        self.enabled = enabled
        self.dtype = dtype
        self._previous: list[tuple[bool, np.dtype]] = []

    def __enter__(self) -> autocast:
        self._previous.append((_AutocastState.enabled, _AutocastState.dtype))
        _AutocastState.enabled, _AutocastState.dtype = self.enabled, self.dtype
        return self

    def __exit__(self, *exc: object) -> None:
        _AutocastState.enabled, _AutocastState.dtype = self._previous.pop()

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with autocast(self.enabled, self.dtype):
                return fn(*args, **kwargs)

        return wrapper


def autocast_inputs(*tensors: Tensor | None) -> tuple[Tensor | None, ...]:
    """The inputs of an autocast op: inside `autocast`, floating tensors as differentiable casts
    to the autocast dtype; otherwise (and for None or integer tensors) unchanged."""
    if not _AutocastState.enabled:
        return tensors
    dtype = _AutocastState.dtype
    return tuple(t.to(dtype) if t is not None and t.dtype.kind == "f" else t for t in tensors)
