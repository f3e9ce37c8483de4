"""Adagrad: per-coordinate learning rates from the sum of all past squared gradients.

PyTorch equivalent: `torch.optim.Adagrad`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from minitorch.optim.optimizer import Optimizer, check_non_negative


class Adagrad(Optimizer):
    r"""Adagrad, exactly torch's algorithm. With g_t the gradient (negated if `maximize`), t >= 1:

        g_t <- g_t + weight_decay * p                  (if weight_decay != 0)
        lr_t = lr / (1 + (t - 1) * lr_decay)
        s_t = s_{t-1} + g_t^2                          (s_0 = initial_accumulator_value)
        p <- p - lr_t * g_t / (sqrt(s_t) + eps)

    The state is created for every parameter at construction, as torch does, filled with the
    constructor's `initial_accumulator_value` even where a parameter group sets its own.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0, eps: float = 1e-10,
                 *, maximize: bool = False) -> None:
        check_non_negative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:  # torch fills with the constructor's value, not the group's
                self.state[p] = {"step": 0, "sum": self._zeros_like(p.data, initial_accumulator_value)}

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        if not state:  # a parameter added later with add_param_group (torch would fail here)
            state.update(step=0, sum=self._zeros_like(param, group["initial_accumulator_value"]))
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        total = state["sum"].data
        total += grad * grad
        param -= lr * (grad / (np.sqrt(total) + group["eps"]))
