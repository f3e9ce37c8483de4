"""Batch norm and layer norm, each one node with the fused backward.

Both normalize x over some axes to zero mean and unit variance, then scale and shift:

    mean = E[x],  var = E[(x - mean)^2] (biased),  xhat = (x - mean) / sqrt(var + eps),
    y = weight * xhat + bias.

Batch norm takes the statistics over the batch (and spatial) axes, one per channel; layer norm
over the trailing `normalized_shape` axes, one per sample. Because mean and var depend on
every x of the group, the gradient of xhat is not just g / sqrt(var + eps): with M elements
per group and gh = dL/dxhat,

    dx = (1 / sqrt(var + eps)) * (gh - mean(gh) - xhat * mean(gh * xhat))

(the two subtracted terms are the paths through the mean and the variance). Composing this
from sub, mean, pow and div would record a dozen nodes and keep their outputs alive.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from minitorch.autograd import Function
from minitorch.tensor import Tensor


def _normalized_grad(gh: np.ndarray, xhat: np.ndarray, invstd: np.ndarray,
                     axes: tuple[int, ...]) -> np.ndarray:
    """dL/dx from dL/dxhat when the mean and variance were taken over `axes` (see above)."""
    mean_gh = gh.mean(axis=axes, keepdims=True)
    mean_gh_xhat = (gh * xhat).mean(axis=axes, keepdims=True)
    return invstd * (gh - mean_gh - xhat * mean_gh_xhat)


class Normalize(Function):
    """y = xhat * weight + bias, with xhat = (x - mean) * invstd; the base of both norms.

    `centered` = x - mean and `invstd` are given (invstd in keepdims shape). When `batch_stats`
    is True the mean and variance were computed from x over `axes` and the backward includes
    the paths through them; otherwise they are constants (batch norm in eval mode: the running
    statistics) and dx = gh * invstd.
    `param_axes` are the axes that weight and bias are broadcast over (their gradient sums).
    The optional inputs after x are (weight, bias), when the norm is affine. `eps` is the one
    added to the variance (used by `composite`, the op rebuilt from differentiable ops, whose
    gradient is the differentiable backward).
    PyTorch equivalent: the shared backward of torch.nn.functional.batch_norm and layer_norm.
    """

    def forward(self, x: np.ndarray, *affine: np.ndarray, centered: np.ndarray, invstd: np.ndarray,
                axes: tuple[int, ...], param_axes: tuple[int, ...], param_shape: tuple[int, ...],
                batch_stats: bool, eps: float) -> np.ndarray:
        xhat = centered * invstd
        self.axes, self.param_axes, self.batch_stats = axes, param_axes, batch_stats
        self.param_shape, self.eps = param_shape, eps
        if not affine:
            self.save_for_backward(xhat, invstd)
            return xhat
        weight, bias = (p.reshape(param_shape) for p in affine)
        self.weight_shape = affine[0].shape
        self.save_for_backward(xhat, invstd, weight)
        out = xhat * weight
        out += bias
        return out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        xhat, invstd, *weight = self.saved_tensors
        gh = grad * weight[0] if weight else grad
        dx = None
        if self.needs_input_grad[0]:
            dx = _normalized_grad(gh, xhat, invstd, self.axes) if self.batch_stats else gh * invstd
        if not weight:
            return (dx,)
        need_w, need_b = self.needs_input_grad[1:]
        dweight = (grad * xhat).sum(axis=self.param_axes).reshape(self.weight_shape) if need_w else None
        dbias = grad.sum(axis=self.param_axes).reshape(self.weight_shape) if need_b else None
        return dx, dweight, dbias

    def composite(self, x: Tensor, *affine: Tensor) -> Tensor:
        """The norm from differentiable ops: mean and biased variance of x over `axes`, then
        xhat = (x - mean) / sqrt(var + eps). With running statistics (eval) they are constants:
        xhat = x * invstd + (a constant shift, -mean * invstd)."""
        if self.batch_stats:
            centered = x - x.mean(self.axes, keepdim=True)
            variance = (centered * centered).mean(self.axes, keepdim=True)
            xhat = centered / (variance + self.eps).sqrt()
        else:
            xhat_values, invstd = self.saved_tensors[:2]
            xhat = x * Tensor(invstd) + Tensor(xhat_values - x.data * invstd)
        if not affine:
            return xhat
        weight, bias = affine
        return xhat * weight.reshape(self.param_shape) + bias.reshape(self.param_shape)


def _statistics(x: np.ndarray, axes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """mean, x - mean and the biased variance over `axes` (keepdims), subtracting the mean once."""
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    return mean, centered, np.square(centered).mean(axis=axes, keepdims=True)


def _affine(weight: Tensor | None, bias: Tensor | None, shape: tuple[int, ...],
            dtype: np.dtype) -> tuple[Tensor, ...]:
    """(weight, bias) as Normalize's optional inputs; a missing one becomes a constant 1 or 0."""
    if weight is None and bias is None:
        return ()
    return (weight if weight is not None else Tensor(np.ones(shape, dtype=dtype)),
            bias if bias is not None else Tensor(np.zeros(shape, dtype=dtype)))


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel (dim 1) over the batch and spatial dims. torch.nn.functional.batch_norm

    Training (or no running statistics): use the batch's mean and biased variance, and update
    the running statistics in place:  running = (1 - momentum) * running + momentum * batch,
    where the variance fed to the running estimate is the unbiased one (times n / (n - 1)).
    Eval: normalize with the running statistics.
    """
    if input.ndim < 2:
        raise ValueError(
            f"batch_norm: expected input with at least 2 dims (N, C, ...), got shape {input.shape}"
        )
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t.shape != (channels,):
            raise RuntimeError(
                f"batch_norm: {name} should have shape ({channels},) for input of shape {input.shape}, "
                f"got {t.shape}"
            )
    axes = (0,) + tuple(range(2, input.ndim))
    stat_shape = (1, channels) + (1,) * (input.ndim - 2)
    batch_stats = training or running_mean is None or running_var is None
    if batch_stats:
        count = input.numel() // channels
        if count <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input of "
                f"shape {input.shape}"
            )
        mean, centered, var = _statistics(input.data, axes)
        if training and running_mean is not None and running_var is not None:
            running_mean.data[...] = (1 - momentum) * running_mean.data + momentum * mean.reshape(-1)
            unbiased = var.reshape(-1) * (count / (count - 1))
            running_var.data[...] = (1 - momentum) * running_var.data + momentum * unbiased
            running_mean._increment_version()
            running_var._increment_version()
    else:
        assert running_mean is not None and running_var is not None
        centered = input.data - running_mean.data.reshape(stat_shape).astype(input.dtype, copy=False)
        var = running_var.data.reshape(stat_shape).astype(input.dtype, copy=False)
    invstd = 1 / np.sqrt(var + eps)
    return Normalize.apply(input, *_affine(weight, bias, (channels,), input.dtype), centered=centered,
                           invstd=invstd, axes=axes, param_axes=axes, param_shape=stat_shape,
                           batch_stats=batch_stats, eps=eps)


def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalize each sample over its last len(normalized_shape) dims. torch.nn.functional.layer_norm"""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if input.shape[input.ndim - k:] != shape or k > input.ndim:
        raise RuntimeError(
            f"layer_norm: given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of shape {input.shape}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != shape:
            raise RuntimeError(f"layer_norm: {name} should have shape {shape}, got {t.shape}")
    axes = tuple(range(input.ndim - k, input.ndim))
    _, centered, var = _statistics(input.data, axes)
    invstd = 1 / np.sqrt(var + eps)
    return Normalize.apply(input, *_affine(weight, bias, shape, input.dtype), centered=centered,
                           invstd=invstd, axes=axes, param_axes=tuple(range(input.ndim - k)),
                           param_shape=shape, batch_stats=True, eps=eps)
