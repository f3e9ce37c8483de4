"""Arithmetic: add, sub, mul, div, neg, pow and matmul, with NumPy broadcasting.

Every binary op's backward ends with `unbroadcast`: an input that was broadcast in the forward
pass receives the sum of the gradients of all its copies.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minitorch.amp.autocast_mode import autocast_inputs
from minitorch.autograd import Function, operands_read_for_each_other
from minitorch.ops.broadcasting import binary_operands, unbroadcast
from minitorch.tensor import Tensor


class BroadcastingOp(Function):
    """A binary op whose two inputs broadcast against each other."""

    def describe_error(self, inputs: tuple[Tensor, ...], err: Exception) -> str:
        a, b = inputs
        return f"{self.name}: shapes {a.shape} and {b.shape} cannot be broadcast together"


class Add(BroadcastingOp):
    """out = a + b;  da = g, db = g (each summed over its broadcast dims). torch.add"""

    op_name = "add"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.shapes = a.shape, b.shape
        return a + b

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a_shape, b_shape = self.shapes
        return (
            unbroadcast(grad, a_shape) if self.needs_input_grad[0] else None,
            unbroadcast(grad, b_shape) if self.needs_input_grad[1] else None,
        )

    def differentiable_backward(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        return self.backward(grad)  # linear in g, no saved values: the same code records on tensors


class Sub(BroadcastingOp):
    """out = a - b;  da = g, db = -g. torch.sub"""

    op_name = "sub"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.shapes = a.shape, b.shape
        return a - b

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a_shape, b_shape = self.shapes
        return (
            unbroadcast(grad, a_shape) if self.needs_input_grad[0] else None,
            unbroadcast(-grad, b_shape) if self.needs_input_grad[1] else None,
        )

    def differentiable_backward(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        return self.backward(grad)  # linear in g, no saved values: the same code records on tensors


class Mul(BroadcastingOp):
    """out = a * b;  da = g * b, db = g * a. torch.mul"""

    op_name = "mul"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.save_for_backward(a, b)
        return a * b

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        return self.product_rule(grad, *self.saved_tensors)

    def inputs_not_read(self) -> tuple[int, ...]:
        return operands_read_for_each_other(self.needs_input_grad)

    def differentiable_backward(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        return self.product_rule(grad, *self.inputs)

    def product_rule(self, grad: Any, a: Any, b: Any) -> tuple[Any, ...]:
        """da = g * b, db = g * a, on arrays (backward) or on tensors (differentiable_backward)."""
        return (
            unbroadcast(grad * b, a.shape) if self.needs_input_grad[0] else None,
            unbroadcast(grad * a, b.shape) if self.needs_input_grad[1] else None,
        )


class Div(BroadcastingOp):
    """out = a / b;  da = g / b, db = -g * a / b^2. torch.div"""

    op_name = "div"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.save_for_backward(a, b)
        return a / b

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        return self.quotient_rule(grad, *self.saved_tensors)

    def inputs_not_read(self) -> tuple[int, ...]:
        return () if self.needs_input_grad[1] else (0,)  # a is read only for db

    def differentiable_backward(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        return self.quotient_rule(grad, *self.inputs)

    def quotient_rule(self, grad: Any, a: Any, b: Any) -> tuple[Any, ...]:
        """da = g / b, db = -g a / b^2, on arrays or on tensors."""
        grad_over_b = grad / b
        return (
            unbroadcast(grad_over_b, a.shape) if self.needs_input_grad[0] else None,
            unbroadcast(-grad_over_b * a / b, b.shape) if self.needs_input_grad[1] else None,
        )


class Neg(Function):
    """out = -a;  da = -g. torch.neg"""

    op_name = "neg"

    def forward(self, a: np.ndarray) -> np.ndarray:
        return -a

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return -grad

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return -grad


class PowScalar(Function):
    """out = a ** p for a constant p;  da = g * p * a^(p-1). torch.pow(tensor, number)"""

    op_name = "pow"

    def forward(self, a: np.ndarray, exponent: float) -> np.ndarray:
        self.save_for_backward(a)
        self.exponent = exponent
        return a ** np.asarray(exponent, dtype=a.dtype)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (a,) = self.saved_tensors
        p = np.asarray(self.exponent, dtype=a.dtype)
        if self.exponent == 0:
            return np.zeros_like(a)
        return grad * p * a ** (p - 1)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        (a,) = self.inputs
        if self.exponent == 0:
            return grad * 0
        return grad * self.exponent * a ** (self.exponent - 1)


class Pow(BroadcastingOp):
    """out = a ** b for tensors;  da = g * b * a^(b-1),  db = g * a^b * ln(a). torch.pow

    Where a == 0 and b >= 0, ln(a) is -inf but a^b * ln(a) has limit 0; torch defines the
    exponent's gradient as 0 there, and so do we.
    """

    op_name = "pow"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = a**b
        self.save_for_backward(a, b, out)
        return out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b, out = self.saved_tensors
        grad_a = grad_b = None
        if self.needs_input_grad[0]:
            grad_a = unbroadcast(grad * b * a ** (b - 1), a.shape)
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):  # 0 * log(0) is masked below
                d_exponent = np.where((a == 0) & (b >= 0), 0, out * np.log(a))
            grad_b = unbroadcast(grad * d_exponent, b.shape)
        return grad_a, grad_b

    def differentiable_backward(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        from minitorch.ops.elementwise import where

        a, b = self.inputs
        grad_a = grad_b = None
        if self.needs_input_grad[0]:
            grad_a = unbroadcast(grad * b * a ** (b - 1), a.shape)
        if self.needs_input_grad[1]:
            zero_base = (a.data == 0) & (b.data >= 0)
            safe_a = where(Tensor(zero_base), 1.0, a)  # log(1) = 0 there, and no inf * 0 = nan
            grad_b = unbroadcast(grad * where(Tensor(zero_base), 0.0, a**b * safe_a.log()), b.shape)
        return grad_a, grad_b


def plain_weight_grad(a: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    """dL/db = a^T @ g for out = a @ b, summed over the batch dims b was broadcast along."""
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b.shape)


def shared_weight_grad(a: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Fast path of `plain_weight_grad` for a 2-D b (one weight shared by every batch row).

    Saves the batched GEMM and the sum over the batch that follows it: all rows fold into one
    GEMM. And when b is a transposed view (x @ W.T in a linear layer), it computes (g^T a)^T
    instead of a^T g, the same numbers laid out in W's own C order, which saves a transposing
    copy. Tested equal to the plain version in tests/engine/test_plain_vs_fast.py.
    """
    rows = math.prod(a.shape[:-1])  # not -1: it is ambiguous when a dim is 0
    rows_a, rows_g = a.reshape(rows, a.shape[-1]), g.reshape(rows, g.shape[-1])
    transposed_view = b.flags.f_contiguous and not b.flags.c_contiguous
    return (rows_g.T @ rows_a).T if transposed_view else rows_a.T @ rows_g


