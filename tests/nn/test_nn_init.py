"""minitorch.nn.init against torch's formulas: bounds, mean and standard deviation of large
draws, gains, fans, the default initialization of every part-A layer, and seeding."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import minitorch
import minitorch.nn as nn
from minitorch.nn import init

SHAPE = (256, 64, 3, 3)  # fan_in 576, fan_out 2304: 147k draws, so std is within ~0.5%


def fresh(shape=SHAPE, dtype=np.float32) -> minitorch.Tensor:
    return minitorch.Tensor(np.zeros(shape, dtype=dtype))


@pytest.mark.parametrize("nonlinearity,param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None),
])
def test_calculate_gain_matches_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-12)


def test_calculate_gain_rejects_unknown_nonlinearity():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("shape", [(5, 3), (8, 4, 3, 3), (6, 2, 5), (4, 3, 2, 1)])
def test_fans_match_torch(shape):
    assert init._calculate_fan_in_and_fan_out(fresh(shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def test_fans_need_two_dims():
    with pytest.raises(ValueError, match=r"fewer than 2 dimensions \(got shape \(5,\)\)"):
        init.kaiming_uniform_(fresh((5,)))


def uniform_checks(values: np.ndarray, bound: float) -> None:
    assert values.min() >= -bound and values.max() <= bound
    assert values.max() > 0.99 * bound and values.min() < -0.99 * bound  # the whole range is used
    assert values.mean() == pytest.approx(0, abs=0.01 * bound)
    assert values.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)


FAN_IN, FAN_OUT = 64 * 9, 256 * 9


@pytest.mark.parametrize("kwargs,fan", [
    ({}, FAN_IN), ({"a": math.sqrt(5)}, FAN_IN), ({"mode": "fan_out", "nonlinearity": "relu"}, FAN_OUT),
    ({"a": 0.1, "nonlinearity": "leaky_relu"}, FAN_IN),
])
def test_kaiming_uniform_bound_and_std(kwargs, fan):
    gain = init.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"), kwargs.get("a", 0))
    t = init.kaiming_uniform_(fresh(), **kwargs)
    uniform_checks(t.data, gain * math.sqrt(3 / fan))


@pytest.mark.parametrize("kwargs,fan", [({}, FAN_IN), ({"mode": "fan_out", "nonlinearity": "relu"}, FAN_OUT)])
def test_kaiming_normal_std(kwargs, fan):
    gain = init.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"), 0)
    t = init.kaiming_normal_(fresh(), **kwargs)
    assert t.data.mean() == pytest.approx(0, abs=0.01 * gain / math.sqrt(fan))
    assert t.data.std() == pytest.approx(gain / math.sqrt(fan), rel=0.01)


def test_kaiming_rejects_bad_mode():
    with pytest.raises(ValueError, match="mode 'fan_avg' not supported"):
        init.kaiming_normal_(fresh(), mode="fan_avg")


@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_xavier_uniform_and_normal(gain):
    std = gain * math.sqrt(2 / (FAN_IN + FAN_OUT))
    uniform_checks(init.xavier_uniform_(fresh(), gain=gain).data, math.sqrt(3) * std)
    assert init.xavier_normal_(fresh(), gain=gain).data.std() == pytest.approx(std, rel=0.01)


def test_normal_uniform_constant_zeros_ones():
    t = init.normal_(fresh(), mean=2.0, std=0.5)
    assert t.data.mean() == pytest.approx(2.0, abs=0.005) and t.data.std() == pytest.approx(0.5, rel=0.01)
    u = init.uniform_(fresh(), -3.0, 1.0)
    assert u.data.min() >= -3 and u.data.max() <= 1 and u.data.mean() == pytest.approx(-1, abs=0.01)
    assert np.all(init.constant_(fresh((3, 4)), 0.25).data == 0.25)
    assert np.all(init.zeros_(minitorch.ones(3)).data == 0)
    assert np.all(init.ones_(fresh((2, 2))).data == 1)


@pytest.mark.parametrize("fn", [init.normal_, init.uniform_, init.kaiming_uniform_, init.xavier_normal_])
def test_init_keeps_dtype_identity_and_is_seeded(fn):
    for dtype in (np.float32, np.float64):
        t = fresh((6, 5), dtype)
        assert fn(t) is t and t.dtype == dtype
    minitorch.manual_seed(3)
    a = fn(fresh((6, 5))).data.copy()
    minitorch.manual_seed(3)
    assert np.array_equal(a, fn(fresh((6, 5))).data)


def test_init_on_a_parameter_works_outside_no_grad():
    layer = nn.Linear(4, 3)
    init.zeros_(layer.weight)
    assert layer.weight.requires_grad and np.all(layer.weight.data == 0)


# -- the default initialization of each layer, as torch's -----------------------------------------------
@pytest.mark.parametrize("make,fan_in", [
    (lambda: nn.Linear(300, 200), 300),
    (lambda: nn.Conv2d(32, 64, 3), 32 * 9),
    (lambda: nn.Conv2d(32, 64, (3, 5), groups=4), 8 * 15),
])
def test_linear_and_conv_default_init(make, fan_in):
    layer = make()
    bound = 1 / math.sqrt(fan_in)
    uniform_checks(layer.weight.data, bound)
    assert np.abs(layer.bias.data).max() <= bound
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32


def test_norm_and_embedding_default_init():
    bn, ln = nn.BatchNorm2d(5), nn.LayerNorm((2, 3))
    for layer in (bn, ln):
        assert np.all(layer.weight.data == 1) and np.all(layer.bias.data == 0)
    assert np.all(bn.running_mean.data == 0) and np.all(bn.running_var.data == 1)
    assert bn.num_batches_tracked.dtype == np.int64 and bn.num_batches_tracked.item() == 0
    emb = nn.Embedding(1000, 64, padding_idx=7)
    assert np.all(emb.weight.data[7] == 0)
    others = np.delete(emb.weight.data, 7, axis=0)
    assert others.mean() == pytest.approx(0, abs=0.01) and others.std() == pytest.approx(1, rel=0.01)
