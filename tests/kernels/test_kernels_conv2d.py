"""kernels.conv2d (forward, dgrad, wgrad) against torch, and the NumPy reference."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn.grad import conv2d_input, conv2d_weight

from kernels.conv2d import (
    conv2d,
    conv2d_dgrad,
    conv2d_dgrad_reference,
    conv2d_reference,
    conv2d_wgrad,
    conv2d_wgrad_reference,
)

# (N, C, H, W), (K, R, S), stride, padding, dilation, groups. Sizes are mostly not multiples
# of the 32-wide blocks; C=40 and K=40 take two channel blocks, the last one partial.
CASES = [
    ((2, 3, 7, 9), (5, 3, 3), 1, 1, 1, 1),  # the common 3x3 "same" conv, odd sizes
    ((2, 4, 8, 8), (6, 1, 1), 1, 0, 1, 1),  # 1x1: a plain matmul over pixels
    ((1, 5, 9, 8), (4, 3, 3), 2, 1, 1, 1),  # stride 2 (ResNet downsampling)
    ((2, 3, 9, 9), (4, 5, 5), 2, 2, 1, 1),  # 5x5, stride 2, pad 2
    ((1, 2, 11, 10), (3, 3, 2), (2, 1), (1, 0), (2, 1), 1),  # mixed stride/pad/dilation
    ((1, 4, 10, 10), (4, 3, 3), 1, 2, 2, 1),  # dilation 2
    ((2, 6, 6, 7), (4, 3, 3), 1, 1, 1, 2),  # groups
    ((1, 4, 6, 6), (8, 3, 3), 1, 1, 1, 4),  # depthwise-like: one input channel per group
    ((1, 40, 5, 5), (40, 3, 3), 1, 1, 1, 1),  # two channel blocks in and out
    ((1, 3, 6, 6), (2, 3, 3), 3, 0, 1, 1),  # stride = kernel: windows do not overlap
]


def _make(case, device, dtype=torch.float32):
    x_shape, (K, R, S), stride, padding, dilation, groups = case
    x = torch.randn(x_shape, device=device).to(dtype)
    w = torch.randn(K, x_shape[1] // groups, R, S, device=device).to(dtype)
    bias = torch.randn(K, device=device).to(dtype)
    return x, w, bias, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


@pytest.mark.parametrize("case", CASES)
def test_conv2d_forward_dgrad_wgrad(case, device, assert_matches):
    x, w, bias, hp = _make(case, device)
    y = conv2d(x, w, bias, **hp)
    expected = F.conv2d(x, w, bias, **hp)
    assert y.shape == expected.shape
    assert y.is_contiguous(memory_format=torch.channels_last)
    assert_matches(y, expected)
    dy = torch.randn_like(expected)
    assert_matches(conv2d_dgrad(dy, w, x.shape, **hp), conv2d_input(x.shape, w, dy, **hp))
    assert_matches(conv2d_wgrad(x, dy, w.shape, **hp), conv2d_weight(x, w.shape, dy, **hp))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_conv2d_half_dtypes(dtype, device, assert_matches):
    x, w, bias, hp = _make(((2, 6, 7, 7), (8, 3, 3), 2, 1, 1, 2), device, dtype)
    xf, wf = x.float(), w.float()
    y = conv2d(x, w, bias, **hp)
    assert y.dtype == dtype
    assert_matches(y, F.conv2d(xf, wf, bias.float(), **hp))
    dy = torch.randn(y.shape, device=device).to(dtype)
    assert_matches(conv2d_dgrad(dy, w, x.shape, **hp), conv2d_input(x.shape, wf, dy.float(), **hp))
    assert_matches(conv2d_wgrad(x, dy, w.shape, **hp), conv2d_weight(xf, w.shape, dy.float(), **hp))


@pytest.mark.parametrize("split_k", [1, 2, 5])
def test_conv2d_wgrad_split_k(split_k, device, assert_matches):
    """Any number of slices of the pixel reduction sums to the same gradient, also more
    slices than K-blocks (some slices empty)."""
    x, w, _, hp = _make(((2, 3, 6, 6), (4, 3, 3), 1, 1, 1, 1), device)  # 72 pixels: 3 blocks
    dy = torch.randn(2, 4, 6, 6, device=device)
    dw = conv2d_wgrad(x, dy, w.shape, **hp, split_k=split_k)
    assert_matches(dw, conv2d_weight(x, w.shape, dy, **hp))


def test_conv2d_layouts_give_the_same_result(device):
    """NCHW input is converted once; channels_last input is used as is; same numbers."""
    x, w, bias, hp = _make(CASES[0], device)
    from_nchw = conv2d(x, w, bias, **hp)
    from_nhwc = conv2d(x.contiguous(memory_format=torch.channels_last), w, bias, **hp)
    torch.testing.assert_close(from_nchw, from_nhwc, rtol=0, atol=0)


@pytest.mark.parametrize("case", [CASES[2], CASES[4], CASES[6]])
def test_numpy_reference_matches_torch(case):
    """The loop reference in conv2d.py computes the same three things as torch."""
    x, w, _, hp = _make(case, "cpu")
    x, w = x.double(), w.double()
    y = F.conv2d(x, w, **hp)
    dy = torch.randn_like(y)
    args = (hp["stride"], hp["padding"], hp["dilation"], hp["groups"])
    np.testing.assert_allclose(conv2d_reference(x.numpy(), w.numpy(), *args), y.numpy(),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv2d_dgrad_reference(dy.numpy(), w.numpy(), x.shape, *args),
                               conv2d_input(x.shape, w, dy, **hp).numpy(), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(conv2d_wgrad_reference(x.numpy(), dy.numpy(), w.shape, *args),
                               conv2d_weight(x, w.shape, dy, **hp).numpy(), rtol=1e-12,
                               atol=1e-12)


@st.composite
def conv_geometries(draw):
    """Random valid convolutions small enough for the interpreter."""
    groups = draw(st.sampled_from([1, 2]))
    c = groups * draw(st.integers(1, 3))
    k = groups * draw(st.integers(1, 3))
    r, s = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    h = draw(st.integers(max(1, dilation[0] * (r - 1) + 1 - 2 * padding[0]), 8))
    w = draw(st.integers(max(1, dilation[1] * (s - 1) + 1 - 2 * padding[1]), 8))
    n = draw(st.integers(1, 2))
    return (n, c, h, w), (k, r, s), stride, padding, dilation, groups


@settings(max_examples=10, deadline=None)
@given(case=conv_geometries(), with_bias=st.booleans())
def test_conv2d_property(case, with_bias):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    x, w, bias, hp = _make(case, device)
    bias = bias if with_bias else None
    expected = F.conv2d(x, w, bias, **hp)
    torch.testing.assert_close(conv2d(x, w, bias, **hp), expected, rtol=1e-5, atol=1e-5)
    dy = torch.randn_like(expected)
    torch.testing.assert_close(conv2d_dgrad(dy, w, x.shape, **hp),
                               conv2d_input(x.shape, w, dy, **hp), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(conv2d_wgrad(x, dy, w.shape, **hp),
                               conv2d_weight(x, w.shape, dy, **hp), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "x_shape, w_shape, hp, message",
    [
        ((1, 3, 8, 8), (4, 2, 3, 3), {}, r"conv2d: input \(1, 3, 8, 8\) has 3 channels but weight "
         r"\(4, 2, 3, 3\) expects 2 x groups \(1\) = 2"),
        ((1, 4, 8, 8), (3, 2, 3, 3), {"groups": 2}, r"conv2d: groups=2 must divide .* \(3\)"),
        ((1, 3, 2, 2), (4, 3, 3, 3), {}, r"conv2d: input \(1, 3, 2, 2\) with padding \(0, 0\) is "
         "smaller than"),
        ((1, 3, 8, 8), (4, 3, 3, 3), {"stride": 0}, r"conv2d: stride must be .* >= 1, got 0"),
        ((1, 3, 8, 8), (4, 3, 3, 3), {"padding": (1, -1)}, r"conv2d: padding must be"),
        ((3, 8, 8), (4, 3, 3, 3), {}, r"conv2d: expected a 4-D input"),
    ],
)
def test_conv2d_shape_errors(x_shape, w_shape, hp, message, device):
    with pytest.raises(ValueError, match=message):
        conv2d(torch.randn(x_shape, device=device), torch.randn(w_shape, device=device), **hp)


def test_conv2d_backward_and_dtype_errors(device):
    x = torch.randn(1, 3, 8, 8, device=device)
    w = torch.randn(4, 3, 3, 3, device=device)
    with pytest.raises(ValueError, match=r"conv2d_dgrad: grad_out must have shape \(1, 4, 6, 6\), "
                                         r"got \(1, 4, 8, 8\)"):
        conv2d_dgrad(torch.randn(1, 4, 8, 8, device=device), w, x.shape)
    with pytest.raises(ValueError, match=r"conv2d_wgrad: split_k must be a positive int"):
        conv2d_wgrad(x, torch.randn(1, 4, 6, 6, device=device), w.shape, split_k=0)
    with pytest.raises(ValueError, match=r"conv2d: bias must have shape \(4,\), got \(3,\)"):
        conv2d(x, w, torch.randn(3, device=device))
    with pytest.raises(TypeError, match=r"conv2d: unsupported dtype torch.float64"):
        conv2d(x.double(), w.double())
    with pytest.raises(TypeError, match=r"conv2d: expected one dtype .* x torch.float16, "
                                        r"weight torch.float32"):
        conv2d(x.half(), w)
    with pytest.raises(ValueError, match=r"conv2d: expected all tensors on one device"):
        conv2d(x, w.to("meta"))


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_conv2d_autotuned_resnet_layer_on_gpu(dtype, assert_matches):
    """A ResNet-50 3x3 layer in channels_last, autotuned, all three kernels."""
    x = torch.randn(8, 64, 56, 56, device="cuda").to(dtype)
    x = x.contiguous(memory_format=torch.channels_last)
    w = (torch.randn(64, 64, 3, 3, device="cuda") * 0.05).to(dtype)
    hp = dict(stride=1, padding=1, dilation=1, groups=1)
    xf, wf = x.float(), w.float()
    y = conv2d(x, w, **hp)
    assert_matches(y, F.conv2d(xf, wf, **hp))
    dy = torch.randn_like(y)
    assert_matches(conv2d_dgrad(dy, w, x.shape, **hp), conv2d_input(x.shape, wf, dy.float(), **hp))
    assert_matches(conv2d_wgrad(x, dy, w.shape, **hp), conv2d_weight(xf, w.shape, dy.float(), **hp))
