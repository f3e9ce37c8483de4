"""Tensor creation and dtypes follow torch; every op keeps float32 as float32."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch as mt
from comparisons.builders import flatten_outputs
from comparisons.registry import all_cases


@pytest.mark.parametrize(
    ("make_mt", "make_torch"),
    [
        (lambda: mt.tensor([1.0, 2.0]), lambda: torch.tensor([1.0, 2.0])),
        (lambda: mt.tensor([1, 2]), lambda: torch.tensor([1, 2])),
        (lambda: mt.tensor([True, False]), lambda: torch.tensor([True, False])),
        (lambda: mt.tensor(np.ones(2)), lambda: torch.tensor(np.ones(2))),
        (lambda: mt.zeros(2, 3), lambda: torch.zeros(2, 3)),
        (lambda: mt.ones((2, 3), dtype=mt.float64), lambda: torch.ones((2, 3), dtype=torch.float64)),
        (lambda: mt.full((2,), 3), lambda: torch.full((2,), 3)),
        (lambda: mt.full((2,), 0.5), lambda: torch.full((2,), 0.5)),
        (lambda: mt.arange(5), lambda: torch.arange(5)),
        (lambda: mt.arange(1, 2, 0.25), lambda: torch.arange(1, 2, 0.25)),
        (lambda: mt.linspace(0, 1, 5), lambda: torch.linspace(0, 1, 5)),
        (lambda: mt.eye(3, 2), lambda: torch.eye(3, 2)),
        (lambda: mt.zeros_like(mt.ones(2, dtype=mt.float64)), lambda: torch.zeros_like(torch.ones(2, dtype=torch.float64))),
        (lambda: mt.ones_like(mt.ones(3)), lambda: torch.ones_like(torch.ones(3))),
        (lambda: mt.full_like(mt.ones(3), 7.0), lambda: torch.full_like(torch.ones(3), 7.0)),
    ],
)
def test_creation_matches_torch(make_mt, make_torch):
    a, b = make_mt(), make_torch()
    assert a.shape == tuple(b.shape)
    assert str(a.dtype) == str(b.dtype).removeprefix("torch.")
    np.testing.assert_allclose(a.data, b.numpy())


def test_random_creation_is_seeded_and_shaped():
    mt.manual_seed(3)
    a = mt.randn(4, 5)
    mt.manual_seed(3)
    b = mt.randn(4, 5)
    np.testing.assert_array_equal(a.data, b.data)
    assert a.dtype == mt.float32
    u = mt.rand(10_000)
    assert 0 <= u.data.min() and u.data.max() < 1 and abs(u.data.mean() - 0.5) < 0.02
    r = mt.randint(3, 7, (1000,))
    assert r.dtype == mt.int64 and set(np.unique(r.data)) == {3, 4, 5, 6}
    assert mt.randn_like(mt.ones(2, dtype=mt.float64)).dtype == mt.float64
    assert mt.rand_like(mt.ones(2, 2)).shape == (2, 2)
    assert mt.randint_like(mt.ones(3, dtype=mt.int64), 5).dtype == mt.int64


def test_tensor_attributes():
    x = mt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert x.shape == (2, 2) and x.ndim == 2 and x.dtype == mt.float32 and x.numel() == 4
    assert x.is_leaf and x.grad_fn is None
    y = x * 2
    assert not y.is_leaf and "grad_fn" in repr(y)
    assert y.sum().item() == 20.0
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    assert x.detach().numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_python_scalars_do_not_promote_float32():
    x = mt.ones(3)
    for y in (x + 1.5, 2.0 * x, x / 3, x**2.0, 1 - x, 2.0**x, x + np.float64(1)):
        assert y.dtype == mt.float32


def test_int_labels_do_not_promote_float32():
    x = mt.ones(3)
    assert (x * mt.tensor([1, 2, 3])).dtype == mt.float32


DTYPE_CASES = [c for c in all_cases() if c.group == "op" and c.make_inputs is not None and any(c.grad_mask)]


@pytest.mark.parametrize("case", DTYPE_CASES, ids=[c.name for c in DTYPE_CASES])
def test_every_op_keeps_float32(case):
    arrays = case.make_inputs(np.random.default_rng(0))
    inputs = [
        mt.tensor(a.astype(np.float32) if a.dtype.kind == "f" else a, requires_grad=g)
        for a, g in zip(arrays, case.grad_mask, strict=True)
    ]
    outputs = [o for o in flatten_outputs(case.minitorch_fn(*inputs)) if o.dtype.kind == "f"]
    assert all(o.dtype == np.float32 for o in outputs), [o.dtype for o in outputs]
    sum(o.sum() for o in outputs if o.requires_grad).backward()
    for t in inputs:
        if t.requires_grad:
            assert t.grad is not None and t.grad.dtype == np.float32
