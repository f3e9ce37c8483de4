"""Parity cases for the recurrent cells: RNNCell (tanh, relu), LSTMCell, GRUCell.

Each cell gets torch's weights by name (weight_ih, weight_hh, bias_ih, bias_hh), so the gate
order is checked too. Compared in float64 at 1e-12: the new state(s), and the gradients of the
input, of the given hidden (and cell) state and of every parameter. Variants: a given state,
no state (zeros), no bias, an unbatched (1-D) input, three steps unrolled (the gradient then
flows through the cell's own recurrence), and float32.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

import minitorch.nn as nn
from comparisons.builders import module_case, randn
from comparisons.cases.init import layer_init_case

B, I, H, STEPS = 3, 4, 5, 3  # batch, input size, hidden size, steps of the unrolled variant

KINDS = {
    "RNNCell_tanh": (torch.nn.RNNCell, nn.RNNCell, {"nonlinearity": "tanh"}),
    "RNNCell_relu": (torch.nn.RNNCell, nn.RNNCell, {"nonlinearity": "relu"}),
    "LSTMCell": (torch.nn.LSTMCell, nn.LSTMCell, {}),
    "GRUCell": (torch.nn.GRUCell, nn.GRUCell, {}),
}


def step_with_state(kind: str) -> Callable[[Any, list[Any]], Any]:
    """forward(cell, [x, h(, c)]): one step from the given state(s), as each cell takes them."""
    if kind == "LSTMCell":
        return lambda cell, args: cell(args[0], (args[1], args[2]))
    return lambda cell, args: cell(args[0], args[1])


def unrolled(kind: str) -> Callable[[Any, list[Any]], Any]:
    """forward(cell, [xs (STEPS, B, I), h(, c)]): the cell applied STEPS times; every state."""
    def run(cell: Any, args: list[Any]) -> list[Any]:
        xs, state = args[0], (args[1], args[2]) if kind == "LSTMCell" else args[1]
        states = []
        for t in range(STEPS):
            state = cell(xs[t], state)
            states.append(state)
        return states

    return run


for kind, (torch_cls, mt_cls, options) in KINDS.items():
    n_states = 2 if kind == "LSTMCell" else 1

    def factories(extra: dict[str, Any] | None = None, c=(torch_cls, mt_cls), o=options):
        kwargs = o | (extra or {})
        return (lambda: c[0](I, H, **kwargs)), (lambda: c[1](I, H, **kwargs))

    module_case(f"{kind}", *factories(), [randn(B, I), *[randn(B, H)] * n_states],
                forward=step_with_state(kind), group="cells")
    module_case(f"{kind}_zero_state", *factories(), [randn(B, I)], group="cells")
    module_case(f"{kind}_no_bias", *factories({"bias": False}), [randn(B, I), *[randn(B, H)] * n_states],
                forward=step_with_state(kind), group="cells")
    module_case(f"{kind}_unbatched", *factories(), [randn(I), *[randn(H)] * n_states],
                forward=step_with_state(kind), group="cells")
    module_case(f"{kind}_unrolled_{STEPS}_steps", *factories(),
                [randn(STEPS, B, I), *[randn(B, H)] * n_states], forward=unrolled(kind), group="cells")
    module_case(f"{kind}_float32", *factories(), [randn(B, I, dtype="float32")], group="cells",
                dtype=torch.float32, atol=1e-6, rtol=1e-5)

# torch's default initialization (every parameter uniform(-1/sqrt(H), 1/sqrt(H))), by statistics.
for kind in ("RNNCell", "LSTMCell", "GRUCell"):
    layer_init_case(f"{kind}_default_init", lambda k=kind: getattr(nn, k)(300, 200),
                    lambda k=kind: getattr(torch.nn, k)(300, 200), True)
