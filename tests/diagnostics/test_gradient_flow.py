"""Health metrics checked against direct computations, on torch and minitorch models."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from diagnostics_models import images, mini_grid_net, torch_grid_net
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.utils.tensorboard import SummaryWriter

import minitorch
from projects.diagnostics.gradient_flow import (
    HealthTracker,
    activation_stat,
    dead_fraction,
    gradient_stats,
    log_health,
    update_ratios,
)


def test_dead_fraction_counts_units_dead_on_every_example() -> None:
    a = np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, -1.0]])
    assert dead_fraction(a) == 0.5  # units 0 and 3 never fire; 1 and 2 fire once
    stat = activation_stat(a, "ReLU")
    assert stat.mean == pytest.approx(a.mean()) and stat.std == pytest.approx(a.std()) and stat.dead == 0.5
    assert activation_stat(a, "Linear").dead is None


def one_tracked_sgd_step(model: torch.nn.Module, lr: float) -> tuple[object, dict[str, np.ndarray]]:
    """A plain SGD step (w <- w - lr g) measured by the tracker; returns the record and the
    gradients the step used."""
    tracker = HealthTracker(model)
    x, y = torch.from_numpy(images(8)), torch.arange(8) % 5
    tracker.begin_step(3)
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    tracker.after_backward()
    grads = {n: p.grad.numpy().copy() for n, p in model.named_parameters()}
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    return tracker.end_step(), grads


def test_torch_record_equals_direct_computation() -> None:
    model = torch_grid_net()
    weights = {n: p.detach().numpy().copy() for n, p in model.named_parameters()}
    record, grads = one_tracked_sgd_step(model, lr=0.1)
    assert record.step == 3
    assert set(record.activations) == {"1", "2", "3", "5"}  # Flatten (pass-through) layers skipped
    for name, g in grads.items():
        stat = record.grads[name]
        assert stat.mean_abs == pytest.approx(np.abs(g).mean(), rel=1e-12)
        assert stat.max_abs == pytest.approx(np.abs(g).max(), rel=1e-12)
        assert stat.norm == pytest.approx(np.linalg.norm(g), rel=1e-12)
        expected = 0.1 * np.linalg.norm(g) / np.linalg.norm(weights[name])  # ||lr g|| / ||w||
        assert record.updates[name] == pytest.approx(expected, rel=1e-9)
    # activations were measured on the forward before the step, from the old weights
    pre = images(8).reshape(8, 16) @ weights["1.weight"].T + weights["1.bias"]
    relu = np.maximum(pre, 0)
    assert record.activations["1"].mean == pytest.approx(pre.mean(), rel=1e-12)
    assert record.activations["3"].std == pytest.approx(relu.std(), rel=1e-12)
    assert record.activations["3"].dead == pytest.approx(np.all(relu <= 0, axis=0).mean())
    assert all(not m._forward_hooks for m in model.modules())


def test_minitorch_record_equals_torch_record() -> None:
    torch_model = torch_grid_net()
    mini_model = mini_grid_net(torch_model)
    theirs, _ = one_tracked_sgd_step(torch_model, lr=0.1)
    tracker = HealthTracker(mini_model)
    tracker.begin_step(3)
    logits = mini_model(minitorch.Tensor(images(8)))
    minitorch.nn.functional.cross_entropy(logits, minitorch.Tensor(np.arange(8) % 5)).backward()
    tracker.after_backward()
    with minitorch.no_grad():
        for p in mini_model.parameters():
            p.data -= 0.1 * p.grad.data
    ours = tracker.end_step()
    for name, g in theirs.grads.items():
        assert ours.grads[name].norm == pytest.approx(g.norm, rel=1e-10)
        assert ours.updates[name] == pytest.approx(theirs.updates[name], rel=1e-10)
    for name, a in theirs.activations.items():
        assert (ours.activations[name].mean, ours.activations[name].std) == pytest.approx(
            (a.mean, a.std), rel=1e-10
        )
    assert all(not m._forward_hooks for m in mini_model.modules())


def test_gradient_stats_skip_parameters_without_gradient() -> None:
    model = torch_grid_net()
    assert gradient_stats(model) == {}
    model[5].weight.grad = torch.ones_like(model[5].weight)
    assert list(gradient_stats(model)) == ["5.weight"] and gradient_stats(model)["5.weight"].ndim == 2
    before = {n: p.detach().numpy().copy() for n, p in model.named_parameters()}
    assert update_ratios(before, model) == {n: 0.0 for n in before}


def test_tensorboard_scalars_and_histograms(tmp_path) -> None:
    record, _ = one_tracked_sgd_step(torch_grid_net(), lr=0.1)
    writer = SummaryWriter(str(tmp_path))
    log_health(writer, record)
    writer.close()
    events = EventAccumulator(str(tmp_path), size_guidance={"scalars": 0, "histograms": 0}).Reload()
    tags = events.Tags()
    assert events.Scalars("grad_norm/5.weight")[0].value == pytest.approx(
        record.grads["5.weight"].norm, rel=1e-6
    )
    assert events.Scalars("dead_relu_fraction/3")[0].value == pytest.approx(record.activations["3"].dead)
    assert events.Scalars("update_ratio/1.weight")[0].step == 3
    assert "activations/2" in tags["histograms"]
