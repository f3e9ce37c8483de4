"""Comparisons and logical ops. Their outputs are bool tensors: a step function has zero
gradient almost everywhere, so, as in torch, they are not part of the graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minitorch.ops.broadcasting import binary_operands
from minitorch.tensor import Tensor


def _compare(op: str, ufunc: np.ufunc, a: Any, b: Any) -> Tensor:
    a, b = binary_operands(a, b)
    try:
        return Tensor(ufunc(a.data, b.data))
    except ValueError as err:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together") from err


def eq(a: Any, b: Any) -> Tensor:
    return _compare("eq", np.equal, a, b)


def ne(a: Any, b: Any) -> Tensor:
    return _compare("ne", np.not_equal, a, b)


def lt(a: Any, b: Any) -> Tensor:
    return _compare("lt", np.less, a, b)


def le(a: Any, b: Any) -> Tensor:
    return _compare("le", np.less_equal, a, b)


def gt(a: Any, b: Any) -> Tensor:
    return _compare("gt", np.greater, a, b)


def ge(a: Any, b: Any) -> Tensor:
    return _compare("ge", np.greater_equal, a, b)


def logical_not(a: Tensor) -> Tensor:
    if a.dtype != np.bool_:
        raise TypeError(f"logical_not (~): expected a bool tensor, got {a.dtype}")
    return Tensor(~a.data)


def isclose(a: Tensor, b: Tensor, rtol: float = 1e-5, atol: float = 1e-8) -> Tensor:
    return Tensor(np.isclose(a.data, b.data, rtol=rtol, atol=atol))


def allclose(a: Tensor, b: Tensor, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    return bool(np.allclose(a.data, b.data, rtol=rtol, atol=atol))
