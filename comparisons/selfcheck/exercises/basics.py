"""Chapter: deep-learning basics (深度学习基础): activations and the loss, by hand."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

import minitorch
import minitorch.nn.functional as mF
from comparisons.selfcheck.exercise import Case, Classic, Exercise, register
from comparisons.selfcheck.exercises.common import forgot_upstream, randn, sigmoid, torch_vjp
from comparisons.selfcheck.solutions.adapters import vjp


def elementwise_cases(rng: np.random.Generator) -> list[Case]:
    """Inputs for y = f(x) backward: ordinary, size-1, 3-d, and large |x| (saturation)."""
    large = np.array([-800.0, -40.0, -5.0, 0.0, 5.0, 40.0, 800.0])
    return [
        Case("random (3, 4)", (randn(rng, 3, 4, scale=2), randn(rng, 3, 4))),
        Case("size-1 dims (1, 1)", (randn(rng, 1, 1), randn(rng, 1, 1))),
        Case("3-d (2, 1, 5)", (randn(rng, 2, 1, 5, scale=3), randn(rng, 2, 1, 5))),
        Case("large |x| (saturation)", (large, randn(rng, 7))),
    ]


def _activation_backward(torch_fn: object) -> object:
    return lambda x, grad: torch_vjp(torch_fn, [x], grad)[0]


def _minitorch_backward(fn: object) -> object:
    return lambda x, grad: vjp(fn, [x], grad)[0]


SIGMOID_BACKWARD = Exercise(
    name="sigmoid_backward", chapter="basics", difficulty=1,
    title="Sigmoid backward",
    signature="sigmoid_backward(x: np.ndarray, grad: np.ndarray) -> np.ndarray",
    doc="""\
Backward of the sigmoid: given the input x and grad = dL/dy for y = sigmoid(x), return dL/dx.

Shapes: x and grad have the same shape (any); return an array of that shape.
Math: y = 1 / (1 + e^(-x)),  dy/dx = y (1 - y),  so  dL/dx = grad * y * (1 - y).
Hint: the derivative is written with the *output* y, so compute y first. For large |x|,
    np.exp(-x) overflows to inf (with a warning); 1 / (1 + inf) = 0 is still right, but a
    stable form is e = np.exp(-np.abs(x)); y = 1/(1+e) if x >= 0 else e/(1+e).
PyTorch: y = torch.sigmoid(x); y.backward(grad); x.grad
""",
    make_cases=elementwise_cases,
    expected=_activation_backward(torch.sigmoid),
    reference=_minitorch_backward(minitorch.sigmoid),
    outputs=("dx",),
    classics=(
        Classic("sigma'(x) = y (1 - y) uses the output y = sigmoid(x), not the input x: you "
                "computed x (1 - x).", lambda x, grad: grad * x * (1 - x)),
        forgot_upstream(lambda x: sigmoid(x) * (1 - sigmoid(x))),
    ),
)

TANH_BACKWARD = Exercise(
    name="tanh_backward", chapter="basics", difficulty=1,
    title="Tanh backward",
    signature="tanh_backward(x: np.ndarray, grad: np.ndarray) -> np.ndarray",
    doc="""\
Backward of tanh: given the input x and grad = dL/dy for y = tanh(x), return dL/dx.

Shapes: x and grad have the same shape (any); return an array of that shape.
Math: dy/dx = 1 - tanh(x)^2 = 1 - y^2,  so  dL/dx = grad * (1 - y^2).
Hint: np.tanh is already stable for large |x| (it saturates at +-1).
PyTorch: y = torch.tanh(x); y.backward(grad); x.grad
""",
    make_cases=elementwise_cases,
    expected=_activation_backward(torch.tanh),
    reference=_minitorch_backward(minitorch.tanh),
    outputs=("dx",),
    classics=(
        Classic("tanh'(x) = 1 - y^2 with y = tanh(x): you computed 1 - x^2 from the input.",
                lambda x, grad: grad * (1 - x * x)),
        forgot_upstream(lambda x: 1 - np.tanh(x) ** 2),
    ),
)


def _gelu_tanh_derivative(x: np.ndarray) -> np.ndarray:
    return torch_vjp(lambda t: F.gelu(t, approximate="tanh"), [x], np.ones_like(x))[0]


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


GELU_BACKWARD = Exercise(
    name="gelu_backward", chapter="basics", difficulty=2,
    title="GELU backward (exact, erf form)",
    signature="gelu_backward(x: np.ndarray, grad: np.ndarray) -> np.ndarray",
    doc="""\
Backward of the exact GELU: given x and grad = dL/dy for y = gelu(x), return dL/dx.

