"""Dropout: the mask statistics and the 1 / (1 - p) scaling (parity with torch on p=0, p=1 and
eval mode is in comparisons/cases/layers.py; random masks cannot match across engines)."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch
import minitorch.nn as nn
import minitorch.nn.functional as F


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_kept_fraction_and_scaling(p):
    n = 200_000
    x = minitorch.tensor(np.random.default_rng(1).uniform(1, 2, n).astype(np.float32), requires_grad=True)
    y = F.dropout(x, p)
    kept = y.data != 0
    sigma = np.sqrt(p * (1 - p) / n)
    assert abs(kept.mean() - (1 - p)) < 5 * sigma  # the kept fraction is 1 - p
    np.testing.assert_allclose(y.data[kept], x.data[kept] / np.float32(1 - p), rtol=1e-6)  # exact scaling
    assert y.data.mean() == pytest.approx(x.data.mean(), rel=0.02)  # E[y] = x
    upstream = np.random.default_rng(2).standard_normal(n).astype(np.float32)
    y.backward(upstream)
    np.testing.assert_allclose(x.grad.data, upstream * kept / np.float32(1 - p), rtol=1e-6)  # same mask
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_masks_differ_between_calls_and_follow_the_seed():
    x = minitorch.ones(1000)
    minitorch.manual_seed(5)
    a, b = F.dropout(x, 0.5).data, F.dropout(x, 0.5).data
    assert not np.array_equal(a, b)
    minitorch.manual_seed(5)
    assert np.array_equal(a, F.dropout(x, 0.5).data)


def test_module_train_and_eval():
    layer = nn.Dropout(0.5)
    x = minitorch.randn(4, 50)
    assert (layer(x).data == 0).any()
    layer.eval()
    assert np.array_equal(layer(x).data, x.data)
    assert np.all(nn.Dropout(1.0)(x).data == 0)
    assert np.array_equal(F.dropout(x, 0.7, training=False).data, x.data)


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_probability_out_of_range(p):
    with pytest.raises(ValueError, match=f"between 0 and 1, but got {p}"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match=f"between 0 and 1, but got {p}"):
        F.dropout(minitorch.ones(3), p)
