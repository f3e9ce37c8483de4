"""Elementwise functions: each output element depends on one input element (or one pair).

The backward of y = f(x) is g * f'(x), elementwise. Where it is cheaper, the derivative is
written with the saved output y instead of x (exp: y, tanh: 1 - y^2, sigmoid: y (1 - y)).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from minitorch.autograd import Function
from minitorch.ops.arithmetic import BroadcastingOp
from minitorch.ops.broadcasting import binary_operands, unbroadcast
from minitorch.tensor import Tensor, get_default_dtype


def _floating(x: Tensor) -> Tensor:
    """Integer inputs of float-valued functions become float32, as in torch (exp(int) is float)."""
    return x if x.dtype.kind == "f" else x.to(get_default_dtype())


class Exp(Function):
    """y = e^x;  dx = g * y. torch.exp"""

    def forward(self, x: np.ndarray) -> np.ndarray:
        y = np.exp(x)
        self.save_for_backward(y)
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (y,) = self.saved_tensors
        return grad * y

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return grad * exp(self.inputs[0])


class Log(Function):
    """y = ln x;  dx = g / x. torch.log"""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):  # log(0) = -inf, log(-1) = nan
            return np.log(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return grad / x

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return grad / self.inputs[0]


class Sqrt(Function):
    """y = sqrt(x);  dx = g / (2 y). torch.sqrt"""

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            y = np.sqrt(x)
        self.save_for_backward(y)
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (y,) = self.saved_tensors
        return grad / (2 * y)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return grad / (2 * sqrt(self.inputs[0]))


class Abs(Function):
    """y = |x|;  dx = g * sign(x), with sign(0) = 0 as in torch. torch.abs"""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return np.abs(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return grad * np.sign(x)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return grad * Tensor(np.sign(self.inputs[0].data))  # sign is flat: a constant


class Sin(Function):
    """y = sin x;  dx = g * cos x. torch.sin"""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return np.sin(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return grad * np.cos(x)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return grad * cos(self.inputs[0])


class Cos(Function):
    """y = cos x;  dx = -g * sin x. torch.cos"""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return np.cos(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return -grad * np.sin(x)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return -grad * sin(self.inputs[0])


class Tanh(Function):
    """y = tanh x;  dx = g * (1 - y^2). torch.tanh"""

    def forward(self, x: np.ndarray) -> np.ndarray:
        y = np.tanh(x)
        self.save_for_backward(y)
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (y,) = self.saved_tensors
        return grad * (1 - y * y)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        y = tanh(self.inputs[0])
        return grad * (1 - y * y)


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) without overflow: with e = e^-|x|, sigmoid is 1/(1+e) for x >= 0 and
    e/(1+e) for x < 0, so the exponent is never positive."""
    e = np.exp(-np.abs(x))
    positive = 1 / (1 + e)
    return np.where(x >= 0, positive, e * positive)


class Sigmoid(Function):
    """y = 1 / (1 + e^-x);  dx = g * y * (1 - y). torch.sigmoid"""

    def forward(self, x: np.ndarray) -> np.ndarray:
        y = stable_sigmoid(x)
        self.save_for_backward(y)
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (y,) = self.saved_tensors
        return grad * y * (1 - y)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        y = sigmoid(self.inputs[0])
        return grad * y * (1 - y)


class ReLU(Function):
    """y = max(x, 0);  dx = g where y > 0, else 0 (the gradient at exactly 0 is 0, as in
    torch). torch.relu"""

    op_name = "relu"

    def forward(self, x: np.ndarray) -> np.ndarray:
        y = np.maximum(x, 0)
        self.save_for_backward(y)
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (y,) = self.saved_tensors
        return grad * (y > 0)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return grad * Tensor(self.inputs[0].data > 0)  # the step is flat: a constant


class Clamp(Function):
    """y = min(max(x, lo), hi);  dx = g where lo < x < hi, else 0.

    At exactly x == lo or x == hi the gradient is 0, as torch (2.x) defines it for number
    bounds: the output sits on the flat part there. torch.clamp
    """

    def forward(self, x: np.ndarray, lo: float | None, hi: float | None) -> np.ndarray:
        self.save_for_backward(x)
        self.bounds = lo, hi
        return np.clip(x, lo, hi)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return grad * self.inside(x)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return grad * Tensor(self.inside(self.inputs[0].data))

    def inside(self, x: np.ndarray) -> np.ndarray:
        """Where lo < x < hi: the only place the output moves with x."""
        lo, hi = self.bounds
        inside = np.ones(x.shape, dtype=bool)
        if lo is not None:
            inside &= x > lo
        if hi is not None:
            inside &= x < hi
        return inside


class PiecewiseChoice(BroadcastingOp):
    """max / min of two tensors: each output element comes from one input (or half from each on
    a tie), so the gradient is split by a constant share."""

    def split_between(self, grad: Any, share_a: Any, a_shape: tuple[int, ...],
                      b_shape: tuple[int, ...]) -> tuple[Any, ...]:
        return (
            unbroadcast(grad * share_a, a_shape) if self.needs_input_grad[0] else None,
            unbroadcast(grad * (1 - share_a), b_shape) if self.needs_input_grad[1] else None,
        )


