"""The engine's behaviour: accumulation, retain_graph, no_grad, hooks, detach, leaf rules."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch as mt


def test_gradients_accumulate_across_backward_calls():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * np.array([1.0, 2.0, 3.0]) + 3)


def test_accumulation_equals_one_big_batch():
    rng = np.random.default_rng(0)
    data, w0 = rng.standard_normal((8, 3)), rng.standard_normal(3)
    w_split = mt.tensor(w0, requires_grad=True)
    for half in (data[:4], data[4:]):
        ((mt.tensor(half) @ w_split) ** 2).sum().backward()
    w_whole = mt.tensor(w0, requires_grad=True)
    ((mt.tensor(data) @ w_whole) ** 2).sum().backward()
    np.testing.assert_allclose(w_split.grad.data, w_whole.grad.data, rtol=1e-12)


def test_second_backward_through_freed_graph_raises():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward_and_accumulates():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.data.copy()
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * first)


def test_backward_on_non_scalar_needs_gradient():
    x = mt.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"implicitly created only for scalar outputs.*\(2, 3\)"):
        (x * 2).backward()
    (x * 2).backward(mt.ones(2, 3))
    np.testing.assert_allclose(x.grad.data, 2 * np.ones((2, 3)))


def test_backward_gradient_shape_must_match():
    x = mt.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\).*\(2, 3\)"):
        (x * 2).backward(mt.ones(3))


def test_no_grad_records_nothing_and_enable_grad_reenables():
    x = mt.ones(2, requires_grad=True)
    with mt.no_grad():
        y = x * 2
        with mt.enable_grad():
            z = x * 3
    assert y.grad_fn is None and not y.requires_grad
    assert z.requires_grad and z.grad_fn is not None
    assert mt.is_grad_enabled()


def test_no_grad_as_decorator_restores_mode_even_on_error():
    @mt.no_grad()
    def double(t):
        return t * 2

    @mt.no_grad()
    def broken(t):
        raise ValueError("boom")

    x = mt.ones(2, requires_grad=True)
    assert not double(x).requires_grad
    with pytest.raises(ValueError):
        broken(x)
    assert mt.is_grad_enabled()


def test_detach_cuts_the_graph_and_shares_memory():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert d.grad_fn is None and not d.requires_grad
    y = x * 1
    y.detach().data[0] = 7.0
    assert y.data[0] == 7.0


def test_tensor_hook_can_modify_gradient_and_be_removed():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.data.copy()) or g * 10)
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, [30.0, 30.0])
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3.0, 3.0])


def test_hooks_on_intermediate_and_leaf_match_torch():
    def run(lib, make):
        x = make([1.0, -2.0, 3.0])
        y = x * x
        calls = []
        y.register_hook(lambda g: calls.append("y") or g * 2)
        x.register_hook(lambda g: calls.append("x"))
        (y * x + y).sum().backward()
        return np.asarray(x.grad.tolist()), calls

    mt_grad, mt_calls = run(mt, lambda v: mt.tensor(v, dtype=mt.float64, requires_grad=True))
    t_grad, t_calls = run(torch, lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True))
    np.testing.assert_allclose(mt_grad, t_grad)
    assert mt_calls == t_calls == ["y", "x"]


def test_leaf_hook_sees_the_total_gradient_once():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.data.copy()))
    (x * 2 + x * 3).sum().backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [5.0, 5.0])


def test_retain_grad_keeps_intermediate_gradient():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.data, 2 * y.data)
    z = x * 2
    (z * 1).sum().backward()
    assert z.grad is None  # not retained


def test_only_float_tensors_can_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        mt.tensor([1, 2], requires_grad=True)


def test_inplace_on_leaf_requiring_grad_needs_no_grad():
    w = mt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        w.zero_()
    with mt.no_grad():
        w.fill_(2.0)
    np.testing.assert_allclose(w.data, 2.0)


def test_gradients_only_for_inputs_that_need_them():
    a = mt.randn(3, 4, requires_grad=True)
    b = mt.randn(4, 5)
    (a @ b).sum().backward()
    assert a.grad is not None and b.grad is None


def test_diamond_graph_runs_each_node_once():
    x = mt.tensor(2.0, requires_grad=True)
    a = x * 3
    y = a * a + a  # `a` feeds two paths
    y.backward()
    assert x.grad.item() == pytest.approx(3 * (2 * 6 + 1))


def test_deep_graph_does_not_hit_recursion_limit():
    x = mt.tensor(1.0, dtype=mt.float64, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001**5000)


def test_adopted_gradients_never_alias_each_other_or_the_seed():
    """The engine keeps fresh gradient arrays without copying them; no two .grad arrays may then
    share memory, nor share it with the caller's seed or a hook's result."""
    a = mt.randn(3, 4, requires_grad=True)
    b = mt.randn(3, 4, requires_grad=True)
    seed = np.ones((3, 4), dtype=np.float32)
    (a + b).backward(seed)  # add hands the same upstream array to both inputs
    assert not np.shares_memory(a.grad.data, b.grad.data)
    assert not np.shares_memory(a.grad.data, seed)
    a.grad.data *= 2  # in-place edits (clipping does this) touch one gradient only
    np.testing.assert_array_equal(b.grad.data, seed)
    a.grad = b.grad = None
    ((a + b) * 3).sum().backward()  # a fresh array (from mul) reaches both leaves through add
    assert not np.shares_memory(a.grad.data, b.grad.data)
    np.testing.assert_array_equal(a.grad.data, np.full((3, 4), 3.0))

    w = mt.randn(4, 2, requires_grad=True)
    kept = []
    h = a @ w
    h.register_hook(lambda g: kept.append(g * 1) or kept[-1])
    c = mt.randn(3, 2, requires_grad=True)
    (h + c).sum().backward()
    assert not np.shares_memory(c.grad.data, kept[0].data)
    v = mt.randn(2, 6, requires_grad=True)
    u = mt.randn(3, 4, requires_grad=True)
    (v.reshape(3, 4) + u).sum().backward()
    assert not np.shares_memory(v.grad.data, u.grad.data)
