"""The functional forms of the layers and losses: stateless functions on tensors.

A module (`nn.Conv2d`) owns its parameters and calls the function here (`conv2d`) with them.
The ops whose backward is fused (conv, pooling, norms, embedding, the losses) live in
`minitorch/ops/`; this file gathers them under torch's names and adds the few that are
compositions of existing ops (linear, dropout).
PyTorch equivalent: `torch.nn.functional`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from minitorch.amp.autocast_mode import autocast_inputs
from minitorch.nn.attention import scaled_dot_product_attention as scaled_dot_product_attention
from minitorch.ops.activation import gelu, leaky_relu, silu
from minitorch.ops.conv import conv2d
from minitorch.ops.elementwise import relu, sigmoid, tanh
from minitorch.ops.embedding import embedding
from minitorch.ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
)
from minitorch.ops.normalization import batch_norm, layer_norm
from minitorch.ops.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from minitorch.ops.reductions import log_softmax as _log_softmax
from minitorch.ops.reductions import softmax as _softmax
from minitorch.ops.shape import pad
from minitorch.ops.unfold import fold, unfold
from minitorch.random import default_generator
from minitorch.tensor import Tensor

__all__ = [
    "adaptive_avg_pool2d", "avg_pool2d", "batch_norm", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "conv2d", "cross_entropy", "dropout", "embedding", "gelu",
    "fold", "l1_loss", "layer_norm", "leaky_relu", "linear", "log_softmax", "max_pool2d", "mse_loss",
    "nll_loss", "pad", "relu", "sigmoid", "silu", "softmax", "tanh", "unfold",
]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """y = x W^T + b, with W of shape (out_features, in_features)."""
    input, weight, bias = autocast_inputs(input, weight, bias)  # float16 inside minitorch.amp.autocast
    if input.shape[-1:] != weight.shape[-1:]:
        raise RuntimeError(
            f"linear: input of shape {input.shape} does not match weight of shape {weight.shape} "
            f"(in_features is the last dim of both)"
        )
    output = input @ weight.T
    return output if bias is None else output + bias


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero each element with probability p and scale the kept ones by 1 / (1 - p), so the
    expected output equals the input; the identity when not training. The gradient goes
    through the same mask and scale.  (`inplace` is accepted for torch's signature; minitorch
    never modifies its input.)"""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    keep = default_generator().random(input.shape, dtype=np.float32) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return input * Tensor(keep * input.dtype.type(scale))


def _softmax_dim(name: str, ndim: int, dim: int | None) -> int:
    """torch's legacy rule for dim=None: 0 for 0-, 1- and 3-dim inputs, else 1 (with a warning)."""
    if dim is not None:
        return dim
    warnings.warn(f"{name}: implicit dimension choice has been deprecated; pass dim", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """exp(x) / sum(exp(x)) along dim (computed in `dtype` when given)."""
    x = input if dtype is None else input.to(dtype)
    return _softmax(x, _softmax_dim("softmax", x.ndim, dim))


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """x - logsumexp(x) along dim (computed in `dtype` when given)."""
    x = input if dtype is None else input.to(dtype)
    return _log_softmax(x, _softmax_dim("log_softmax", x.ndim, dim))
