"""Adam (with the AMSGrad variant and L2 weight decay); AdamW reuses it with decoupled decay.

PyTorch equivalent: `torch.optim.Adam`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from minitorch.optim.optimizer import Optimizer, check_non_negative


class Adam(Optimizer):
    r"""Adam, exactly torch's algorithm. With g_t the gradient (negated if `maximize`), t >= 1:

        p <- p * (1 - lr * weight_decay)       (AdamW: decoupled_weight_decay=True)
        g_t <- g_t + weight_decay * p          (Adam: L2 penalty folded into the gradient)
        m_t = beta1 * m_{t-1} + (1 - beta1) * g_t
        v_t = beta2 * v_{t-1} + (1 - beta2) * g_t^2
        v_max = max(v_max, v_t)                (amsgrad; then v_max replaces v_t below)
        p <- p - lr / (1 - beta1^t) * m_t / (sqrt(v_t) / sqrt(1 - beta2^t) + eps)

    Note where eps sits: added after the bias correction of sqrt(v_t), as torch does.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False, *,
                 maximize: bool = False, decoupled_weight_decay: bool = False) -> None:
        check_non_negative(lr=lr, eps=eps, weight_decay=weight_decay)
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps, decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = self._zeros_like(param)
            state["exp_avg_sq"] = self._zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = self._zeros_like(param)
        state["step"] += 1
        t = state["step"]
        if decay != 0:
            if group["decoupled_weight_decay"]:
                param *= 1 - lr * decay
            else:
                grad = grad + decay * param
        m, v = state["exp_avg"].data, state["exp_avg_sq"].data
        m += (1 - beta1) * (grad - m)  # torch's lerp: m + w (g - m)
        v *= beta2
        v += (1 - beta2) * grad * grad
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"].data, v, out=state["max_exp_avg_sq"].data)
        step_size = lr / (1 - beta1**t)
        denom = np.sqrt(v) / (1 - beta2**t) ** 0.5 + eps
        param -= step_size * (m / denom)
