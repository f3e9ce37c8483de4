"""The MNIST models: a multilayer perceptron and a small batch-normalized CNN."""

from __future__ import annotations

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
    """3x3 conv (no bias: BatchNorm has one) -> BatchNorm -> ReLU."""
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


def cnn(width: int = 16, classes: int = 10, dropout: float = 0.25) -> nn.Sequential:
    """Two stages of two 3x3 conv blocks, each stage ending in 2x2 max-pooling (28 -> 14 -> 7),
    then dropout and a 2-layer classifier (about 99.4% on MNIST)."""
    return nn.Sequential(
        conv_block(1, width),
        conv_block(width, width),
        nn.MaxPool2d(2),
        conv_block(width, 2 * width),
        conv_block(2 * width, 2 * width),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(dropout),
        nn.Linear(2 * width * 7 * 7, 128),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(128, classes),
    )
