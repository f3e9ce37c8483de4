"""Detectors: the NaN watch names the layer that overflowed; gradient and plateau alarms fire when
they should and only then; the training callback reports through the projects' loop."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import minitorch
import minitorch.nn as mnn
from projects.diagnostics.detectors import ExplosionWatch, GradientWatch, NonFiniteWatch, PlateauWatch
from projects.diagnostics.training import TrainingDiagnostics


class Exp(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.exp(x)


class MiniExp(mnn.Module):
    def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
        return x.exp()


def overflowing(big: float = 100.0) -> nn.Sequential:
    """Linear with huge weights (finite output, |values| in the hundreds) -> exp (inf) -> Linear."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), Exp(), nn.Linear(8, 3))
    with torch.no_grad():
        model[0].weight.fill_(big)
    return model


def test_names_the_layer_that_overflowed() -> None:
    model = overflowing()
    x = torch.ones(5, 4)
    with NonFiniteWatch(model) as watch:
        loss = nn.functional.cross_entropy(model(x), torch.zeros(5, dtype=torch.long))
        alarm = watch.check_loss(loss.item(), step=17)
    assert not math.isfinite(loss.item()) and torch.isfinite(model[0](x)).all()
    assert alarm.layer == "1" and alarm.kind == "non-finite loss"
    assert "step 17" in alarm.message and "layer '1' (Exp, output shape (5, 8))" in alarm.message
    assert "its inputs were finite, so this layer produced it" in alarm.message
    assert all(not m._forward_hooks for m in model.modules())


def test_finite_loss_gives_no_alarm_and_reset_forgets() -> None:
    model = overflowing(big=0.01)
    with NonFiniteWatch(model) as watch:
        model(torch.ones(2, 4))
        assert watch.first is None and watch.check_loss(1.5, 0) is None
        overflowing()(torch.ones(2, 4))  # another model: not watched
        assert watch.first is None


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(4, 4), nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.exp(1000 * self.fc1(x)))  # the overflow happens between two layers


def test_overflow_between_layers_is_reported_as_such() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Identity(), Block())
    with torch.no_grad():
        model[1].fc1.weight.fill_(1.0)
    with NonFiniteWatch(model) as watch:
        out = model(torch.ones(3, 4))
        alarm = watch.check_loss(out.sum().item(), step=2)
    assert alarm.layer == "1.fc2" and "inputs were already non-finite" in alarm.message


def test_loss_function_made_the_nan() -> None:
    model = overflowing(big=0.01)
    with NonFiniteWatch(model) as watch:
        loss = torch.log(torch.zeros(())) * model(torch.ones(2, 4)).sum()
        alarm = watch.check_loss(loss.item(), step=5)
    assert alarm.layer is None and "loss function made it" in alarm.message


def test_minitorch_model_overflow() -> None:
    model = mnn.Sequential(mnn.Linear(4, 8), MiniExp(), mnn.Linear(8, 3))
    model[0].weight.data[...] = 100.0
    with NonFiniteWatch(model) as watch, np.errstate(over="ignore", invalid="ignore"):
        out = model(minitorch.Tensor(np.ones((5, 4), dtype=np.float32)))
        alarm = watch.check_loss(float(out.data.sum()), step=1)
    assert alarm.layer == "1" and "(MiniExp, output shape (5, 8))" in alarm.message
    assert all(not m._forward_hooks for m in model.modules())


def test_gradient_watch() -> None:
    watch = GradientWatch(explode=100.0, vanish=1e-6, factor=10.0, window=20)
    healthy = {"a.weight": (1.0, 2), "b.weight": (2.0, 2), "b.bias": (1e-9, 1)}  # biases may be tiny
    for step in range(12):
        assert watch.check(healthy, step) == []
    (alarm,) = watch.check({"a.weight": (30.0, 2), "b.weight": (2.0, 2)}, 12)  # 30 > 10 x median 2.24
    assert alarm.kind == "exploding gradient" and alarm.layer == "a.weight" and "13x" in alarm.message
    (alarm,) = GradientWatch(explode=100.0).check({"a.weight": (200.0, 2)}, 0)  # absolute limit
    assert alarm.kind == "exploding gradient"
    (alarm,) = watch.check({"a.weight": (1.0, 2), "b.weight": (1e-9, 2)}, 13)
    assert alarm.kind == "vanishing gradient" and alarm.layer == "b.weight"
    (alarm,) = watch.check({"a.weight": (math.nan, 2)}, 14)
    assert alarm.kind == "non-finite gradient"


def test_gradient_watch_reads_a_model() -> None:
    model = overflowing(big=0.01)
    model(torch.ones(2, 4)).sum().backward()
    norms = {n: p.grad.norm().item() for n, p in model.named_parameters()}
    watch = GradientWatch(explode=0.5 * math.sqrt(sum(v * v for v in norms.values())))
    (alarm,) = watch.check_model(model, 0)
    assert alarm.layer == max(norms, key=norms.get)


def test_plateau_watch() -> None:
    watch = PlateauWatch(patience=3, min_delta=0.01)
    values = [1.0, 0.9, 0.895, 0.9, 0.899, 0.8, 0.8, 0.8, 0.8]
    fired = [i for i, v in enumerate(values) if watch.update(v, i)]
    assert fired == [4, 8]  # 0.895 is not 1% better than 0.9; 0.8 resets the count


def test_explosion_watch() -> None:
    watch = ExplosionWatch(factor=3.0)
    values = [0.7, 0.5, 0.45, 1.2, 1.3, 793.0, math.nan]
    fired = [i for i, v in enumerate(values) if watch.update(v, i)]
    assert fired == [5, 6]  # 1.3 < 3 x 0.45 is noise; 793 and NaN are divergence
    with pytest.raises(ValueError, match="factor must be > 1"):
        ExplosionWatch(factor=1.0)


def test_diagnostics_in_a_training_loop(tmp_path) -> None:
    """The calls a project's loop makes: the first NaN loss is reported at its step with the
    layer that made it; an exploding validation loss raises an alarm; the hooks come off."""
    torch.manual_seed(0)
    model = overflowing(big=1.0)  # finite at first
    data = TensorDataset(torch.randn(64, 4) + 30.0, torch.randint(0, 3, (64,)))  # |x| ~ 30: exp ~ 1e52
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    diagnostics = TrainingDiagnostics(model, None, tmp_path, detect=True)
    step = 0
    for val_loss in (0.4, 9.0):  # two epochs
        for x, y in DataLoader(data, batch_size=16):
            diagnostics.before_forward(step)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            diagnostics.after_backward(loss, step)
            optimizer.step()
            step += 1
            diagnostics.after_step()
        diagnostics.after_epoch(val_loss, step)
    diagnostics.finish(None, ["a", "b", "c"], torch.device("cpu"))
    alarms = json.loads((tmp_path / "diagnostics" / "alarms.json").read_text())
    first = alarms[0]
    assert first["kind"] == "non-finite loss" and first["layer"] == "1" and first["step"] == 0
    assert [a["step"] for a in alarms if a["kind"] == "exploding loss"] == [8]
    assert all(not m._forward_hooks for m in model.modules())


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_every_non_finite_loss_value_is_caught(bad: float) -> None:
    with NonFiniteWatch(overflowing(big=0.01)) as watch:
        assert watch.check_loss(bad, 0).kind == "non-finite loss"
