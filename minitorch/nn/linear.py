"""Linear and Identity. PyTorch equivalent: `torch.nn.Linear`, `torch.nn.Identity`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minitorch.nn import functional as F
from minitorch.nn import init
from minitorch.nn.module import Module
from minitorch.nn.parameter import Parameter
from minitorch.tensor import Tensor, get_default_dtype


def add_weight_and_bias(module: Module, weight_shape: tuple[int, ...], bias: bool) -> None:
    """Register float32 `weight` of `weight_shape` and, if `bias`, `bias` of size weight_shape[0]
    (else `bias` is None, as in torch); fill them with `reset_weight_and_bias`."""
    module.weight = Parameter(np.zeros(weight_shape, dtype=get_default_dtype()))
    if bias:
        module.bias = Parameter(np.zeros(weight_shape[0], dtype=get_default_dtype()))
    else:
        module.register_parameter("bias", None)
    reset_weight_and_bias(module.weight, module.bias)


def reset_weight_and_bias(weight: Tensor, bias: Tensor | None) -> None:
    """torch's default init for Linear and Conv: W by kaiming_uniform_ with a=sqrt(5), which is
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.uniform_(bias, -bound, bound)


class Identity(Module):
    """Returns its input unchanged (arguments are accepted and ignored, as in torch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input


class Linear(Module):
    """y = x W^T + b with W of shape (out_features, in_features).

    Default init (torch's): W ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform_ with a=sqrt(5)),
    b ~ U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        add_weight_and_bias(self, (out_features, in_features), bias)

    def reset_parameters(self) -> None:
        reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        has_bias = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={has_bias}"
