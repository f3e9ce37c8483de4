"""Run minitorch on NumPy arrays: the bridge from an exercise's signature to the library."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

import minitorch


def vjp(fn: Callable[..., minitorch.Tensor], inputs: Sequence[np.ndarray], grad: np.ndarray,
        wrt: Sequence[int] | None = None) -> tuple[np.ndarray, ...]:
    """Gradients of sum(fn(*inputs) * grad) with respect to `inputs[i]` for i in `wrt` (all by
    default), computed by minitorch's autograd."""
    wrt = range(len(inputs)) if wrt is None else wrt
    tensors = [minitorch.Tensor(np.array(x), requires_grad=i in wrt) for i, x in enumerate(inputs)]
    fn(*tensors).backward(np.asarray(grad))
    return tuple(_grad_of(tensors[i]) for i in wrt)


def _grad_of(t: minitorch.Tensor) -> np.ndarray:
    return t.grad.data if t.grad is not None else np.zeros_like(t.data)
