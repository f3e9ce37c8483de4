"""Gradient clipping: rescale (by the total norm) or clamp (by value) gradients in place.

Call between `loss.backward()` and `optimizer.step()`. Clipping by norm keeps the direction of
the whole gradient and only shortens it when it is too long, the usual cure for exploding
gradients in RNNs.

PyTorch equivalent: `torch.nn.utils.clip_grad_norm_`, `torch.nn.utils.clip_grad_value_`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from minitorch.tensor import Tensor, get_default_dtype

Parameters = Tensor | Iterable[Tensor]


def _grads(parameters: Parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: Parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    r"""Scale all gradients together so that their total norm is at most `max_norm`.

        total = || (||g_1||_p, ||g_2||_p, ...) ||_p     (the p-norm of all gradients as one vector;
                                                        p = inf: the largest |entry|)
        g_i <- g_i * min(1, max_norm / (total + 1e-6))

    Returns the total norm before clipping, as a tensor (of the gradients' dtype).
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.array(0.0, dtype=get_default_dtype()))
    norms = np.stack([np.linalg.norm(g.data.ravel(), ord=norm_type) for g in grads])
    total = np.linalg.norm(norms, ord=norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    coefficient = min(max_norm / (total + 1e-6), 1.0)
    with np.errstate(invalid="ignore"):  # an inf gradient times a 0 coefficient is NaN, as in torch
        for g in grads:
            g.data *= np.asarray(coefficient, dtype=g.dtype)
            g._increment_version()
    return Tensor(np.asarray(total))


def clip_grad_value_(parameters: Parameters, clip_value: float) -> None:
    """Clamp every gradient entry into [-clip_value, clip_value], in place."""
    for g in _grads(parameters):
        np.clip(g.data, -clip_value, clip_value, out=g.data)
        g._increment_version()
