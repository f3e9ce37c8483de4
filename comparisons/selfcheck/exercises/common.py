"""Helpers the exercise definitions share: inputs, PyTorch gradients, generic classic mistakes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from comparisons.selfcheck.exercise import Classic


def randn(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    """Standard normal float64 values times `scale`."""
    return rng.standard_normal(shape) * scale


def tensor(x: np.ndarray, requires_grad: bool = False) -> torch.Tensor:
    return torch.tensor(np.asarray(x), requires_grad=requires_grad)


def torch_vjp(fn: Callable[..., torch.Tensor], inputs: Sequence[np.ndarray], grad: np.ndarray,
              wrt: Sequence[int] | None = None) -> tuple[np.ndarray, ...]:
    """Gradients of sum(fn(*inputs) * grad) with respect to `inputs[i]` for i in `wrt`, by
    torch.autograd (a gradient torch leaves undefined is zero)."""
    wrt = range(len(inputs)) if wrt is None else wrt
    tensors = [tensor(x, requires_grad=i in wrt) for i, x in enumerate(inputs)]
    fn(*tensors).backward(tensor(grad))
    return tuple(_numpy_grad(tensors[i]) for i in wrt)


def _numpy_grad(t: torch.Tensor) -> np.ndarray:
    return t.grad.numpy() if t.grad is not None else np.zeros(tuple(t.shape))


def numpy_out(fn: Callable[..., torch.Tensor]) -> Callable[..., np.ndarray]:
    """Wrap a torch function of tensors as a function of arrays (non-arrays pass through)."""
    def wrapped(*args: object) -> np.ndarray:
        converted = [tensor(a) if isinstance(a, np.ndarray) else a for a in args]
        with torch.no_grad():
            return fn(*converted).numpy()
    return wrapped


def forgot_upstream(derivative: Callable[[np.ndarray], np.ndarray]) -> Classic:
    """The learner returned f'(x) itself instead of grad * f'(x)."""
    return Classic(
        "you returned the derivative f'(x) alone. The chain rule multiplies it by the upstream "
        "gradient: dL/dx = grad * f'(x).",
        lambda x, grad: derivative(x),
    )


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(x, -500, 500)))
