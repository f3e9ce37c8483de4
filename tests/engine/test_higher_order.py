"""`minitorch.autograd.grad`, `backward(create_graph=True, inputs=...)` and nodes with several
outputs: the API's rules, each checked against torch's behaviour or exact values."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch as mt


def test_grad_returns_gradients_and_leaves_dot_grad_untouched():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = mt.autograd.grad((x**3).sum(), x)
    np.testing.assert_array_equal(g.data, 3 * np.array([1.0, 2.0, 3.0]) ** 2)
    assert x.grad is None
    assert not g.requires_grad and g.grad_fn is None


def test_create_graph_gives_differentiable_gradients():
    x = mt.tensor([1.0, -2.0, 0.5], dtype=mt.float64, requires_grad=True)
    (dx,) = mt.autograd.grad((x**4 - 2 * x**2).sum(), x, create_graph=True)
    assert dx.requires_grad and dx.grad_fn is not None
    (ddx,) = mt.autograd.grad(dx.sum(), x)
    np.testing.assert_allclose(dx.data, 4 * x.data**3 - 4 * x.data, rtol=1e-15)
    np.testing.assert_allclose(ddx.data, 12 * x.data**2 - 4, rtol=1e-15)


def test_third_derivative():
    x = mt.tensor(0.7, dtype=mt.float64, requires_grad=True)
    y = x.sin() * x**3
    d1, = mt.autograd.grad(y, x, create_graph=True)
    d2, = mt.autograd.grad(d1, x, create_graph=True)
    d3, = mt.autograd.grad(d2, x)
    t = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    e1, = torch.autograd.grad(t.sin() * t**3, t, create_graph=True)
    e2, = torch.autograd.grad(e1, t, create_graph=True)
    e3, = torch.autograd.grad(e2, t)
    np.testing.assert_allclose([d1.item(), d2.item(), d3.item()], [e1.item(), e2.item(), e3.item()],
                               rtol=1e-13)


def test_grad_outputs_weight_each_output():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    y, z = x * 3, x * x
    gy, gz = mt.tensor([1.0, 10.0], dtype=mt.float64), mt.tensor([0.5, 0.25], dtype=mt.float64)
    (g,) = mt.autograd.grad([y, z], [x], grad_outputs=[gy, gz])
    np.testing.assert_array_equal(g.data, 3 * gy.data + 2 * x.data * gz.data)


def test_grad_outputs_needed_for_non_scalar_and_shape_checked():
    x = mt.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"grad: grad can be implicitly created only for scalar outputs"):
        mt.autograd.grad(x * 2, x)
    with pytest.raises(RuntimeError, match=r"grad: gradient has shape \(3,\) but the tensor has shape \(2, 3\)"):
        mt.autograd.grad(x * 2, x, grad_outputs=mt.ones(3))


def test_unused_input_is_an_error_unless_allowed():
    x, unused = mt.ones(3, requires_grad=True), mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Tensor at index 1 appears to not have been used.*allow_unused=True"):
        mt.autograd.grad((x * 2).sum(), [x, unused])
    gx, gu = mt.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    np.testing.assert_array_equal(gx.data, [2.0, 2.0, 2.0])
    assert gu is None


def test_inputs_and_outputs_must_require_grad():
    x = mt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="one of the differentiated Tensors does not require grad"):
        mt.autograd.grad((x * 2).sum(), [mt.ones(3)])
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        mt.autograd.grad(mt.ones(1).sum(), [x])


def test_grad_frees_the_graph_unless_retained():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    mt.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        mt.autograd.grad(y, x)
    z = x.exp().sum()
    first, = mt.autograd.grad(z, x, retain_graph=True)
    second, = mt.autograd.grad(z, x)
    np.testing.assert_array_equal(first.data, second.data)


def test_create_graph_retains_the_graph_by_default():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    mt.autograd.grad(y, x, create_graph=True)
    (again,) = mt.autograd.grad(y, x)  # torch: retain_graph defaults to create_graph
    np.testing.assert_allclose(again.data, np.exp([1.0, 2.0]), rtol=1e-6)


def test_grad_with_respect_to_a_non_leaf_stops_there():
    a = mt.tensor([1.0, 1.0], requires_grad=True)
    b = a * 3
    gb, ga = mt.autograd.grad((b * b).sum(), [b, a])
    np.testing.assert_array_equal(gb.data, [6.0, 6.0])
    np.testing.assert_array_equal(ga.data, [18.0, 18.0])
    assert a.grad is None and b.grad is None


def test_backward_inputs_accumulates_only_into_inputs():
    a = mt.tensor([1.0, 1.0], requires_grad=True)
    w = mt.tensor([2.0, 2.0], requires_grad=True)
    b = a * w
    (b * b).sum().backward(inputs=[b])
    assert a.grad is None and w.grad is None
    np.testing.assert_array_equal(b.grad.data, [4.0, 4.0])  # like torch: even for a non-leaf
    (a * w).sum().backward(inputs=[w])
    assert a.grad is None
    np.testing.assert_array_equal(w.grad.data, [1.0, 1.0])
    with pytest.raises(RuntimeError, match="'inputs' argument cannot be empty"):
        (a * w).sum().backward(inputs=[])


def test_backward_create_graph_makes_dot_grad_differentiable():
    x = mt.tensor([0.5, -1.0], dtype=mt.float64, requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    np.testing.assert_allclose(g.data, 3 * x.data**2, rtol=1e-15)
    (hess_diag,) = mt.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(hess_diag.data, 6 * x.data, rtol=1e-15)


def test_differentiating_through_the_upstream_gradient():
    """d/du of (grad of <u, f(x)>) is f'(x): the backward is recorded as a function of u too."""
    x = mt.tensor([0.3, 1.2], dtype=mt.float64, requires_grad=True)
    u = mt.tensor([2.0, -1.0], dtype=mt.float64, requires_grad=True)
    (g,) = mt.autograd.grad(x.tanh(), x, grad_outputs=u, create_graph=True)
    (du,) = mt.autograd.grad(g.sum(), u)
    np.testing.assert_allclose(du.data, 1 - np.tanh(x.data) ** 2, rtol=1e-15)


