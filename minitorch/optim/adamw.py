"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter).

PyTorch equivalent: `torch.optim.AdamW`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minitorch.optim.adam import Adam


class AdamW(Adam):
    r"""Adam whose weight decay shrinks the parameter directly instead of entering the gradient:

        p <- p * (1 - lr * weight_decay),   then the Adam step on the raw gradient.

    With L2 decay (plain Adam) the penalty gradient is divided by sqrt(v_t) like any other
    gradient, so large-gradient weights are barely decayed; decoupling makes the decay uniform.
    The default weight_decay is 1e-2 (Adam's is 0).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
