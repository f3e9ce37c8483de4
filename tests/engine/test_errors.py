"""Errors name the op and the shapes, and a failed op leaves its inputs untouched."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: mt.ones(2, 3) @ mt.ones(4, 5), r"matmul: shapes \(2, 3\) and \(4, 5\) cannot be multiplied"),
        (lambda: mt.ones(2, 3) + mt.ones(4), r"add: shapes \(2, 3\) and \(4,\) cannot be broadcast"),
        (lambda: mt.ones(2, 3) * mt.ones(3, 2), r"mul: shapes \(2, 3\) and \(3, 2\) cannot be broadcast"),
        (lambda: mt.ones(2, 3) - mt.ones(5), r"sub: shapes"),
        (lambda: mt.ones(2, 3) / mt.ones(2, 2), r"div: shapes"),
        (lambda: mt.maximum(mt.ones(2), mt.ones(3)), r"maximum: shapes \(2,\) and \(3,\)"),
        (lambda: mt.ones(2, 3).reshape(4, 2), r"reshape: .*size 6.*\(2, 3\)"),
        (lambda: mt.cat([mt.ones(2, 3), mt.ones(3, 4)], 0), r"cat: sizes of tensors must match except in dimension 0.*\(2, 3\).*\(3, 4\)"),
        (lambda: mt.stack([mt.ones(2), mt.ones(3)]), r"stack: .*\(2,\) and \(3,\)"),
        (lambda: mt.ones(2, 3).sum(2), r"sum: dimension out of range"),
        (lambda: mt.ones(2, 3).permute(0, 0), r"permute: dims \(0, 0\)"),
        (lambda: mt.ones(2, 3).expand(4, 3, 2), r"expand: the expanded size"),
        (lambda: mt.ones(3)[5], r"getitem: index 5 is out of bounds.*\(3,\)"),
        (lambda: mt.ones(4).split([1, 2]), r"split: split sizes \[1, 2\] do not sum to 4"),
        (lambda: mt.ones(2, 3) @ mt.ones(3, 2, dtype=mt.float64), r"matmul: expected both operands to have the same dtype"),
        (lambda: mt.tensor(1.0) @ mt.ones(2), r"matmul: both arguments need at least 1 dimension"),
        (lambda: mt.where(mt.ones(2), mt.ones(2), mt.ones(2)), r"where expected condition to be a boolean tensor"),
        (lambda: mt.ones(2, 3).mean(dim=0).long().mean(), r"mean: .*floating point"),
        (lambda: mt.ones(2).item(), r"item: only one element tensors"),
    ],
)
def test_error_names_op_and_shapes(call, pattern):
    with pytest.raises((RuntimeError, IndexError, ValueError, TypeError), match=pattern):
        call()


def test_failed_op_leaves_inputs_and_graph_untouched():
    a = mt.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    b = mt.ones(4, 5, requires_grad=True)
    before = a.data.copy()
    with pytest.raises(RuntimeError):
        a @ b
    np.testing.assert_array_equal(a.data, before)
    assert a.grad is None and b.grad is None
    (a * 2).sum().backward()  # the engine still works afterwards
    np.testing.assert_allclose(a.grad.data, [[2.0, 2.0, 2.0]])


def test_copy_shape_mismatch_is_clear_and_harmless():
    t = mt.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"copy_: source of shape \(4,\) cannot be copied into a tensor of shape \(2, 3\)"):
        t.copy_(np.ones(4))
    np.testing.assert_array_equal(t.data, 0)
