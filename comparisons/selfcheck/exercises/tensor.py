"""Chapter: Tensor (张量): broadcasting, and undoing it in the backward pass."""

from __future__ import annotations

import numpy as np

from comparisons.selfcheck.exercise import Case, Classic, Exercise, register
from comparisons.selfcheck.exercises.common import randn, torch_vjp
from minitorch.ops.broadcasting import unbroadcast


def _cases(rng: np.random.Generator) -> list[Case]:
    shapes = [
        ("same shape (2, 3)", (2, 3), (2, 3)),
        ("leading dims (2, 3, 4) -> (4,)", (2, 3, 4), (4,)),
        ("size-1 dim (2, 3, 4) -> (3, 1)", (2, 3, 4), (3, 1)),
        ("size-1 dims (2, 3, 4) -> (1, 3, 1)", (2, 3, 4), (1, 3, 1)),
        ("to a scalar (2, 3) -> ()", (2, 3), ()),
        ("size-1 kept (1, 5) -> (1, 5)", (1, 5), (1, 5)),
        ("size 1 in both (4, 1, 3) -> (1, 1)", (4, 1, 3), (1, 1)),
    ]
    return [Case(label, (randn(rng, *grad_shape), shape)) for label, grad_shape, shape in shapes]


def _expected(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return torch_vjp(lambda x: x.expand(*grad.shape), [np.zeros(shape)], grad)[0]


def _leading_only(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return grad.sum(axis=tuple(range(grad.ndim - len(shape))))


UNBROADCAST = Exercise(
    name="unbroadcast", chapter="tensor", difficulty=2,
    title="Un-broadcast a gradient",
    signature="unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray",
    doc="""\
Sum a gradient back to the shape of an input that was broadcast in the forward pass.

Shapes: grad has the broadcast (output) shape; `shape` is the input's shape, which broadcasts
    to grad.shape. Return an array of exactly `shape`.
Math: broadcasting lines shapes up from the right and repeats an input along (a) the leading
    axes it lacks and (b) the axes where it has size 1. Each repeated copy sent gradient back,
    so the input's gradient is the SUM of grad over those axes:
    dL/dx = grad summed over axes 0..(grad.ndim - len(shape) - 1), then over every axis i
    where shape[i] == 1 (keeping it, size 1).
Hint: grad.sum(axis=..., keepdims=True) for the size-1 axes; reshape to `shape` at the end.
    Example: grad (2, 3, 4) to shape (3, 1): sum axis 0, then axis 2 keeping it -> (3, 1).
PyTorch: x = torch.zeros(shape, requires_grad=True); x.expand(grad.shape).backward(grad); x.grad
""",
    make_cases=_cases,
    expected=_expected,
    reference=unbroadcast,
    outputs=("dx",),
    classics=(
        Classic("forgot to un-broadcast: the gradient must have the input's shape, summed over "
                "every axis along which the input was repeated.", lambda grad, shape: grad),
        Classic("you summed the leading axes but not the axes where the input has size 1; sum "
                "those too, with keepdims=True.", _leading_only),
        Classic("broadcast copies must be SUMMED, not averaged (each copy contributed to the loss).",
                lambda grad, shape: unbroadcast(grad, shape) * np.prod(shape) / grad.size),
    ),
)

register(UNBROADCAST)