def test_hooks_see_tensors_when_creating_the_graph():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.requires_grad) or g * 2)
    (x**2).sum().backward(create_graph=True)
    assert seen == [True]
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])


# -- nodes with several outputs -------------------------------------------------------------------

def test_max_with_dim_is_one_node_with_values_and_indices():
    x = mt.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]], requires_grad=True)
    result = x.max(1)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert values.grad_fn is not None and indices.grad_fn is None and not indices.requires_grad
    np.testing.assert_array_equal(indices.data, [1, 0])
    values.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 1, 0], [1, 0, 0]])


def test_split_is_one_node_and_an_unused_piece_gets_zeros():
    x = mt.tensor(np.arange(6.0), requires_grad=True)
    pieces = x.split([1, 2, 3])
    assert len({id(p.grad_fn) for p in pieces}) == 1
    (pieces[1] * 10).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 10, 10, 0, 0, 0])


def test_chunk_and_unbind_gradients_match_torch():
    data = np.random.default_rng(0).standard_normal((4, 3))
    x, t = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    first, second = x.chunk(2, 0)
    rows = x.unbind(1)
    (first * 2 + second.exp() + rows[0].sum() * rows[2].unsqueeze(1)[:2]).sum().backward()
    tf, ts = t.chunk(2, 0)
    trows = t.unbind(1)
    (tf * 2 + ts.exp() + trows[0].sum() * trows[2].unsqueeze(1)[:2]).sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-15)
    assert len(rows) == 3 and rows[0].shape == (4,)


def test_hook_on_one_output_of_a_multi_output_node():
    x = mt.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    a, b = x.split(2)
    b.register_hook(lambda g: g * 100)
    (a.sum() + b.sum()).backward()
    np.testing.assert_array_equal(x.grad.data, [1, 1, 100, 100])


def test_hessian_vector_product_matches_finite_differences_of_the_gradient():
    """Independent of torch: H v ~ (grad f(w + e v) - grad f(w - e v)) / (2 e)."""
    rng = np.random.default_rng(3)
    x, y = mt.tensor(rng.standard_normal((6, 3))), mt.tensor(rng.integers(0, 2, 6))
    w0, v = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))

    def loss(w):
        return mt.nn.functional.cross_entropy((x @ w).tanh() * 2, y)

    w = mt.tensor(w0, requires_grad=True)
    (g,) = mt.autograd.grad(loss(w), w, create_graph=True)
    (hv,) = mt.autograd.grad((g * mt.tensor(v)).sum(), w)
    eps = 1e-5
    grads = []
    for s in (1, -1):
        ws = mt.tensor(w0 + s * eps * v, requires_grad=True)
        grads.append(mt.autograd.grad(loss(ws), ws)[0].data)
    np.testing.assert_allclose(hv.data, (grads[0] - grads[1]) / (2 * eps), rtol=1e-6, atol=1e-9)


def test_unfold_and_fold_are_adjoint():
    """<unfold(x), c> == <x, fold(c)>: fold is unfold's transpose, which its backward relies on."""
    rng = np.random.default_rng(0)
    x, c = rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((2, 3 * 2 * 3, 9))
    cols = mt.nn.functional.unfold(mt.tensor(x), (2, 3), dilation=(2, 1), padding=1, stride=2)
    image = mt.nn.functional.fold(mt.tensor(c), (5, 6), (2, 3), dilation=(2, 1), padding=1, stride=2)
    assert cols.shape == c.shape
    np.testing.assert_allclose(np.sum(cols.data * c), np.sum(x * image.data), rtol=1e-13)
    with pytest.raises(RuntimeError, match=r"fold: expected input of shape \(N, C \* 2 \* 3, 9\)"):
        mt.nn.functional.fold(mt.tensor(c[:, :, :8]), (5, 6), (2, 3), dilation=(2, 1), padding=1, stride=2)


def test_every_op_has_a_differentiable_backward():
    """Each Function defines differentiable_backward, or composite (whose gradient serves as one),
    so create_graph=True works through every op of the engine."""
    import importlib
    import pkgutil

    import minitorch.nn
    import minitorch.ops
    from minitorch.autograd import Function

    for package in (minitorch.ops, minitorch.nn):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    missing = [f"{op.__module__}.{op.__name__}" for op in set(subclasses(Function))
               if "forward" in vars(op) and op.differentiable_backward is Function.differentiable_backward
               and op.composite is Function.composite]
    assert not missing, missing
    assert len(set(subclasses(Function))) > 40
