"""RMSprop, plain, centered, and with momentum.

PyTorch equivalent: `torch.optim.RMSprop`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from minitorch.optim.optimizer import Optimizer, check_non_negative


class RMSprop(Optimizer):
    r"""RMSprop, exactly torch's algorithm. With g_t the gradient (negated if `maximize`):

        g_t <- g_t + weight_decay * p                  (if weight_decay != 0)
        v_t = alpha * v_{t-1} + (1 - alpha) * g_t^2
        centered:  a_t = alpha * a_{t-1} + (1 - alpha) * g_t;  d_t = sqrt(v_t - a_t^2) + eps
        otherwise: d_t = sqrt(v_t) + eps
        momentum > 0:  b_t = momentum * b_{t-1} + g_t / d_t;  p <- p - lr * b_t
        otherwise:     p <- p - lr * g_t / d_t

    Unlike Adam there is no bias correction, and eps is added outside the square root.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False, *,
                 maximize: bool = False) -> None:
        check_non_negative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = self._zeros_like(param)
            if momentum > 0:
                state["momentum_buffer"] = self._zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = self._zeros_like(param)
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        v = state["square_avg"].data
        v *= alpha
        v += (1 - alpha) * grad * grad
        if group["centered"]:
            a = state["grad_avg"].data
            a += (1 - alpha) * (grad - a)  # torch's lerp
            denom = np.sqrt(v - a * a) + group["eps"]
        else:
            denom = np.sqrt(v) + group["eps"]
        if momentum > 0:
            buf = state["momentum_buffer"].data
            buf *= momentum
            buf += grad / denom
            param -= group["lr"] * buf
        else:
            param -= group["lr"] * (grad / denom)