Shapes: x and grad have the same shape (any); return an array of that shape.
Math: y = x * Phi(x), Phi(x) = (1 + erf(x / sqrt(2))) / 2 is the standard normal CDF and
    phi(x) = exp(-x^2 / 2) / sqrt(2 pi) its density. By the product rule
    dy/dx = Phi(x) + x * phi(x),  so  dL/dx = grad * (Phi(x) + x phi(x)).
Hint: NumPy has no vectorized erf: np.vectorize(math.erf)(a) (or scipy.special.erf). This is
    the exact GELU, not the tanh approximation.
PyTorch: y = torch.nn.functional.gelu(x); y.backward(grad); x.grad   (approximate="none")
""",
    make_cases=elementwise_cases,
    expected=_activation_backward(F.gelu),
    reference=_minitorch_backward(mF.gelu),
    outputs=("dx",),
    classics=(
        Classic("you differentiated the tanh approximation of GELU; the exercise (and torch's "
                "default) is the exact form x * Phi(x) with Phi from erf.",
                lambda x, grad: grad * _gelu_tanh_derivative(x)),
        Classic("d/dx [x Phi(x)] needs the product rule: Phi(x) + x * phi(x). You kept only Phi(x).",
                lambda x, grad: grad * _normal_cdf(x)),
        forgot_upstream(lambda x: _normal_cdf(x) + x * np.exp(-x * x / 2) / math.sqrt(2 * math.pi)),
    ),
)


def _ce_cases(rng: np.random.Generator) -> list[Case]:
    labels = np.array([0, 2, 2, 4])
    return [
        Case("random (4, 5)", (randn(rng, 4, 5, scale=2), labels)),
        Case("one sample (1, 3)", (randn(rng, 1, 3), np.array([1]))),
        Case("repeated labels (6, 3)", (randn(rng, 6, 3), np.array([1, 1, 1, 0, 0, 2]))),
        Case("large logits (stability)", (randn(rng, 4, 5, scale=1000), labels)),
        Case("ties (equal logits)", (np.zeros((3, 4)), np.array([0, 3, 3]))),
    ]


def _softmax_rows(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[labels]


def _cross_entropy_minitorch(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    target = minitorch.Tensor(labels)
    return vjp(lambda z: mF.cross_entropy(z, target), [logits], np.array(1.0))[0]


def _naive_softmax_ce_grad(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(logits)
        p = e / e.sum(axis=1, keepdims=True)
    return (p - _one_hot(labels, logits.shape[1])) / len(labels)


SOFTMAX_CE_BACKWARD = Exercise(
    name="softmax_cross_entropy_backward", chapter="basics", difficulty=2,
    title="Softmax + cross-entropy backward",
    signature="softmax_cross_entropy_backward(logits: np.ndarray, labels: np.ndarray) -> np.ndarray",
    doc="""\
Gradient of the mean cross-entropy loss with respect to the logits.

Shapes: logits (N, C) floats; labels (N,) integers in [0, C). Return dL/dlogits, shape (N, C).
Math: p = softmax(logits) row by row, p_ij = exp(z_ij) / sum_k exp(z_ik);
    L = -(1/N) sum_i log p_{i, labels_i};   dL/dz_ij = (p_ij - [j == labels_i]) / N.
Hint: subtract each row's max before exp (softmax does not change, exp cannot overflow).
    The loss is the *mean* over the batch.
PyTorch: loss = torch.nn.functional.cross_entropy(logits, labels); loss.backward(); logits.grad
""",
    make_cases=_ce_cases,
    expected=lambda logits, labels: torch_vjp(
        lambda z: F.cross_entropy(z, torch.as_tensor(labels)), [logits], np.array(1.0))[0],
    reference=_cross_entropy_minitorch,
    outputs=("dlogits",),
    classics=(
        Classic("unstable softmax: exp of large logits overflows to inf and inf/inf gives NaN. "
                "Subtract each row's max before np.exp.", _naive_softmax_ce_grad),
        Classic("the loss is the mean over the batch, so the gradient is divided by N.",
                lambda z, y: _softmax_rows(z) - _one_hot(y, z.shape[1])),
        Classic("dL/dz = (softmax(z) - one_hot(labels)) / N: you left out the one-hot term.",
                lambda z, y: _softmax_rows(z) / len(y)),
        Classic("the sign is flipped: dL/dz = (p - one_hot) / N, not (one_hot - p) / N.",
                lambda z, y: (_one_hot(y, z.shape[1]) - _softmax_rows(z)) / len(y)),
    ),
)

register(SIGMOID_BACKWARD, TANH_BACKWARD, GELU_BACKWARD, SOFTMAX_CE_BACKWARD)
