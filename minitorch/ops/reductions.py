"""Reductions (sum, mean, max/min, var/std, logsumexp) and the softmax family.

A reduction's backward spreads the output gradient back over the reduced axes. The helper
`_expand_back` first puts the reduced axes back as size-1 axes (what `keepdim=True` would have
given), then broadcasting copies the gradient along them.

How ties share the gradient, matching torch:
- `max()` / `min()` over all elements and `amax` / `amin`: the gradient is split evenly
  between all elements equal to the extreme value.
- `max(dim)` / `min(dim)`: the whole gradient goes to the one element whose index is
  returned (the first occurrence).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from minitorch.autograd import Function
from minitorch.tensor import Tensor

Dims = int | Sequence[int] | None


def normalize_dims(op: str, dim: Dims, ndim: int) -> tuple[int, ...]:
    """`dim` as a sorted tuple of non-negative axes (all axes when None)."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    rank = builtins.max(ndim, 1)
    for d in dims:
        if not -rank <= d < rank:
            raise IndexError(
                f"{op}: dimension out of range (expected to be in range of [{-rank}, {rank - 1}], "
                f"but got {d})"
            )
    return tuple(sorted({d % rank for d in dims})) if ndim else ()


def _keepdim(grad: Any, dims: tuple[int, ...], keepdim: bool) -> Any:
    """The reduced axes put back as size-1 axes (an array, or a tensor in create_graph mode)."""
    if keepdim:
        return grad
    if isinstance(grad, Tensor):
        return grad.reshape(np.expand_dims(grad.data, dims).shape)
    return np.expand_dims(grad, dims)


def _expand_back(grad: Any, shape: tuple[int, ...], dims: tuple[int, ...], keepdim: bool) -> Any:
    """Broadcast the gradient of a reduction over `dims` back to the input `shape`."""
    grad = _keepdim(grad, dims, keepdim)
    return grad.expand(shape) if isinstance(grad, Tensor) else np.broadcast_to(grad, shape)


