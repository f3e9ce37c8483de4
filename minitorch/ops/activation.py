"""Activation functions beyond relu/sigmoid/tanh: leaky_relu, gelu (exact and tanh), silu.

Each is one node with a hand-written derivative (composing them from exp, mul and add would
record four or five nodes and keep as many intermediate arrays alive).
"""

from __future__ import annotations

import math

import numpy as np

from minitorch.autograd import Function
from minitorch.ops.elementwise import stable_sigmoid
from minitorch.tensor import Tensor

_erf = np.frompyfunc(math.erf, 1, 1)  # NumPy has no vectorized erf; math.erf is exact


class LeakyReLU(Function):
    """y = x if x > 0 else a x;  dx = g if x > 0 else a g. torch.nn.functional.leaky_relu"""

    op_name = "leaky_relu"

    def forward(self, x: np.ndarray, negative_slope: float) -> np.ndarray:
        self.positive = x > 0
        self.slope = x.dtype.type(negative_slope)
        return np.where(self.positive, x, x * self.slope)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return np.where(self.positive, grad, grad * self.slope)


class GELU(Function):
    """y = x * Phi(x), Phi the standard normal CDF. torch.nn.functional.gelu

    exact ("none"): Phi(x) = (1 + erf(x / sqrt 2)) / 2;  dx = g (Phi(x) + x phi(x)),
        phi(x) = exp(-x^2 / 2) / sqrt(2 pi).
    "tanh": y = x (1 + tanh u) / 2 with u = sqrt(2/pi) (x + 0.044715 x^3);
        dx = g ((1 + t) / 2 + x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2) / 2), t = tanh u.
    """

    op_name = "gelu"

    def forward(self, x: np.ndarray, approximate: str) -> np.ndarray:
        self.save_for_backward(x)
        self.approximate = approximate
        if approximate == "tanh":
            self.t = np.tanh(x.dtype.type(math.sqrt(2 / math.pi)) * (x + x.dtype.type(0.044715) * x**3))
            return x * (1 + self.t) / 2
        self.cdf = ((1 + _erf(x / x.dtype.type(math.sqrt(2)))) / 2).astype(x.dtype)
        return x * self.cdf

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        k = x.dtype.type
        if self.approximate == "tanh":
            t = self.t
            du = k(math.sqrt(2 / math.pi)) * (1 + k(3 * 0.044715) * x * x)
            return grad * ((1 + t) / 2 + x * (1 - t * t) * du / 2)
        pdf = np.exp(-x * x / 2) * k(1 / math.sqrt(2 * math.pi))
        return grad * (self.cdf + x * pdf)


class SiLU(Function):
    """y = x sigmoid(x);  dx = g s (1 + x (1 - s)), s = sigmoid(x). torch.nn.functional.silu"""

    op_name = "silu"

    def forward(self, x: np.ndarray) -> np.ndarray:
        s = stable_sigmoid(x)
        self.save_for_backward(x, s)
        return x * s

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x, s = self.saved_tensors
        return grad * s * (1 + x * (1 - s))


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------

def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002 (torch's name)
    return LeakyReLU.apply(input, negative_slope=negative_slope)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(input, approximate=approximate)


def silu(input: Tensor) -> Tensor:  # noqa: A002
    return SiLU.apply(input)
