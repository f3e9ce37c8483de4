"""Parity cases for RNN (tanh and relu), LSTM and GRU in every option: stacked, bidirectional,
batch_first, no bias, given initial states, unbatched input, float32, and dropout between
layers (in eval mode: torch's and minitorch's random masks cannot match). The torch layer's
weights are copied in by name (weight_ih_l0, ..., _reverse), so the gate order is checked too."""

from __future__ import annotations

from typing import Any

import torch

import minitorch.nn as nn
from comparisons.builders import module_case, randn

T, B, I, H = 5, 3, 4, 6  # steps, batch, input size, hidden size

KINDS = {
    "RNN_tanh": (torch.nn.RNN, nn.RNN, {"nonlinearity": "tanh"}),
    "RNN_relu": (torch.nn.RNN, nn.RNN, {"nonlinearity": "relu"}),
    "LSTM": (torch.nn.LSTM, nn.LSTM, {}),
    "GRU": (torch.nn.GRU, nn.GRU, {}),
}

# name suffix -> (constructor options, input shape, train mode)
VARIANTS: dict[str, tuple[dict[str, Any], tuple[int, ...], bool]] = {
    "": ({}, (T, B, I), True),
    "_2layers_bidirectional": ({"num_layers": 2, "bidirectional": True}, (T, B, I), True),
    "_batch_first_2layers": ({"num_layers": 2, "batch_first": True}, (B, T, I), True),
    "_batch_first_bidirectional": ({"batch_first": True, "bidirectional": True}, (B, T, I), True),
    "_no_bias": ({"bias": False, "bidirectional": True}, (T, B, I), True),
    "_unbatched": ({"num_layers": 2}, (T, I), True),
    "_dropout_between_layers_eval": ({"num_layers": 3, "dropout": 0.5}, (T, B, I), False),
    "_dropout_p0_train": ({"num_layers": 2, "dropout": 0.0}, (T, B, I), True),
}


def call_with_states(kind: str):
    """forward(module, [x, h0(, c0)]): pass the initial states the way each layer takes them."""
    if kind == "LSTM":
        return lambda module, args: module(args[0], (args[1], args[2]))
    return lambda module, args: module(args[0], args[1])


for kind, (torch_cls, mt_cls, base) in KINDS.items():
    for suffix, (options, shape, train) in VARIANTS.items():
        kwargs = base | options
        module_case(f"{kind}{suffix}", lambda c=torch_cls, k=kwargs: c(I, H, **k),
                    lambda c=mt_cls, k=kwargs: c(I, H, **k), [randn(*shape)], train=train)
    # Given initial states (they receive gradients too), stacked and bidirectional.
    states = [randn(4, B, H)] * (2 if kind == "LSTM" else 1)  # 2 layers x 2 directions
    kwargs = base | {"num_layers": 2, "bidirectional": True}
    module_case(f"{kind}_initial_states", lambda c=torch_cls, k=kwargs: c(I, H, **k),
                lambda c=mt_cls, k=kwargs: c(I, H, **k), [randn(T, B, I), *states],
                forward=call_with_states(kind))
    # batch_first changes the input and output layout, never the states' (layers*dirs, B, H).
    kwargs = base | {"num_layers": 2, "batch_first": True, "bidirectional": True}
    module_case(f"{kind}_batch_first_initial_states", lambda c=torch_cls, k=kwargs: c(I, H, **k),
                lambda c=mt_cls, k=kwargs: c(I, H, **k), [randn(B, T, I), *states],
                forward=call_with_states(kind))
    module_case(f"{kind}_float32", lambda c=torch_cls, k=base: c(I, H, num_layers=2, **k),
                lambda c=mt_cls, k=base: c(I, H, num_layers=2, **k), [randn(T, B, I, dtype="float32")],
                dtype=torch.float32, atol=1e-5, rtol=1e-4)

# A longer sequence: BPTT through 40 steps.
module_case("LSTM_long_sequence", lambda: torch.nn.LSTM(I, H), lambda: nn.LSTM(I, H), [randn(40, 2, I)])
module_case("GRU_long_sequence", lambda: torch.nn.GRU(I, H), lambda: nn.GRU(I, H), [randn(40, 2, I)])