class MatMul(Function):
    """out = a @ b (NumPy/torch matmul semantics: 1-D, 2-D, batched with broadcast batch dims).

    For 2-D operands: da = g @ b^T, db = a^T @ g. A 1-D `a` is treated as a row (1, k) and a
    1-D `b` as a column (k, 1); those added dims are removed again. Batch dims of an operand
    that was broadcast are summed away by `unbroadcast`. db is `plain_weight_grad`, or its fast
    path `shared_weight_grad` when b is 2-D (the weight of a linear layer).

    PyTorch equivalent: torch.matmul
    """

    op_name = "matmul"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.save_for_backward(a, b)
        return np.matmul(a, b)

    def inputs_not_read(self) -> tuple[int, ...]:
        return operands_read_for_each_other(self.needs_input_grad)

    def describe_error(self, inputs: tuple[Tensor, ...], err: Exception) -> str:
        a, b = inputs
        return f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied"

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b = self.saved_tensors
        if a.ndim == 1 and b.ndim == 1:  # dot product: scalar output
            return (
                grad * b if self.needs_input_grad[0] else None,
                grad * a if self.needs_input_grad[1] else None,
            )
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = grad
        if a.ndim == 1:
            g2 = g2[..., None, :]
        if b.ndim == 1:
            g2 = g2[..., None]
        grad_a = grad_b = None
        if self.needs_input_grad[0]:
            grad_a = unbroadcast(np.matmul(g2, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if self.needs_input_grad[1]:
            weight_grad = shared_weight_grad if b2.ndim == 2 else plain_weight_grad
            grad_b = weight_grad(a2, g2, b2).reshape(b.shape)
        return grad_a, grad_b

    def differentiable_backward(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        """The plain formulas on tensors: da = g @ b^T, db = a^T @ g (1-D operands as above)."""
        a, b = self.inputs
        if a.ndim == 1 and b.ndim == 1:
            return (grad * b if self.needs_input_grad[0] else None,
                    grad * a if self.needs_input_grad[1] else None)
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(1) if b.ndim == 1 else b
        g2 = grad.unsqueeze(-2) if a.ndim == 1 else grad
        g2 = g2.unsqueeze(-1) if b.ndim == 1 else g2
        grad_a = unbroadcast(g2 @ b2.mT, a2.shape).reshape(a.shape) if self.needs_input_grad[0] else None
        grad_b = unbroadcast(a2.mT @ g2, b2.shape).reshape(b.shape) if self.needs_input_grad[1] else None
        return grad_a, grad_b


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------

def add(a: Any, b: Any, alpha: float = 1) -> Tensor:
    """a + alpha * b with broadcasting."""
    return Add.apply(*binary_operands(a, b if alpha == 1 else mul(b, alpha)))


def sub(a: Any, b: Any, alpha: float = 1) -> Tensor:
    """a - alpha * b with broadcasting."""
    return Sub.apply(*binary_operands(a, b if alpha == 1 else mul(b, alpha)))


def mul(a: Any, b: Any) -> Tensor:
    """a * b with broadcasting."""
    return Mul.apply(*binary_operands(a, b))


def div(a: Any, b: Any) -> Tensor:
    """a / b with broadcasting (true division: int / int gives float32, as in torch)."""
    a, b = binary_operands(a, b)
    if a.dtype.kind in "iub" and b.dtype.kind in "iub":
        a, b = a.float(), b.float()
    return Div.apply(a, b)


def neg(a: Tensor) -> Tensor:
    """-a."""
    return Neg.apply(a)


def pow(base: Any, exponent: Any) -> Tensor:  # noqa: A001 (torch's name)
    """base ** exponent; a Python-number exponent is a constant, a tensor one is differentiable."""
    if isinstance(base, Tensor) and not isinstance(exponent, Tensor):
        if base.dtype.kind in "iub" and isinstance(exponent, float):
            base = base.float()
        return PowScalar.apply(base, exponent=exponent)
    return Pow.apply(*binary_operands(base, exponent))


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product with torch.matmul's rules for 1-D, 2-D and batched operands."""
    a, b = autocast_inputs(a, b)  # float16 copies inside `minitorch.amp.autocast` (mixed precision)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need at least 1 dimension, got shapes {a.shape} and {b.shape}"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"matmul: expected both operands to have the same dtype, got {a.dtype} and {b.dtype}"
        )
    return MatMul.apply(a, b)


def mm(a: Tensor, b: Tensor) -> Tensor:
    """The product of two matrices (2-D only, no broadcasting). torch.mm"""
    for name, t in (("self", a), ("mat2", b)):
        if t.ndim != 2:
            raise RuntimeError(f"mm: {name} must be a matrix, got shape {t.shape}")
    return matmul(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Matrix products of two batches of matrices, (B, n, k) @ (B, k, m) (no broadcasting). torch.bmm"""
    for name, t in (("batch1", a), ("batch2", b)):
        if t.ndim != 3:
            raise RuntimeError(f"bmm: {name} must be a 3D tensor, got shape {t.shape}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: batch1 and batch2 must have same number of batches, got {a.shape[0]} "
                           f"and {b.shape[0]}")
    return matmul(a, b)
