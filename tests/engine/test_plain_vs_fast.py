"""Every fast path equals its plain version (float64, to 1e-12 of the largest value or exactly):

- conv2d (`ops/conv.py`: as_strided im2col, recycled buffers, blockwise backward, bias in the
  GEMM) against the textbook `conv2d_plain` (`ops/conv_plain.py`), forward and all gradients;
- MatMul's weight gradient: `shared_weight_grad` (one folded GEMM, transposed-view layout)
  against `plain_weight_grad` (a^T g summed over the batch);
- max pooling: `max_pool_2x2_tiles` (a tournament) against `max_pool_windows` (a running
  maximum), maxima and argmax positions, with ties and NaNs;
- gradient adoption in the backward pass (`autograd.can_adopt`: a fresh weight gradient
  becomes `.grad` without a copy) against always copying: the same `.grad` values, and never
  an array the caller still holds.

(The fused recurrent scans against their cells: tests/nn/test_recurrent_cells.py.)
"""

from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
import minitorch.ops.conv as fast_conv
from minitorch import autograd
from minitorch.ops.arithmetic import MatMul, plain_weight_grad, shared_weight_grad
from minitorch.ops.conv_plain import conv2d_plain
from minitorch.ops.pooling import max_pool_2x2_tiles, max_pool_windows

RTOL = 1e-12


