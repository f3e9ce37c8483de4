"""The LR range test on a small real problem: a tiny MLP on a slice of MNIST (synthetic
Gaussian blobs when the data folder is absent)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from projects.common.data_root import DataMissingError
from projects.common.mnist_data import load_mnist
from projects.diagnostics.lr_finder import lr_range_test, smooth_losses, steepest_descent


def small_problem() -> TensorDataset:
    try:
        x, y = load_mnist(download=False)["train"]
        x, y = x[:2048].float().div(255).sub(0.1307).div(0.3081).flatten(1), y[:2048]
    except DataMissingError:
        g = torch.Generator().manual_seed(0)
        centers = torch.randn(10, 784, generator=g)
        y = torch.randint(0, 10, (2048,), generator=g)
        x = centers[y] + 3.0 * torch.randn(2048, 784, generator=g)
    return TensorDataset(x, y)


def tiny_mlp() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))


def mean_loss(model: nn.Module, data: TensorDataset) -> float:
    with torch.no_grad():
        return nn.functional.cross_entropy(model(data.tensors[0]), data.tensors[1]).item()


def test_suggestion_is_on_the_falling_part_and_trains_well() -> None:
    torch.set_num_threads(1)
    data = small_problem()
    loader = DataLoader(data, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0))
    model = tiny_mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    result = lr_range_test(model, nn.functional.cross_entropy, loader, optimizer, 1e-5, 10.0, steps=80)
    # the model and the optimizer are as they were
    assert all(torch.equal(v, initial[k]) for k, v in model.state_dict().items())
    assert optimizer.param_groups[0]["lr"] == 0.01 and not optimizer.state
    # the curve fell, then blew up, and the suggestion sits where it falls
    i, lowest = result.suggestion_index, int(np.argmin(result.smoothed))
    assert result.diverged and result.losses[-1] > 2 * result.smoothed.min()
    assert 5 <= i < lowest
    assert result.smoothed[i] < result.smoothed[5] and result.smoothed[lowest] < result.smoothed[i]
    window = slice(max(i - 5, 0), i + 6)
    slope = np.polyfit(np.log(result.lrs[window]), result.losses[window], 1)[0]
    assert slope < 0  # the raw loss itself is falling around the suggestion
    assert 1e-3 < result.suggestion < 3.0
    # and the rate works: 2 epochs at the suggestion beat 2 epochs at a rate 100x smaller
    finals = {}
    for lr in (result.suggestion, result.suggestion / 100):
        model.load_state_dict(initial)
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        for _ in range(2):
            for x, y in loader:
                opt.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                opt.step()
        finals[lr] = mean_loss(model, data)
    assert finals[result.suggestion] < 0.5 * finals[result.suggestion / 100]


def test_smoothing_and_steepest_descent_on_a_known_curve() -> None:
    lrs = np.logspace(-5, 1, 61)
    t = np.log10(lrs)
    curve = 2.0 - np.tanh(t + 2.0) + np.where(t > 0, 10 * t**2, 0.0)  # steepest fall at lr = 1e-2
    assert lrs[steepest_descent(lrs, curve, skip_start=3)] == pytest.approx(1e-2)
    np.testing.assert_allclose(smooth_losses(np.full(10, 3.0), 0.9), 3.0)  # bias-corrected
    ema = smooth_losses(np.array([1.0, 2.0]), 0.5)
    assert ema[1] == pytest.approx((0.25 * 1 + 0.5 * 2) / 0.75)


def test_bad_arguments() -> None:
    model = tiny_mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="need 0 < start_lr < end_lr"):
        lr_range_test(model, nn.functional.cross_entropy, [], opt, 1.0, 0.1)
