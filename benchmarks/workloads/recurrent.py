"""Recurrent workloads (minitorch.nn issue): one LSTM or GRU layer over a sequence,
forward+backward, float32. The loss sums the whole output sequence and the final states, so
every step's gradient flows back through time."""

from __future__ import annotations

import numpy as np
import torch

import minitorch as mt
from benchmarks.registry import workload
from minitorch.nn.rnn import GRU, LSTM


def _recurrent(torch_cls: type[torch.nn.Module], mt_cls: type[mt.nn.Module]):
    """Both layers with the same weights, an input of 35 steps x batch 32 x 100 features."""
    x = np.random.default_rng(0).standard_normal((35, 32, 100)).astype(np.float32)
    torch_layer, mt_layer = torch_cls(100, 128), mt_cls(100, 128)
    mt_layer.load_state_dict({k: v.detach().numpy().copy() for k, v in torch_layer.state_dict().items()})
    mx, tx = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)

    def loss(out, state):
        states = state if isinstance(state, tuple) else (state,)
        return out.sum() + sum(s.sum() for s in states)

    return (lambda: loss(*mt_layer(mx)).backward()), (lambda: loss(*torch_layer(tx)).backward())


@workload("LSTM batch 32, 35 steps, input 100, hidden 128, forward+backward", target=2.0)
def lstm():
    return _recurrent(torch.nn.LSTM, LSTM)


@workload("GRU batch 32, 35 steps, input 100, hidden 128, forward+backward")
def gru():
    return _recurrent(torch.nn.GRU, GRU)
