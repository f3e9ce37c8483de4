"""Broadcasting, and the one helper that undoes it in the backward pass.

NumPy broadcasting lines shapes up from the right; a dimension of size 1 (or a missing leading
dimension) is repeated to match the other operand. If `x` of shape (3, 1) was broadcast to
(2, 3, 4) in the forward pass, each element of `x` was used 2 * 4 times, so its gradient is the
sum of the output gradient over those copies: sum over the leading axis, then over the axis
where `x` had size 1 (keeping it), giving shape (3, 1) again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minitorch.tensor import Tensor, get_default_dtype


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum `grad` down to `shape`, undoing the broadcast that made the output larger.

    `grad` is an array (first-order backward) or a tensor (create_graph: the sum is recorded)."""
    if grad.shape == shape:
        return grad
    leading = grad.ndim - len(shape)
    axes = tuple(range(leading)) + tuple(
        leading + i for i, n in enumerate(shape) if n == 1 and grad.shape[leading + i] != 1
    )
    if not axes:
        return grad.reshape(shape)
    if isinstance(grad, Tensor):
        return grad.sum(axes, keepdim=True).reshape(shape)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def as_tensor_like(value: Any, like: Tensor) -> Tensor:
    """Wrap a Python/NumPy scalar as a constant tensor with the dtype torch would give it.

    `x + 2.0` keeps x's float dtype (wrapping 2.0 as float64 would silently promote a float32
    computation to float64); an int tensor plus a float scalar gives the default dtype (float32), as in torch.
    """
    if isinstance(value, Tensor):
        return value
    array = np.asarray(value)
    if like.dtype.kind == "f" or (like.dtype.kind in "iu" and array.dtype.kind in "iub"):
        dtype = like.dtype
    elif array.dtype.kind == "f":
        dtype = get_default_dtype()
    else:
        dtype = array.dtype
    return Tensor(array.astype(dtype))


def binary_operands(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands of a binary op as tensors of compatible dtypes, as torch promotes them."""
    if not isinstance(a, Tensor):
        a = as_tensor_like(a, b)
    elif not isinstance(b, Tensor):
        b = as_tensor_like(b, a)
    # An integer operand joins a float one in the float's dtype (int64 + float32 -> float32).
    if a.dtype.kind in "iub" and b.dtype.kind == "f":
        a = Tensor(a.data.astype(b.dtype))
    elif b.dtype.kind in "iub" and a.dtype.kind == "f":
        b = Tensor(b.data.astype(a.dtype))
    return a, b
