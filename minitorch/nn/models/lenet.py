"""LeNet-5 (LeCun et al. 1998) for 28x28 MNIST digits.

    input (B, 1, 28, 28)
    conv1  6 @ 5x5, padding 2  -> (B, 6, 28, 28)   (padding 2 turns 28x28 into the paper's 32x32)
    pool1  2x2                 -> (B, 6, 14, 14)
    conv2  16 @ 5x5            -> (B, 16, 10, 10)
    pool2  2x2                 -> (B, 16, 5, 5)
    fc1    400 -> 120, fc2 120 -> 84, fc3 84 -> 10 logits

Choice: ReLU and max-pooling, the modern reading of LeNet-5 (it trains faster and reaches
~99% on MNIST); the 1998 network used scaled tanh and trainable average-pooling. Pass
`activation="tanh", pool="avg"` for the classic flavour.
"""

from __future__ import annotations

from minitorch.nn import functional as F
from minitorch.nn.conv import Conv2d
from minitorch.nn.linear import Linear
from minitorch.nn.module import Module
from minitorch.nn.pooling import AvgPool2d, MaxPool2d
from minitorch.tensor import Tensor


class LeNet5(Module):
    """conv1 -> act -> pool -> conv2 -> act -> pool -> flatten -> fc1 -> act -> fc2 -> act -> fc3."""

    def __init__(self, num_classes: int = 10, in_channels: int = 1, activation: str = "relu",
                 pool: str = "max") -> None:
        super().__init__()
        if activation not in ("relu", "tanh") or pool not in ("max", "avg"):
            raise ValueError(f"LeNet5: activation {activation!r} / pool {pool!r} not supported "
                             "(use 'relu' or 'tanh', 'max' or 'avg')")
        self.activation = F.relu if activation == "relu" else F.tanh
        pool_cls = MaxPool2d if pool == "max" else AvgPool2d
        self.conv1 = Conv2d(in_channels, 6, kernel_size=5, padding=2)
        self.pool1 = pool_cls(2)
        self.conv2 = Conv2d(6, 16, kernel_size=5)
        self.pool2 = pool_cls(2)
        self.fc1 = Linear(16 * 5 * 5, 120)
        self.fc2 = Linear(120, 84)
        self.fc3 = Linear(84, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        act = self.activation
        x = self.pool1(act(self.conv1(x)))
        x = self.pool2(act(self.conv2(x)))
        x = x.flatten(1)
        return self.fc3(act(self.fc2(act(self.fc1(x)))))
