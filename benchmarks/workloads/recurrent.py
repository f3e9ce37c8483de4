"""Recurrent workloads (minitorch.nn issue): one LSTM layer over a sequence, forward+backward,
float32. The loss sums the whole output sequence and the final states, so every step's
gradient flows back through time."""

from __future__ import annotations

import numpy as np
import torch

import minitorch as mt
from benchmarks.registry import workload
from minitorch.nn.rnn import LSTM


@workload("LSTM batch 32, 35 steps, input 100, hidden 128, forward+backward", target=2.0)
def lstm():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((35, 32, 100)).astype(np.float32)
    torch_lstm = torch.nn.LSTM(100, 128)
    mt_lstm = LSTM(100, 128)
    mt_lstm.load_state_dict({k: v.detach().numpy().copy() for k, v in torch_lstm.state_dict().items()})
    mx, tx = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)

    def run_mt():
        out, (h, c) = mt_lstm(mx)
        (out.sum() + h.sum() + c.sum()).backward()

    def run_torch():
        out, (h, c) = torch_lstm(tx)
        (out.sum() + h.sum() + c.sum()).backward()

    return run_mt, run_torch
