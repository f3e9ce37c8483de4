"""Where torch refuses or warns on the everyday API added for issue 13 (item 10), minitorch does
the same, with a message naming the op. (The values and gradients are parity cases in
comparisons/cases: ops.py, layers.py and losses.py.)"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import minitorch


@pytest.mark.parametrize("dtype", ["float64", "int64", "float32"])
def test_where_refuses_a_condition_that_is_not_bool_as_torch_does(dtype):
    for engine in (torch, minitorch):
        cond = engine.tensor(np.array([1, 0], dtype=dtype))
        with pytest.raises(RuntimeError, match="where expected condition to be a boolean tensor"):
            engine.where(cond, engine.tensor(np.ones(2)), engine.tensor(np.zeros(2)))


def test_where_accepts_a_uint8_condition_with_torchs_deprecation_warning():
    results = []
    for engine in (torch, minitorch):
        cond = engine.tensor(np.array([1, 0, 2], dtype=np.uint8))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = engine.where(cond, engine.tensor(np.ones(3)), engine.tensor(np.zeros(3)))
        assert any("uint8 condition tensor" in str(w.message) for w in caught), engine.__name__
        results.append(np.asarray(out.detach().numpy() if engine is torch else out.data))
    assert np.array_equal(*results)


MATRIX_PRODUCT_MISUSE = [
    ("mm", (1, 2, 3), (3, 4), "mm: self must be a matrix"),
    ("mm", (2, 3), (3,), "mm: mat2 must be a matrix"),
    ("mm", (2, 3), (4, 5), "matmul: shapes"),
    ("bmm", (2, 2, 3), (3, 4), "bmm: batch2 must be a 3D tensor"),
    ("bmm", (2, 2, 3), (3, 3, 4), "bmm: batch1 and batch2 must have same number of batches"),
    ("bmm", (2, 3, 4), (2, 3, 4), "matmul: shapes"),
]


@pytest.mark.parametrize(("op", "shape_a", "shape_b", "message"), MATRIX_PRODUCT_MISUSE)
def test_mm_and_bmm_refuse_what_torch_refuses(op, shape_a, shape_b, message):
    for engine in (torch, minitorch):
        with pytest.raises(RuntimeError) as caught:
            getattr(engine, op)(engine.tensor(np.ones(shape_a)), engine.tensor(np.ones(shape_b)))
    assert message in str(caught.value)


def test_masked_fill_takes_a_0_dim_value_tensor_only():
    for engine in (torch, minitorch):
        x, mask = engine.tensor(np.ones((2, 2))), engine.tensor(np.eye(2, dtype=bool))
        with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
            x.masked_fill(mask, engine.tensor(np.ones(2)))


def test_0d_dims_other_than_0_and_minus_1_are_out_of_range():
    for engine in (torch, minitorch):
        s = engine.tensor(np.array(2.0))
        for method, args in (("transpose", (0, 1)), ("squeeze", (1,)), ("argmax", (1,))):
            with pytest.raises(IndexError):
                getattr(s, method)(*args)
