"""Property-based tests: broadcasting and indexing against torch over random shapes."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minitorch as mt

SETTINGS = settings(max_examples=60, deadline=None)


def _pair(array: np.ndarray) -> tuple[mt.Tensor, torch.Tensor]:
    return mt.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4),
       op=st.sampled_from(["add", "sub", "mul", "div", "maximum"]), seed=st.integers(0, 2**16))
def test_broadcasting_binary_ops_match_torch(shapes, op, seed):
    rng = np.random.default_rng(seed)
    a_np = rng.uniform(0.5, 2.0, shapes.input_shapes[0])
    b_np = rng.uniform(0.5, 2.0, shapes.input_shapes[1])
    (a, ta), (b, tb) = _pair(a_np), _pair(b_np)
    fn = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
          "div": lambda x, y: x / y, "maximum": lambda x, y: x.maximum(y)}[op]
    out, tout = fn(a, b), fn(ta, tb)
    assert out.shape == tuple(tout.shape) == shapes.result_shape
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.data, ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad.data, tb.grad.numpy(), rtol=1e-10, atol=1e-12)


@st.composite
def _index(draw, shape):
    """A random mix of ints, slices, None and Ellipsis, or of slices, None and one integer array.

    (An int next to an integer array is where NumPy and torch disagree on the result's layout:
    NumPy treats the int as one more advanced index, torch selects it first. minitorch follows
    NumPy there; see GetItem.)"""
    parts, dim = [], 0
    use_array = draw(st.booleans())
    kinds = ["slice", "none", "array"] if use_array else ["int", "slice", "none"]
    while dim < len(shape):
        n = shape[dim]
        kind = draw(st.sampled_from(kinds))
        if kind == "int":
            parts.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            start = draw(st.one_of(st.none(), st.integers(-n, n)))
            stop = draw(st.one_of(st.none(), st.integers(-n, n)))
            step = draw(st.sampled_from([None, 1, 2, 3]))  # torch has no negative steps
            parts.append(slice(start, stop, step))
        elif kind == "none":
            parts.append(None)
            continue
        else:
            parts.append(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=5)))
            kinds = ["slice", "none"]  # one advanced index keeps the torch/NumPy layout identical
        dim += 1
    if draw(st.booleans()) and parts:
        cut = draw(st.integers(0, len(parts)))
        parts = parts[:cut] + [Ellipsis]
    return tuple(parts)


@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
def test_indexing_matches_torch_and_accumulates(data, shape):
    index = data.draw(_index(shape))
    rng = np.random.default_rng(0)
    x, tx = _pair(rng.standard_normal(shape))
    out, tout = x[index], tx[index]
    assert out.shape == tuple(tout.shape)
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    g = rng.standard_normal(out.shape)
    out.backward(g)
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), atol=1e-12)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5), seed=st.integers(0, 99))
def test_boolean_mask_indexing_matches_torch(shape, seed):
    rng = np.random.default_rng(seed)
    x, tx = _pair(rng.standard_normal(shape))
    mask = rng.random(shape) < 0.5
    out, tout = x[mt.tensor(mask)], tx[torch.tensor(mask)]
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    g = rng.standard_normal(out.shape)
    out.backward(g)
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy())


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(min_dims=1, max_dims=3, max_side=3,
                                                 signature="(m?,k),(k,n?)->(m?,n?)"),
       seed=st.integers(0, 99))
def test_matmul_shapes_match_torch(shapes, seed):
    rng = np.random.default_rng(seed)
    (a, ta), (b, tb) = _pair(rng.standard_normal(shapes.input_shapes[0])), _pair(
        rng.standard_normal(shapes.input_shapes[1]))
    out, tout = a @ b, ta @ tb
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.data, ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad.data, tb.grad.numpy(), rtol=1e-10, atol=1e-12)
