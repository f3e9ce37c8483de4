"""A multilayer perceptron: Flatten -> (Linear -> ReLU) per hidden layer -> Linear."""

from __future__ import annotations

from collections.abc import Sequence

from minitorch.nn.activation import ReLU
from minitorch.nn.containers import Sequential
from minitorch.nn.dropout import Dropout
from minitorch.nn.flatten import Flatten
from minitorch.nn.linear import Linear
from minitorch.nn.module import Module


class MLP(Sequential):
    """Flatten, then a Linear + ReLU (+ Dropout when dropout > 0) per hidden width, then a
    Linear to `num_classes` logits.

    It is a `Sequential`, so its parameters are named by position ("1.weight", "3.weight",
    ...), exactly like the torch `nn.Sequential` of the MNIST project
    (`projects/mnist/models.py: mlp`): MLP(784, (512, 256)) loads that model's state dict.
    """

    def __init__(self, in_features: int = 784, hidden: Sequence[int] = (512, 256), num_classes: int = 10,
                 dropout: float = 0.0) -> None:
        layers: list[Module] = [Flatten()]
        width = in_features
        for h in hidden:
            layers += [Linear(width, h), ReLU()] + ([Dropout(dropout)] if dropout else [])
            width = h
        layers.append(Linear(width, num_classes))
        super().__init__(*layers)