def assert_close(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    assert actual.shape == expected.shape and actual.dtype == expected.dtype, what
    scale = max(float(np.abs(expected).max(initial=0.0)), 1e-300)
    error = float(np.abs(actual - expected).max(initial=0.0))
    assert error <= RTOL * scale, f"{what}: max error {error:.3g} for values up to {scale:.3g}"


CONV_OPTIONS = {
    "plain": ((2, 3, 9, 9), (4, 3, 3, 3), {}),
    "padding": ((2, 3, 8, 7), (5, 3, 3, 3), {"padding": 1}),
    "stride_padding": ((3, 2, 11, 10), (4, 2, 3, 3), {"stride": 2, "padding": (2, 1)}),
    "dilation": ((2, 3, 12, 12), (4, 3, 3, 2), {"dilation": (2, 3), "padding": 2}),
    "groups": ((2, 6, 8, 8), (9, 2, 3, 3), {"groups": 3, "padding": 1}),
    "same_even_kernel": ((2, 3, 7, 8), (4, 3, 4, 2), {"padding": "same"}),
    "1x1": ((4, 8, 5, 5), (3, 8, 1, 1), {}),
}


def run_conv(conv, arrays, bias: bool, needs_x: bool, **options):
    x = mt.tensor(arrays[0], requires_grad=needs_x)
    params = [mt.tensor(a, requires_grad=True) for a in arrays[1:3 if bias else 2]]
    out = conv(x, *params, **options)
    out.backward(arrays[3])
    return out.data, [t.grad.data for t in (x, *params) if t.requires_grad]


@pytest.mark.parametrize("needs_x", [True, False], ids=["input_grad", "no_input_grad"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("name", CONV_OPTIONS)
def test_fast_conv2d_equals_plain(name, bias, needs_x):
    x_shape, w_shape, options = CONV_OPTIONS[name]
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    out_shape = mt.nn.functional.conv2d(mt.tensor(x), mt.tensor(w), **options).shape
    arrays = [x, w, b, rng.standard_normal(out_shape)]
    plain_out, plain_grads = run_conv(conv2d_plain, arrays, bias, needs_x, **options)
    for step in range(2):  # the second step runs on a recycled im2col buffer
        fast_out, fast_grads = run_conv(mt.nn.functional.conv2d, arrays, bias, needs_x, **options)
        assert_close(fast_out, plain_out, f"step {step} output")
        for i, (fast, plain) in enumerate(zip(fast_grads, plain_grads, strict=True)):
            assert_close(fast, plain, f"step {step} gradient {i}")


def test_fast_conv2d_backward_in_one_image_blocks_equals_plain(monkeypatch):
    monkeypatch.setattr(fast_conv, "_CHUNK_BYTES", 1)  # every block is one image
    assert len(fast_conv.image_blocks(5, 1000)) == 5
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((5, 3, 8, 8)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4),
              rng.standard_normal((5, 4, 4, 4))]
    plain_out, plain_grads = run_conv(conv2d_plain, arrays, True, True, stride=2, padding=1)
    fast_out, fast_grads = run_conv(mt.nn.functional.conv2d, arrays, True, True, stride=2, padding=1)
    assert_close(fast_out, plain_out, "output")
    for i, (fast, plain) in enumerate(zip(fast_grads, plain_grads, strict=True)):
        assert_close(fast, plain, f"gradient {i}")


def test_the_second_forward_really_reuses_the_im2col_buffer():
    x, w = mt.tensor(np.ones((2, 3, 6, 6))), mt.tensor(np.ones((4, 3, 3, 3)), requires_grad=True)
    first = mt.nn.functional.conv2d(x, w)
    cols = first.grad_fn.saved_tensors[0]
    first.sum().backward()
    second = mt.nn.functional.conv2d(x, w)
    assert second.grad_fn.saved_tensors[0] is cols


MATMUL_SHAPES = {
    "batched_input_2d_weight": ((4, 5, 6), (6, 3), False),
    "linear_layer_transposed_view": ((7, 6), (3, 6), True),
    "4d_input": ((2, 3, 4, 6), (6, 5), False),
    "vector_weight": ((4, 6), (6,), False),
}


@pytest.mark.parametrize("name", MATMUL_SHAPES)
def test_shared_weight_grad_equals_plain(name):
    a_shape, b_shape, transposed = MATMUL_SHAPES[name]
    rng = np.random.default_rng(2)
    a = rng.standard_normal(a_shape)
    b = rng.standard_normal(b_shape).T if transposed else rng.standard_normal(b_shape)
    b2 = b[:, None] if b.ndim == 1 else b
    g = rng.standard_normal(np.matmul(a, b2).shape)
    assert transposed == (b2.flags.f_contiguous and not b2.flags.c_contiguous)
    assert_close(shared_weight_grad(a, g, b2), plain_weight_grad(a, g, b2), "weight gradient")


def pool_inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    ties = rng.integers(0, 3, (2, 3, 8, 6)).astype(np.float64)  # many windows with equal maxima
    relu = np.maximum(rng.standard_normal((2, 3, 8, 6)), 0)  # all-zero windows
    nan = rng.standard_normal((2, 3, 8, 6))
    nan[0, 0, 2, 3] = nan[1, 2, 4, 4] = nan[1, 2, 5, 5] = np.nan
    inf = rng.standard_normal((2, 3, 8, 6))
    inf[0, 1, :2, :2] = -np.inf
    inf[1, 1, 2, 2] = np.inf
    return {"random": rng.standard_normal((2, 3, 8, 6)), "ties": ties, "relu": relu, "nan": nan, "inf": inf,
            "float32": rng.standard_normal((2, 3, 8, 6)).astype(np.float32)}


@pytest.mark.parametrize("name", pool_inputs())
def test_max_pool_2x2_tiles_equals_running_maximum(name):
    x = pool_inputs()[name]
    fast_best, fast_where = max_pool_2x2_tiles(x)
    plain_best, plain_where = max_pool_windows(x, (2, 2), (2, 2), (1, 1), (4, 3))
    np.testing.assert_array_equal(fast_best, plain_best)
    np.testing.assert_array_equal(fast_where, plain_where)
    assert fast_best.dtype == x.dtype


def training_step_grads() -> list[np.ndarray]:
    """The gradients of a small CNN + MLP after two backward passes (the second accumulates)."""
    mt.manual_seed(0)
    model = mt.nn.Sequential(mt.nn.Conv2d(2, 3, 3, padding=1), mt.nn.ReLU(), mt.nn.MaxPool2d(2),
                             mt.nn.Flatten(), mt.nn.Linear(3 * 3 * 3, 4)).double()
    x = mt.tensor(np.random.default_rng(4).standard_normal((5, 2, 6, 6)))
    for _ in range(2):
        model(x).pow(2).sum().backward()
    return [p.grad.data.copy() for p in model.parameters()]


def test_gradient_adoption_equals_always_copying(monkeypatch):
    adopted = training_step_grads()
    monkeypatch.setattr(autograd, "can_adopt", lambda *args: False)  # the plain version: always copy
    copied = training_step_grads()
    for fast, plain in zip(adopted, copied, strict=True):
        np.testing.assert_array_equal(fast, plain)


def test_adoption_takes_the_fresh_weight_gradient_and_never_the_callers_arrays(monkeypatch):
    made = []
    plain_backward = MatMul.backward

    def recording_backward(self, grad):
        grads = plain_backward(self, grad)
        made.append(grads[1])
        return grads

    monkeypatch.setattr(MatMul, "backward", recording_backward)
    x, w = mt.tensor(np.ones((4, 3))), mt.tensor(np.ones((3, 2)), requires_grad=True)
    (x @ w).backward(np.ones((4, 2)))
    assert w.grad.data is made[0]  # adopted: no copy

    seed = np.ones(3)
    v = mt.tensor(np.zeros(3), requires_grad=True)
    (v + 0.0).backward(seed)  # add passes the seed itself through to v
    seed[0] = 7.0
    assert v.grad.data[0] == 1.0  # a copy, not the caller's seed

    held = mt.tensor(np.full(3, 2.0))
    u = mt.tensor(np.zeros(3), requires_grad=True)
    u.register_hook(lambda g: held)
    (u * 3.0).sum().backward()
    held.data[0] = 9.0
    assert u.grad.data[0] == 2.0  # a copy, not the hook's result
