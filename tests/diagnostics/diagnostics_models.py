"""Small models shared by the diagnostics tests: one built twice, in torch and in minitorch."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

import minitorch
import minitorch.nn as mnn


class TorchGrid(nn.Module):
    """(N, C*h*w) -> (N, C, h, w): gives a fully connected net a spatial layer."""

    def __init__(self, c: int, h: int, w: int) -> None:
        super().__init__()
        self.shape = (c, h, w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)


class MiniGrid(mnn.Module):
    def __init__(self, c: int, h: int, w: int) -> None:
        super().__init__()
        self.shape = (c, h, w)

    def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
        return x.reshape(x.shape[0], *self.shape)


def torch_grid_net(seed: int = 0) -> nn.Sequential:
    """input (N, 1, 4, 4) -> Linear -> (N, 4, 3, 3) map ('2') -> ReLU ('3') -> Linear -> 5 classes."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Flatten(), nn.Linear(16, 36), TorchGrid(4, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(36, 5)
    ).double()


def mini_grid_net(weights_from: nn.Module) -> mnn.Sequential:
    """The minitorch twin of :func:`torch_grid_net`, with the torch model's weights copied in."""
    net = mnn.Sequential(
        mnn.Flatten(), mnn.Linear(16, 36), MiniGrid(4, 3, 3), mnn.ReLU(), mnn.Flatten(), mnn.Linear(36, 5)
    ).double()
    net.load_state_dict({k: v.detach().numpy() for k, v in weights_from.state_dict().items()})
    return net


def images(n: int = 6, shape: tuple[int, ...] = (1, 4, 4), seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, *shape))


def lenet_pair(seed: int = 0) -> tuple[object, nn.Module]:
    """minitorch's LeNet-5 (float64) with the weights of its torch twin (comparisons/twins.py)."""
    from comparisons.twins import LeNet5 as TorchLeNet5
    from minitorch.nn.models import LeNet5

    torch.manual_seed(seed)
    torch_model = TorchLeNet5().double()
    mini_model = LeNet5().double()
    mini_model.load_state_dict({k: v.detach().numpy() for k, v in torch_model.state_dict().items()})
    return mini_model, torch_model
