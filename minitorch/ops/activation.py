"""Activation functions beyond relu/sigmoid/tanh: leaky_relu, gelu (exact and tanh), silu.

Each is one node with a hand-written derivative (composing them from exp, mul and add would
record four or five nodes and keep as many intermediate arrays alive).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial import chebyshev, polynomial

from minitorch.autograd import Function
from minitorch.ops.elementwise import exp, sigmoid, stable_sigmoid, tanh
from minitorch.tensor import Tensor

# NumPy has no vectorized erf (math.erf is one Python call per element: ~40x slower than torch).
# The normal tail is computed instead from a polynomial fitted once, here, to math.erfc:
#   erfc(z) = e^(-z^2) R(z), where R(z) = e^(z^2) erfc(z) is smooth and slowly varying; in the
#   variable t = 1 / (1 + z/2) a degree-20 polynomial matches R on 0 <= z <= 10 to 5e-14,
#   relative. (Beyond z = 10, erfc(z) < 3e-45, and R is held at R(10).)
_Z_MAX, _ERFC_DEGREE = 10.0, 20
_T_MIN = 1 / (1 + _Z_MAX / 2)


def _fit_erfc_factor() -> np.ndarray:
    """Power-series coefficients of R as a polynomial in s = 2 (t - t_min) / (1 - t_min) - 1,
    interpolated at the Chebyshev nodes of s (near-minimax, well conditioned)."""
    nodes = np.cos(np.pi * (np.arange(_ERFC_DEGREE + 1) + 0.5) / (_ERFC_DEGREE + 1))
    z = 2 / ((nodes + 1) / 2 * (1 - _T_MIN) + _T_MIN) - 2
    values = [math.exp(v * v) * math.erfc(v) for v in z]
    return chebyshev.cheb2poly(chebyshev.chebfit(nodes, values, _ERFC_DEGREE))


_ERFC_FACTOR = _fit_erfc_factor()


def normal_cdf_pdf(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Phi(x) and phi(x), the standard normal CDF and density, elementwise in x's dtype.
    Phi(-|x|) = erfc(|x| / sqrt 2) / 2 is computed directly, so the lower tail keeps its
    relative precision (5e-14 in float64 down to x = -14, where Phi is 1e-45)."""
    k = x.dtype.type
    z = np.abs(x) * k(1 / math.sqrt(2))
    gauss = np.exp(-z * z)  # e^(-x^2 / 2)
    s = (1 / (1 + np.minimum(z, k(_Z_MAX)) / 2) - k(_T_MIN)) * k(2 / (1 - _T_MIN)) - 1
    lower_tail = gauss * polynomial.polyval(s, _ERFC_FACTOR.astype(x.dtype)) / 2
    return np.where(x >= 0, 1 - lower_tail, lower_tail), gauss * k(1 / math.sqrt(2 * math.pi))


def normal_pdf(x: Tensor) -> Tensor:
    """phi(x) = exp(-x^2 / 2) / sqrt(2 pi), from differentiable ops."""
    return exp(x * x * x.dtype.type(-0.5)) * x.dtype.type(1 / math.sqrt(2 * math.pi))


class NormalCDF(Function):
    """y = Phi(x), the standard normal CDF;  dx = g phi(x). Used by GELU's differentiable
    backward (torch has no public op of its own for it: torch.special.ndtr)."""

    op_name = "ndtr"

    def forward(self, x: np.ndarray) -> np.ndarray:
        cdf, pdf = normal_cdf_pdf(x)
        self.save_for_backward(pdf)
        return cdf

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (pdf,) = self.saved_tensors
        return grad * pdf

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return grad * normal_pdf(self.inputs[0])


class LeakyReLU(Function):
    """y = x if x > 0 else a x;  dx = g if x > 0 else a g. torch.nn.functional.leaky_relu"""

    op_name = "leaky_relu"

    def forward(self, x: np.ndarray, negative_slope: float) -> np.ndarray:
        self.save_for_backward(x)
        self.slope = x.dtype.type(negative_slope)
        return np.where(x > 0, x, x * self.slope)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return np.where(x > 0, grad, grad * self.slope)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        (x,) = self.saved_tensors
        return grad * Tensor(np.where(x > 0, 1, self.slope).astype(grad.dtype))


class GELU(Function):
    """y = x * Phi(x), Phi the standard normal CDF. torch.nn.functional.gelu

    exact ("none"): Phi(x) = (1 + erf(x / sqrt 2)) / 2;  dx = g (Phi(x) + x phi(x)),
        phi(x) = exp(-x^2 / 2) / sqrt(2 pi).
    "tanh": y = x (1 + tanh u) / 2 with u = sqrt(2/pi) (x + 0.044715 x^3);
        dx = g ((1 + t) / 2 + x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2) / 2), t = tanh u.
    """

    op_name = "gelu"

    def forward(self, x: np.ndarray, approximate: str) -> np.ndarray:
        k = x.dtype.type
        self.approximate = approximate
        if approximate == "tanh":
            t = np.tanh(k(math.sqrt(2 / math.pi)) * (x + k(0.044715) * x * x * x))
            self.save_for_backward(x, t)
            return x * (1 + t) / 2
        cdf, pdf = normal_cdf_pdf(x)
        self.save_for_backward(x, cdf, pdf)
        return x * cdf

    def backward(self, grad: np.ndarray) -> np.ndarray:
        if self.approximate == "tanh":
            x, t = self.saved_tensors
            k = x.dtype.type
            du = k(math.sqrt(2 / math.pi)) * (1 + k(3 * 0.044715) * x * x)
            return grad * ((1 + t) / 2 + x * (1 - t * t) * du / 2)
        x, cdf, pdf = self.saved_tensors
        return grad * (cdf + x * pdf)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        (x,) = self.inputs
        k = x.dtype.type
        if self.approximate == "tanh":
            t = tanh(k(math.sqrt(2 / math.pi)) * (x + k(0.044715) * x * x * x))
            du = k(math.sqrt(2 / math.pi)) * (1 + k(3 * 0.044715) * x * x)
            return grad * ((1 + t) / 2 + x * (1 - t * t) * du / 2)
        return grad * (NormalCDF.apply(x) + x * normal_pdf(x))


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

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        (x,) = self.inputs
        s = sigmoid(x)
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
