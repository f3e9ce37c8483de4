"""The MNIST models: a multilayer perceptron and a small batch-normalized CNN.

The CNN's layers have names (``block1.conv``, ``pool1``, ``fc1``), so its parameters read
``block1.conv.weight`` in TensorBoard, in a checkpoint and in the diagnostics. The MLP keeps
positional names (``1.weight``): minitorch's ``MLP`` loads its state dict by position.
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn


def mlp(hidden: int = 512, classes: int = 10) -> nn.Sequential:
    """784 -> hidden -> hidden/2 -> classes with ReLU (about 98% on MNIST)."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(28 * 28, hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden // 2),
        nn.ReLU(),
        nn.Linear(hidden // 2, classes),
    )


def conv_block(cin: int, cout: int) -> nn.Sequential:
    """3x3 ``conv`` (no bias: BatchNorm has one) -> ``bn`` -> ``relu``."""
    return nn.Sequential(
        OrderedDict(
            conv=nn.Conv2d(cin, cout, 3, padding=1, bias=False), bn=nn.BatchNorm2d(cout), relu=nn.ReLU()
        )
    )


def cnn(width: int = 16, classes: int = 10, dropout: float = 0.25) -> nn.Sequential:
    """Two stages of two 3x3 conv blocks, each stage ending in 2x2 max-pooling (28 -> 14 -> 7),
    then dropout and a 2-layer classifier (about 99.4% on MNIST)."""
    return nn.Sequential(
        OrderedDict(
            block1=conv_block(1, width),
            block2=conv_block(width, width),
            pool1=nn.MaxPool2d(2),
            block3=conv_block(width, 2 * width),
            block4=conv_block(2 * width, 2 * width),
            pool2=nn.MaxPool2d(2),
            flatten=nn.Flatten(),
            dropout1=nn.Dropout(dropout),
            fc1=nn.Linear(2 * width * 7 * 7, 128),
            relu=nn.ReLU(),
            dropout2=nn.Dropout(dropout),
            fc2=nn.Linear(128, classes),
        )
    )