class Maximum(PiecewiseChoice):
    """out = max(a, b) elementwise;  the larger input gets g; on a tie each gets g / 2.
    torch.maximum"""

    op_name = "maximum"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.save_for_backward(a, b)
        return np.maximum(a, b)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b = self.saved_tensors
        return self.split_between(grad, (a > b) + 0.5 * (a == b), a.shape, b.shape)

    def differentiable_backward(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        a, b = (t.data for t in self.inputs)
        return self.split_between(grad, Tensor((a > b) + 0.5 * (a == b)), a.shape, b.shape)


class Minimum(PiecewiseChoice):
    """out = min(a, b) elementwise;  the smaller input gets g; on a tie each gets g / 2.
    torch.minimum"""

    op_name = "minimum"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.save_for_backward(a, b)
        return np.minimum(a, b)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b = self.saved_tensors
        return self.split_between(grad, (a < b) + 0.5 * (a == b), a.shape, b.shape)

    def differentiable_backward(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        a, b = (t.data for t in self.inputs)
        return self.split_between(grad, Tensor((a < b) + 0.5 * (a == b)), a.shape, b.shape)


class Where(BroadcastingOp):
    """out = a where cond else b;  da = g where cond, db = g where not cond. torch.where"""

    op_name = "where"

    def forward(self, a: np.ndarray, b: np.ndarray, condition: np.ndarray) -> np.ndarray:
        self.shapes = a.shape, b.shape
        self.condition = condition
        return np.where(condition, a, b)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a_shape, b_shape = self.shapes
        zero = np.zeros((), dtype=grad.dtype)
        return (
            unbroadcast(np.where(self.condition, grad, zero), a_shape)
            if self.needs_input_grad[0] else None,
            unbroadcast(np.where(self.condition, zero, grad), b_shape)
            if self.needs_input_grad[1] else None,
        )

    def differentiable_backward(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        a_shape, b_shape = self.shapes
        zero = Tensor(np.zeros((), dtype=grad.dtype))
        return (
            unbroadcast(Where.apply(grad, zero, condition=self.condition), a_shape)
            if self.needs_input_grad[0] else None,
            unbroadcast(Where.apply(zero, grad, condition=self.condition), b_shape)
            if self.needs_input_grad[1] else None,
        )


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------

def exp(x: Tensor) -> Tensor:
    return Exp.apply(_floating(x))


def log(x: Tensor) -> Tensor:
    return Log.apply(_floating(x))


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(_floating(x))


def abs(x: Tensor) -> Tensor:  # noqa: A001 (torch's name)
    return Abs.apply(x)


def sin(x: Tensor) -> Tensor:
    return Sin.apply(_floating(x))


def cos(x: Tensor) -> Tensor:
    return Cos.apply(_floating(x))


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(_floating(x))


def sigmoid(x: Tensor) -> Tensor:
    return Sigmoid.apply(_floating(x))


def relu(x: Tensor) -> Tensor:
    return ReLU.apply(x)


def clamp(x: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Clamp to [min, max]. Number bounds: one node (Clamp). Tensor bounds (they broadcast):
    min(max(x, min), max), which is how torch computes and differentiates them (at a tie the
    gradient is split between x and the bound; with min > max the output is max)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of 'min' or 'max' must not be None")
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        return Clamp.apply(x, lo=min, hi=max)
    above = x if min is None else maximum(x, min)
    return above if max is None else minimum(above, max)


def maximum(a: Any, b: Any) -> Tensor:
    return Maximum.apply(*binary_operands(a, b))


def minimum(a: Any, b: Any) -> Tensor:
    return Minimum.apply(*binary_operands(a, b))


def where(condition: Tensor, a: Any, b: Any) -> Tensor:
    """Elements of `a` where `condition` is true, else of `b` (all three broadcast). As in torch,
    the condition must be bool; uint8 is still accepted, with torch's deprecation warning."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype == np.uint8:
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and will be "
                      "removed in a future version of PyTorch. Use a boolean condition instead.",
                      UserWarning, stacklevel=2)
        cond = cond.astype(bool)
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{cond.dtype}")
    a, b = binary_operands(a, b)
    try:
        np.broadcast_shapes(cond.shape, a.shape, b.shape)
    except ValueError as err:
        raise ValueError(
            f"where: shapes {cond.shape} (condition), {a.shape} and {b.shape} cannot be "
            "broadcast together"
        ) from err
    return Where.apply(a, b, condition=cond)


def masked_fill(x: Tensor, mask: Tensor, value: float | Tensor) -> Tensor:
    """x with `value` where `mask` is true (mask broadcasts to x). A 0-d tensor `value` gets the
    gradient summed over the filled places. Tensor.masked_fill"""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill: only supports a 0-dimensional value tensor, but got tensor "
                               f"with {value.ndim} dimension(s)")
        filled = where(mask, value.to(x.dtype), x)
    else:
        filled = where(mask, Tensor(np.asarray(value, dtype=x.dtype)), x)
    if filled.shape != x.shape:
        raise RuntimeError(
            f"masked_fill: mask of shape {mask.shape} does not broadcast to the tensor's shape {x.shape}"
        )
    return filled
