"""Layer workloads (minitorch.nn issue, part A): Conv2d and MaxPool2d forward+backward, float32.

Each runs the functional form on both sides with the same arrays and backpropagates a fixed
upstream gradient. The stem convolution's input is an image batch, which needs no gradient
on either side in a real network's first layer; it is timed that way and also with the input
gradient computed. The middle-layer conv's input always needs its gradient.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as TF

import minitorch as mt
import minitorch.nn.functional as F
from benchmarks.registry import workload


def _arrays(*shapes: tuple[int, ...]) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def _conv(x_shape: tuple[int, ...], w_shape: tuple[int, ...], input_grad: bool):
    x, w, b, g = _arrays(x_shape, w_shape, (w_shape[0],),
                         (x_shape[0], w_shape[0], x_shape[2], x_shape[3]))
    mx, mw, mb = mt.tensor(x, requires_grad=input_grad), mt.tensor(w, requires_grad=True), mt.tensor(
        b, requires_grad=True)
    tx, tw, tb = (torch.tensor(x, requires_grad=input_grad), torch.tensor(w, requires_grad=True),
                  torch.tensor(b, requires_grad=True))
    tg = torch.tensor(g)

    def run_mt():
        F.conv2d(mx, mw, mb, padding=1).backward(g)

    def run_torch():
        TF.conv2d(tx, tw, tb, padding=1).backward(tg)

    return run_mt, run_torch


@workload("Conv2d (64,64,16,16) x (128,64,3,3) padding 1 forward+backward", target=2.0)
def conv_middle():
    return _conv((64, 64, 16, 16), (128, 64, 3, 3), input_grad=True)


@workload("Conv2d (32,3,32,32) x (64,3,3,3) padding 1 forward+backward (stem: no input grad)", target=1.3)
def conv_stem():
    return _conv((32, 3, 32, 32), (64, 3, 3, 3), input_grad=False)


@workload("Conv2d (32,3,32,32) x (64,3,3,3) padding 1 forward+backward (input grad too)", target=1.3)
def conv_stem_input_grad():
    return _conv((32, 3, 32, 32), (64, 3, 3, 3), input_grad=True)


@workload("MaxPool2d 2x2 stride 2 on (32,64,32,32) forward+backward", target=1.5)
def maxpool():
    x, g = _arrays((32, 64, 32, 32), (32, 64, 16, 16))
    mx, tx, tg = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True), torch.tensor(g)

    def run_mt():
        F.max_pool2d(mx, 2, 2).backward(g)

    def run_torch():
        TF.max_pool2d(tx, 2, 2).backward(tg)

    return run_mt, run_torch
