"""Functions that make tensors: from data, constant-filled, ranges, identity, random.

Dtypes follow torch: floats default to float32, integer ranges to int64, and `dtype=`
overrides. Random draws come from the global generator (`minitorch.manual_seed`).
PyTorch equivalent: `torch.tensor`, `torch.zeros`, `torch.randn`, ...
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from minitorch import device as _device
from minitorch.random import default_generator
from minitorch.tensor import Tensor, as_array, get_default_dtype

Shape = int | Sequence[int]


def _size(size: tuple[Any, ...]) -> tuple[int, ...]:
    """`zeros(2, 3)` and `zeros((2, 3))` both mean shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], Sequence | np.ndarray):
        size = tuple(size[0])
    shape = tuple(int(n) for n in size)
    if any(n < 0 for n in shape):
        raise RuntimeError(f"size: trying to create a tensor with negative dimension: {shape}")
    return shape


def _make(array: np.ndarray, requires_grad: bool, device: Any = None) -> Tensor:
    """A leaf tensor; `device` is accepted as in torch and must be the CPU (see minitorch.device)."""
    if device is not None:
        _device.device(device)
    return Tensor(array, requires_grad=requires_grad)


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A new leaf tensor holding a copy of `data` (nested lists, scalars, arrays, tensors)."""
    return _make(as_array(data, dtype), requires_grad, device)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return _make(np.zeros(_size(size), dtype=dtype or get_default_dtype()), requires_grad, device)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return _make(np.ones(_size(size), dtype=dtype or get_default_dtype()), requires_grad, device)


def full(size: Shape, fill_value: float | int | bool, dtype: Any = None,
         requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor filled with `fill_value`; its dtype is inferred from the value, as in torch."""
    dtype = dtype or as_array(fill_value).dtype
    return _make(np.full(_size((size,)), fill_value, dtype=dtype), requires_grad, device)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False, device: Any = None) -> Tensor:
    """[start, end) in steps of `step`; int64 when all arguments are ints, else float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    integral = all(isinstance(v, int | np.integer) for v in (start, end, step))
    dtype = dtype or (np.int64 if integral else get_default_dtype())
    return _make(np.arange(start, end, step).astype(dtype), requires_grad, device)


def linspace(start: float, end: float, steps: int, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """`steps` evenly spaced values from start to end inclusive."""
    return _make(np.linspace(start, end, steps).astype(dtype or get_default_dtype()), requires_grad, device)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False,
        device: Any = None) -> Tensor:
    return _make(np.eye(n, m, dtype=dtype or get_default_dtype()), requires_grad, device)


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """Uniform on [0, 1)."""
    values = default_generator().random(_size(size))
    return _make(values.astype(dtype or get_default_dtype()), requires_grad, device)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """Standard normal."""
    values = default_generator().standard_normal(_size(size))
    return _make(values.astype(dtype or get_default_dtype()), requires_grad, device)


def randint(low: int, high: int | None = None, size: Shape = (), dtype: Any = None,
            device: Any = None) -> Tensor:
    """Integers in [low, high) (or [0, low) when `high` is omitted), int64 by default."""
    if high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"randint: expects low < high, got low={low}, high={high}")
    values = default_generator().integers(low, high, size=_size((size,)))
    return _make(values.astype(dtype or np.int64), False, device)


def zeros_like(x: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return zeros(x.shape, dtype=dtype or x.dtype, requires_grad=requires_grad, device=device)


def ones_like(x: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return ones(x.shape, dtype=dtype or x.dtype, requires_grad=requires_grad, device=device)


def full_like(x: Tensor, fill_value: float, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Tensor:
    return full(x.shape, fill_value, dtype=dtype or x.dtype, requires_grad=requires_grad, device=device)


def rand_like(x: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return rand(x.shape, dtype=dtype or x.dtype, requires_grad=requires_grad, device=device)


def randn_like(x: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return randn(x.shape, dtype=dtype or x.dtype, requires_grad=requires_grad, device=device)


def randint_like(x: Tensor, low: int, high: int | None = None, dtype: Any = None,
                 device: Any = None) -> Tensor:
    return randint(low, high, x.shape, dtype=dtype or x.dtype, device=device)
