"""LayerNorm. PyTorch equivalent: `torch.nn.LayerNorm`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from minitorch.nn import functional as F
from minitorch.nn.module import Module
from minitorch.nn.parameter import Parameter
from minitorch.tensor import Tensor, get_default_dtype


class LayerNorm(Module):
    """Normalize each sample over its last dims `normalized_shape`, then y = xhat * weight + bias.

    weight starts at ones, bias at zeros (`elementwise_affine=False` has neither; `bias=False`
    only the weight).
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(shape, dtype=get_default_dtype()))
            if bias:
                self.bias = Parameter(np.zeros(shape, dtype=get_default_dtype()))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