class Sum(Function):
    """y = sum of x over dims;  dx = g copied along the reduced dims. torch.sum"""

    def forward(self, x: np.ndarray, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
        self.args = x.shape, dims, keepdim
        return np.sum(x, axis=dims, keepdims=keepdim)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return _expand_back(grad, *self.args)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return self.backward(grad)  # linear in g: the same code records on tensors


class Mean(Function):
    """y = sum(x) / N over dims;  dx = g / N copied along the reduced dims. torch.mean"""

    def forward(self, x: np.ndarray, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
        self.args = x.shape, dims, keepdim
        self.count = int(np.prod([x.shape[d] for d in dims]))
        return np.mean(x, axis=dims, keepdims=keepdim)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return _expand_back(grad / self.count, *self.args)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return self.backward(grad)  # linear in g: the same code records on tensors


class Extreme(Function):
    """y = max (or min) over dims; ties split the gradient evenly. torch.amax / torch.amin"""

    def forward(self, x: np.ndarray, dims: tuple[int, ...], keepdim: bool,
                largest: bool) -> np.ndarray:
        y = (np.max if largest else np.min)(x, axis=dims, keepdims=True)
        self.save_for_backward(x, y)
        self.args = x.shape, dims, keepdim
        return y if keepdim else np.squeeze(y, axis=dims)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x, y = self.saved_tensors
        _, dims, keepdim = self.args
        is_extreme = x == y
        count = is_extreme.sum(axis=dims, keepdims=True)
        g = grad if keepdim else np.expand_dims(grad, dims)
        return is_extreme * (g / count)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        x, y = self.saved_tensors
        _, dims, keepdim = self.args
        is_extreme = x == y
        share = (is_extreme / is_extreme.sum(axis=dims, keepdims=True)).astype(grad.dtype)
        return Tensor(share) * _keepdim(grad, dims, keepdim)


class ExtremeAlongDim(Function):
    """values, indices = max (or min) along one dim: a node with two outputs. Only the values
    are differentiable (the indices are integers):  dx = g at the chosen index, 0 elsewhere.
    torch.max(x, dim) / torch.min(x, dim)"""

    def forward(self, x: np.ndarray, dim: int, keepdim: bool,
                largest: bool) -> tuple[np.ndarray, np.ndarray]:
        indices = (np.argmax if largest else np.argmin)(x, axis=dim)
        self.indices = np.expand_dims(indices, dim)
        self.args = x.shape, dim, keepdim
        values = np.take_along_axis(x, self.indices, axis=dim)
        if keepdim:
            return values, self.indices.copy()
        return np.squeeze(values, axis=dim), indices

    def backward(self, grad: np.ndarray, grad_indices: None = None) -> np.ndarray:
        shape, dim, keepdim = self.args
        dx = np.zeros(shape, dtype=grad.dtype)
        np.put_along_axis(dx, self.indices, _keepdim(grad, (dim,), keepdim), axis=dim)
        return dx

    def differentiable_backward(self, grad: Tensor, grad_indices: None = None) -> Tensor:
        shape, dim, keepdim = self.args
        chosen = np.zeros(shape, dtype=grad.dtype)  # 1 at the chosen index: a constant mask
        np.put_along_axis(chosen, self.indices, 1, axis=dim)
        return Tensor(chosen) * _keepdim(grad, (dim,), keepdim)


class Var(Function):
    """v = sum((x - mean)^2) / (N - correction);  dx = g * 2 (x - mean) / (N - correction).

    correction=1 is the unbiased (Bessel) estimate, torch's default; 0 is the population
    variance. torch.var
    """

    def forward(self, x: np.ndarray, dims: tuple[int, ...], keepdim: bool,
                correction: float) -> np.ndarray:
        count = int(np.prod([x.shape[d] for d in dims]))
        self.divisor = builtins.max(count - correction, 0)
        centered = x - np.mean(x, axis=dims, keepdims=True)
        self.save_for_backward(centered)
        self.args = dims, keepdim
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sum(centered * centered, axis=dims, keepdims=keepdim) / x.dtype.type(
                self.divisor
            )

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (centered,) = self.saved_tensors
        dims, keepdim = self.args
        g = grad if keepdim else np.expand_dims(grad, dims)
        return g * centered * centered.dtype.type(2 / self.divisor)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        (x,) = self.inputs
        dims, keepdim = self.args
        centered = x - x.mean(dims, keepdim=True)
        return _keepdim(grad, dims, keepdim) * centered * x.dtype.type(2 / self.divisor)


class LogSumExp(Function):
    """y = log(sum(exp(x))) over dims, computed as m + log(sum(exp(x - m))) with m = max(x) so
    exp never overflows;  dx = g * softmax(x) = g * exp(x - y). torch.logsumexp"""

    def forward(self, x: np.ndarray, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
        m = np.max(x, axis=dims, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        y = m + np.log(np.sum(np.exp(x - m), axis=dims, keepdims=True))
        self.save_for_backward(x, y)
        self.args = dims, keepdim
        return y if keepdim else np.squeeze(y, axis=dims)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x, y = self.saved_tensors
        dims, keepdim = self.args
        g = grad if keepdim else np.expand_dims(grad, dims)
        return g * np.exp(x - y)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        (x,) = self.inputs
        dims, keepdim = self.args
        return _keepdim(grad, dims, keepdim) * (x - LogSumExp.apply(x, dims=dims, keepdim=True)).exp()


class Softmax(Function):
    """y_i = exp(x_i - max x) / sum_j exp(x_j - max x) along dim;
    dx = y * (g - sum(g * y)) (the Jacobian diag(y) - y y^T applied to g). torch.softmax"""

    def forward(self, x: np.ndarray, dim: int) -> np.ndarray:
        e = np.exp(x - np.max(x, axis=dim, keepdims=True, initial=-np.inf))  # initial: a 0-size dim
        y = e / np.sum(e, axis=dim, keepdims=True)
        self.save_for_backward(y)
        self.dim = dim
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (y,) = self.saved_tensors
        return y * (grad - np.sum(grad * y, axis=self.dim, keepdims=True))

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        y = Softmax.apply(self.inputs[0], dim=self.dim)
        return y * (grad - (grad * y).sum(self.dim, keepdim=True))


class LogSoftmax(Function):
    """y = x - logsumexp(x) along dim;  dx = g - softmax(x) * sum(g). torch.log_softmax"""

    def forward(self, x: np.ndarray, dim: int) -> np.ndarray:
        shifted = x - np.max(x, axis=dim, keepdims=True, initial=-np.inf)  # initial: a 0-size dim
        # (a 0-size dim has nothing to normalize, and the log of its empty sum would warn)
        y = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True)) if x.shape[dim] else shifted
        self.save_for_backward(y)
        self.dim = dim
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (y,) = self.saved_tensors
        return grad - np.exp(y) * np.sum(grad, axis=self.dim, keepdims=True)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        y = LogSoftmax.apply(self.inputs[0], dim=self.dim)
        return grad - y.exp() * grad.sum(self.dim, keepdim=True)


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------

class MaxResult(NamedTuple):
    """What torch.max(x, dim) returns: the values and the indices where they were found."""

    values: Tensor
    indices: Tensor


def _single_dim(op: str, dim: int, ndim: int) -> int:
    (d,) = normalize_dims(op, dim, ndim)
    return d


def sum(x: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Sum over `dim` (all elements when None). Booleans and ints sum to int64."""
    if x.dtype.kind in "bu" or x.dtype == np.int32:
        x = x.to(np.int64)
    return Sum.apply(x, dims=normalize_dims("sum", dim, x.ndim), keepdim=keepdim)


def mean(x: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Mean over `dim` (all elements when None); floating inputs only, as in torch."""
    if x.dtype.kind != "f":
        raise RuntimeError(
            f"mean: could not infer output dtype; input dtype must be floating point, got {x.dtype}"
        )
    return Mean.apply(x, dims=normalize_dims("mean", dim, x.ndim), keepdim=keepdim)


def _extreme(op: str, x: Tensor, dim: int | None, keepdim: bool, largest: bool) -> Any:
    if x.data.size == 0:
        raise RuntimeError(f"{op}: expected a non-empty tensor, got shape {x.shape}")
    if dim is None:
        return Extreme.apply(x, dims=tuple(range(x.ndim)), keepdim=False, largest=largest)
    values, indices = ExtremeAlongDim.apply(x, dim=_single_dim(op, dim, x.ndim), keepdim=keepdim,
                                            largest=largest)
    return MaxResult(values, indices)


def max(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A001
    """The largest element, or `(values, indices)` along `dim` (see the module docstring)."""
    return _extreme("max", x, dim, keepdim, largest=True)


def min(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A001
    """The smallest element, or `(values, indices)` along `dim`."""
    return _extreme("min", x, dim, keepdim, largest=False)


def amax(x: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Max over one or more dims; ties split the gradient evenly."""
    return Extreme.apply(x, dims=normalize_dims("amax", dim, x.ndim), keepdim=keepdim, largest=True)


def amin(x: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Min over one or more dims; ties split the gradient evenly."""
    return Extreme.apply(x, dims=normalize_dims("amin", dim, x.ndim), keepdim=keepdim, largest=False)


def _correction(unbiased: bool | None, correction: float | None) -> float:
    if unbiased is not None and correction is not None:
        raise ValueError("var: pass either `unbiased` or `correction`, not both")
    if correction is not None:
        return correction
    return 1.0 if unbiased is None or unbiased else 0.0


def var(x: Tensor, dim: Dims = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> Tensor:
    """Variance over `dim` with divisor N - correction (default correction=1, unbiased)."""
    return Var.apply(x, dims=normalize_dims("var", dim, x.ndim), keepdim=keepdim,
                     correction=_correction(unbiased, correction))


def std(x: Tensor, dim: Dims = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> Tensor:
    """Standard deviation: sqrt(var)."""
    from minitorch.ops.elementwise import sqrt

    return sqrt(var(x, dim, unbiased, keepdim, correction=correction))


def logsumexp(x: Tensor, dim: Dims, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over `dim`, numerically stable."""
    return LogSumExp.apply(x, dims=normalize_dims("logsumexp", dim, x.ndim), keepdim=keepdim)


def softmax(x: Tensor, dim: int) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`, numerically stable."""
    return Softmax.apply(x, dim=_single_dim("softmax", dim, x.ndim))


def log_softmax(x: Tensor, dim: int) -> Tensor:
    """x - logsumexp(x) along `dim`, numerically stable."""
    return LogSoftmax.apply(x, dim=_single_dim("log_softmax", dim, x.ndim))


def argmax(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor when dim is None); no gradient."""
    if dim is not None and x.ndim == 0:  # dims 0 and -1 name a 0-d tensor; its one index is 0
        normalize_dims("argmax", dim, 0)
        dim = None
    if dim is None:
        return Tensor(np.asarray(np.argmax(x.data), dtype=np.int64))
    return Tensor(np.argmax(x.data, axis=_single_dim("argmax", dim, x.ndim), keepdims=keepdim))


def argmin(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element; no gradient."""
    if dim is not None and x.ndim == 0:
        normalize_dims("argmin", dim, 0)
        dim = None
    if dim is None:
        return Tensor(np.asarray(np.argmin(x.data), dtype=np.int64))
    return Tensor(np.argmin(x.data, axis=_single_dim("argmin", dim, x.ndim), keepdims=keepdim))

