"""autocast dtypes (float16 compute, float32 master weights and gradients) and GradScaler's rules
and errors (the numbers themselves are compared with torch in comparisons/cases/amp.py)."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch
import minitorch.optim
from minitorch.amp import GradScaler, autocast, is_autocast_enabled
from minitorch.nn import Conv2d, Linear
from minitorch.nn import functional as F


def _x(*shape):
    return minitorch.Tensor(np.random.default_rng(0).standard_normal(shape).astype(np.float32))


def test_matmul_linear_conv_run_in_float16_inside_autocast_only():
    a, b = _x(3, 4), _x(4, 2)
    linear, conv = Linear(4, 2), Conv2d(1, 2, 3)
    with autocast():
        assert is_autocast_enabled()
        assert (a @ b).dtype == np.float16
        assert linear(a).dtype == np.float16
        assert F.linear(a, linear.weight).dtype == np.float16
        assert conv(_x(1, 1, 5, 5)).dtype == np.float16
        assert (a + b.sum()).dtype == np.float32  # other ops keep their dtype
    assert not is_autocast_enabled()
    assert (a @ b).dtype == np.float32 and linear(a).dtype == np.float32
    assert linear.weight.dtype == np.float32  # the master weights are never converted


def test_gradients_come_back_float32_to_float32_weights():
    model = minitorch.nn.Sequential(Conv2d(1, 2, 3), minitorch.nn.Flatten(), Linear(18, 3))
    with autocast():
        out = model(_x(2, 1, 5, 5))
        loss = out.float().sum()
    assert out.dtype == np.float16
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.dtype == np.float32, name
        assert np.all(np.isfinite(p.grad.data)) and np.any(p.grad.data != 0), name


def test_autocast_nests_restores_on_error_and_works_as_a_decorator():
    a, b = _x(2, 2), _x(2, 2)
    with autocast():
        with autocast(enabled=False):
            assert (a @ b).dtype == np.float32
        assert (a @ b).dtype == np.float16
    with pytest.raises(ZeroDivisionError), autocast():
        1 / 0  # noqa: B018
    assert not is_autocast_enabled()
    assert autocast()(lambda: a @ b)().dtype == np.float16
    assert autocast(dtype=np.float64)(lambda: a @ b)().dtype == np.float64
    ints = minitorch.Tensor(np.ones((2, 2), dtype=np.int64))
    with autocast():
        assert (ints @ ints).dtype == np.int64  # only floating inputs are cast
    with pytest.raises(ValueError, match="autocast: dtype must be a floating dtype"):
        autocast(dtype=np.int32)


def _setup(grad):
    p = minitorch.nn.Parameter(np.zeros(3, dtype=np.float32))
    p.grad = minitorch.Tensor(np.asarray(grad, dtype=np.float32))
    return p, minitorch.optim.SGD([p], lr=1.0)


def test_scaler_scales_unscales_skips_and_adapts():
    scaler = GradScaler(init_scale=8.0, growth_interval=2)
    assert scaler.get_scale() == 8.0
    assert scaler.scale(minitorch.tensor(2.0)).item() == 16.0
    p, opt = _setup([8.0, 16.0, -8.0])
    scaler.step(opt)  # unscales by 1/8, then steps
    scaler.update()
    np.testing.assert_array_equal(p.data, [-1.0, -2.0, 1.0])
    p.grad = minitorch.Tensor(np.array([np.inf, 0, 0], dtype=np.float32))
    scaler.step(opt)
    scaler.update()
    np.testing.assert_array_equal(p.data, [-1.0, -2.0, 1.0])  # skipped
    assert scaler.get_scale() == 4.0 and scaler.state_dict()["_growth_tracker"] == 0
    for _ in range(2):
        p.grad = minitorch.Tensor(np.zeros(3, dtype=np.float32))
        scaler.step(opt)
        scaler.update()
    assert scaler.get_scale() == 8.0  # grew after growth_interval good steps


def test_scaler_call_order_errors():
    scaler = GradScaler()
    p, opt = _setup([1.0, 1.0, 1.0])
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called on this optimizer"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called since the last update"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) is being called after step"):
        scaler.unscale_(opt)
    scaler.update()
    with pytest.raises(RuntimeError, match="no inf checks were recorded"):
        scaler.update()
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: 0.0)
    half = minitorch.nn.Parameter(np.zeros(2, dtype=np.float16))
    half.grad = minitorch.Tensor(np.ones(2, dtype=np.float16))
    with pytest.raises(ValueError, match="unscale FP16 gradients"):
        scaler.unscale_(minitorch.optim.SGD([half], lr=0.1))
    with pytest.raises(ValueError, match="growth_factor should be > 1"):
        GradScaler(growth_factor=1.0)


def test_disabled_scaler_is_a_pass_through_and_state_dict_round_trips():
    off = GradScaler(enabled=False)
    loss = minitorch.tensor(3.0)
    assert off.scale(loss) is loss and off.get_scale() == 1.0 and off.state_dict() == {}
    p, opt = _setup([1.0, 2.0, 3.0])
    off.step(opt)
    np.testing.assert_array_equal(p.data, [-1.0, -2.0, -3.0])
    on = GradScaler(init_scale=2.0**10, growth_factor=3.0, growth_interval=7)
    other = GradScaler()
    other.load_state_dict(on.state_dict())
    assert other.state_dict() == on.state_dict() == {
        "scale": 1024.0, "growth_factor": 3.0, "backoff_factor": 0.5, "growth_interval": 7, "_growth_tracker": 0}
