"""Training-step workloads (training issue): one full step, zero_grad -> forward -> cross-entropy
-> backward -> SGD update, for the MLP and LeNet-5, float32, same weights on both sides."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import minitorch
import minitorch.optim
from benchmarks.registry import workload
from comparisons import twins
from comparisons.builders import copy_torch_weights
from minitorch.nn import functional as F
from minitorch.nn import models


def _training_step(torch_model: torch.nn.Module, mt_model: Any, input_shape: tuple[int, ...]):
    """Both engines' training-step closures on the same weights and the same batch."""
    copy_torch_weights(torch_model, mt_model)
    rng = np.random.default_rng(0)
    x = rng.random(input_shape, dtype=np.float32)
    y = rng.integers(0, 10, input_shape[0])
    mt_x, mt_y = minitorch.Tensor(x), minitorch.Tensor(y)
    torch_x, torch_y = torch.from_numpy(x), torch.from_numpy(y)
    mt_opt = minitorch.optim.SGD(mt_model.parameters(), lr=0.01, momentum=0.9)
    torch_opt = torch.optim.SGD(torch_model.parameters(), lr=0.01, momentum=0.9)

    def run_mt() -> None:
        mt_opt.zero_grad()
        F.cross_entropy(mt_model(mt_x), mt_y).backward()
        mt_opt.step()

    def run_torch() -> None:
        torch_opt.zero_grad()
        torch.nn.functional.cross_entropy(torch_model(torch_x), torch_y).backward()
        torch_opt.step()

    return run_mt, run_torch


@workload("MLP 784-1000-1000-10 training step (forward, cross-entropy, backward, SGD), batch 128",
          target=1.2)
def mlp_training_step():
    return _training_step(twins.MLP(784, (1000, 1000)), models.MLP(784, (1000, 1000)), (128, 784))


@workload("LeNet-5 training step, batch 64 of 1x28x28", target=1.7)
def lenet_training_step():
    return _training_step(twins.LeNet5(), models.LeNet5(), (64, 1, 28, 28))
