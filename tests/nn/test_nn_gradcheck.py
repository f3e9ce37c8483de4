"""Finite-difference checks (float64, small shapes) of the part-A ops with hand-written
backwards: conv2d, pooling, batch/layer norm, embedding, activations, and every loss,
including the gradients with respect to targets and weights where they exist. This proves
the backwards independently of torch."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch
import minitorch.nn.functional as F


def t(*shape, grad=True, low=None, high=None, seed=0):
    rng = np.random.default_rng(seed + len(shape) + sum(shape))
    values = rng.standard_normal(shape) if low is None else rng.uniform(low, high, shape)
    return minitorch.tensor(values, dtype=np.float64, requires_grad=grad)


def labels(*values):
    return minitorch.tensor(np.array(values, dtype=np.int64))


CASES = {
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b), [t(2, 3, 5, 5), t(4, 3, 3, 3), t(4)]),
    "conv2d_stride_padding_dilation_groups": (
        lambda x, w: F.conv2d(x, w, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
        [t(1, 4, 6, 5), t(4, 2, 2, 3)]),
    "conv2d_same_even_kernel": (lambda x, w: F.conv2d(x, w, padding="same"), [t(1, 2, 4, 5), t(3, 2, 2, 4)]),
    "max_pool2d_overlapping_padding": (lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), [t(2, 2, 6, 5)]),
    "max_pool2d_dilation": (lambda x: F.max_pool2d(x, 2, 1, dilation=2), [t(1, 2, 5, 5)]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
                   [t(2, 2, 6, 5)]),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (3, 2)), [t(2, 2, 7, 5)]),
    "batch_norm_train": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                         [t(4, 3, 2, 2), t(3), t(3)]),
    "batch_norm_eval": (lambda x, w, b: F.batch_norm(x, minitorch.tensor(np.array([0.1, -0.2, 0.3])),
                                                     minitorch.tensor(np.array([0.5, 2.0, 1.0])), w, b),
                        [t(4, 3), t(3), t(3)]),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (2, 3), w, b), [t(4, 2, 3), t(2, 3), t(2, 3)]),
    "layer_norm_weight_only": (lambda x, w: F.layer_norm(x, (3,), w), [t(4, 3), t(3)]),
    # (with padding_idx the padding row gets no gradient by definition, unlike finite differences)
    "embedding_repeated": (lambda w: F.embedding(labels(1, 0, 1, 3), w), [t(5, 2)]),
    "gelu": (F.gelu, [t(3, 4)]),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), [t(3, 4)]),
    "silu": (F.silu, [t(3, 4)]),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), [t(3, 4)]),
    "cross_entropy_all_options": (
        lambda x: F.cross_entropy(x, labels(0, 2, 1, 2), weight=minitorch.tensor([1.0, 2.0, 0.5]),
                                  ignore_index=1, label_smoothing=0.2), [t(4, 3)]),
    "cross_entropy_kdim_sum": (lambda x: F.cross_entropy(x, labels(0, 2, 1, 2).reshape(2, 2), reduction="sum"),
                               [t(2, 3, 2)]),
    "cross_entropy_probabilities": (lambda x, p: F.cross_entropy(x, F.softmax(p, 1).detach(), label_smoothing=0.1),
                                    [t(3, 4), t(3, 4, grad=False)]),
    "nll_loss": (lambda x: F.nll_loss(x, labels(0, 2, 1), weight=minitorch.tensor([1.0, 2.0, 0.5])), [t(3, 3)]),
    "binary_cross_entropy": (lambda p, y: F.binary_cross_entropy(p, y, weight=minitorch.tensor([1.0, 2.0])),
                             [t(3, 2, low=0.1, high=0.9), t(3, 2, low=0, high=1)]),
    "binary_cross_entropy_with_logits": (
        lambda x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=minitorch.tensor([3.0, 0.5]),
                                                        reduction="sum"),
        [t(3, 2), t(3, 2, low=0, high=1)]),
    "mse_loss": (lambda a, b: F.mse_loss(a, b), [t(3, 2), t(3, 2)]),
    "l1_loss": (lambda a, b: F.l1_loss(a, b, reduction="sum"), [t(3, 2), t(3, 2, seed=1)]),
}


@pytest.mark.parametrize("name", CASES)
def test_gradcheck(name):
    fn, inputs = CASES[name]
    assert minitorch.gradcheck(fn, inputs)


def test_conv_buffers_recycled_between_steps_stay_correct():
    """Two convolutions of the same shape in one graph, over several steps: each step's im2col
    buffers come back from the previous step's backward, and the gradients stay torch's."""
    import torch

    rng = np.random.default_rng(0)
    x, w1, w2 = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((3, 3, 3, 3)), rng.standard_normal((3, 3, 3, 3))
    for step in range(3):
        mx, m1, m2 = (minitorch.tensor(a + step, requires_grad=True) for a in (x, w1, w2))
        tx, t1, t2 = (torch.tensor(a + step, requires_grad=True) for a in (x, w1, w2))
        (F.conv2d(F.conv2d(mx, m1, padding=1), m2, padding=1) ** 2).sum().backward()
        (torch.nn.functional.conv2d(torch.nn.functional.conv2d(tx, t1, padding=1), t2, padding=1) ** 2).sum().backward()
        for m, t_ in ((mx, tx), (m1, t1), (m2, t2)):
            np.testing.assert_allclose(m.grad.data, t_.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_normal_cdf_matches_math_erfc():
    """GELU's Phi comes from a fitted polynomial (NumPy has no vectorized erf): check it against
    math.erfc, absolutely everywhere and relatively in the lower tail, in float64 and float32."""
    import math

    from minitorch.ops.activation import normal_cdf_pdf

    x = np.linspace(-14, 14, 20001)
    exact = np.array([math.erfc(-v / math.sqrt(2)) / 2 for v in x])
    cdf, pdf = normal_cdf_pdf(x)
    assert np.abs(cdf - exact).max() < 1e-15
    assert (np.abs(cdf - exact) / exact)[x < 0].max() < 1e-13
    np.testing.assert_allclose(pdf, np.exp(-x * x / 2) / math.sqrt(2 * math.pi), rtol=1e-12)
    cdf32, pdf32 = normal_cdf_pdf(x.astype(np.float32))
    assert cdf32.dtype == pdf32.dtype == np.float32
    assert np.abs(cdf32 - exact).max() < 1e-6
