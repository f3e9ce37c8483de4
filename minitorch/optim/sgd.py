"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay.

PyTorch equivalent: `torch.optim.SGD`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from minitorch.optim.optimizer import Optimizer, check_non_negative
from minitorch.tensor import Tensor


class SGD(Optimizer):
    r"""SGD, exactly torch's algorithm. With g_t the gradient (negated if `maximize`):

        g_t <- g_t + weight_decay * p                        (if weight_decay != 0)
        b_1 = g_1;  b_t = momentum * b_{t-1} + (1 - dampening) * g_t   (if momentum != 0)
        g_t <- g_t + momentum * b_t  (nesterov)   or   g_t <- b_t
        p <- p - lr * g_t

    The momentum buffer starts as a copy of the first gradient (no dampening on step 1).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        check_non_negative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        momentum = group["momentum"]
        if momentum != 0:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = Tensor(np.array(grad, copy=True))
            else:
                buf = state["momentum_buffer"].data
                buf *= momentum
                buf += grad if group["dampening"] == 0 else (1 - group["dampening"]) * grad
            buf = state["momentum_buffer"].data
            grad = grad + momentum * buf if group["nesterov"] else buf
        param -= group["lr"] * grad
