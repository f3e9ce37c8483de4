"""The MNIST example end to end on a few batches of the real data (slow: it reads all of MNIST
and evaluates the 10,000 test images), and its float32 discipline."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import minitorch
from minitorch.data import MNIST, DataLoader
from minitorch.examples import mnist
from minitorch.nn import functional as F
from minitorch.nn.models import LeNet5

REAL = os.environ.get("MINITORCH_DATA")
needs_data = pytest.mark.skipif(
    not REAL or not (Path(REAL) / "mnist").is_dir(),
    reason="real data not available: set MINITORCH_DATA to a folder laid out like ../shared/data",
)


@needs_data
def test_one_training_step_stays_float32():
    images, labels = next(iter(DataLoader(MNIST(train=False, transform=mnist.mnist_transform()), batch_size=8)))
    model = LeNet5()
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    assert images.dtype == np.float32 and labels.dtype == np.int64 and loss.dtype == np.float32
    assert all(p.dtype == np.float32 and p.grad.dtype == np.float32 for p in model.parameters())


@pytest.mark.slow
@needs_data
def test_example_trains_saves_and_the_torch_twin_agrees(tmp_path, capsys):
    out = tmp_path / "lenet5.npz"
    assert mnist.main(["--epochs", "1", "--limit", "40", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    accuracy = float(printed.split("test accuracy ")[1].split("%")[0])
    assert accuracy > 50.0  # 40 steps already learn a lot; the full run reaches 99%
    state = minitorch.load(out)
    assert all(v.dtype == np.float32 for v in state.values())
    LeNet5().load_state_dict(state)
    from comparisons import mnist_twin

    assert mnist_twin.main([str(out)]) == 0  # the same accuracy in torch
    assert "predictions that differ" in capsys.readouterr().out
