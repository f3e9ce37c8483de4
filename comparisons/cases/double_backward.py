"""Parity cases for second derivatives (`create_graph=True`), torch's own double backward as the
reference, all float64 at 1e-12 relative.

Each op case does on both sides, from the same inputs x, upstream gradient u and vector v:

1. y = f(x); the first-order gradients d = grad(y, x, u, create_graph=True), compared;
2. s = sum_i <d_i, v_i>; the second-order gradients grad(s, [x, u]), compared. The gradient
   with respect to x is the Hessian of <u, f> applied to v; the one with respect to u checks
   that the backward is recorded as a function of the upstream gradient too (for ops linear in
   x, such as reshape, that is the only second derivative there is).

A gradient that one side returns as None (not connected) and the other as exact zeros counts
as equal; None against anything non-zero fails. Every case must produce at least one non-zero
second-order value, so that no case passes by comparing zeros with zeros.

Then three uses of second derivatives: a WGAN-GP gradient penalty, a Hessian-vector product and
Newton's method on f(x) = x^4 - 2 x^2.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as TF

import minitorch as mt
import minitorch.nn.functional as F
from comparisons.builders import (
    Input,
    as_numpy,
    booleans,
    copy_torch_weights,
    flatten_outputs,
    randn,
    to_minitorch,
    to_torch,
    uniform,
)
from comparisons.registry import FLOAT64_RTOL, Case, Check, Outcome, register

GROUP = "double_backward"
PREFIX = "d2_"  # case names are unique across groups: d2_exp here, exp among the first-order ops
RTOL, ATOL = FLOAT64_RTOL, None  # None: rtol times the largest |expected| (see registry.Check)


def _pair_check(label: str, kind: str, actual: Any, expected: Any, atol: float | None, rtol: float) -> Check:
    """Compare two gradients where either may be None (not connected to the graph)."""
    if actual is None and expected is None:
        raise AssertionError(f"{label}: neither side has this gradient; the case checks nothing here")
    shape_source = expected if expected is not None else actual
    e = np.zeros(tuple(shape_source.shape)) if expected is None else as_numpy(expected)
    a = np.zeros(e.shape, dtype=e.dtype) if actual is None else as_numpy(actual)
    missing = " (None on the minitorch side)" if actual is None else (
        " (None on the torch side)" if expected is None else "")
    return Check(label + missing, kind, a, e, atol, rtol)


def second_order(mt_call: Callable[[], Any], torch_call: Callable[[], Any], mt_x: Sequence[Any],
                 torch_x: Sequence[Any], rng: np.random.Generator, atol: float | None,
                 rtol: float) -> Outcome:
    """Steps 1-2 of the module docstring: `*_call()` computes the outputs on each side, `*_x` are
    the tensors to differentiate with respect to (inputs, parameters), in the same order."""
    start = time.perf_counter()
    mt_outs = [o for o in flatten_outputs(mt_call()) if o.requires_grad]
    mt_seconds = time.perf_counter() - start
    start = time.perf_counter()
    torch_outs = [o for o in flatten_outputs(torch_call()) if o.requires_grad]
    torch_seconds = time.perf_counter() - start
    if len(mt_outs) != len(torch_outs):
        raise AssertionError(f"minitorch has {len(mt_outs)} differentiable outputs, torch {len(torch_outs)}")
    checks = [Check(f"output {i}", "forward", as_numpy(m), as_numpy(t), atol, rtol)
              for i, (m, t) in enumerate(zip(mt_outs, torch_outs, strict=True))]
    upstream = [rng.standard_normal(tuple(t.shape)) for t in torch_outs]
    mt_u = [mt.tensor(u, requires_grad=True) for u in upstream]
    torch_u = [torch.tensor(u, requires_grad=True) for u in upstream]
    vectors = [rng.standard_normal(tuple(t.shape)) for t in torch_x]

    start = time.perf_counter()
    mt_first = mt.autograd.grad(mt_outs, list(mt_x), mt_u, create_graph=True, allow_unused=True)
    mt_terms = [(g * mt.tensor(v)).sum() for g, v in zip(mt_first, vectors, strict=True)
                if g is not None and g.requires_grad]
    if not mt_terms:
        raise AssertionError("minitorch's first-order gradients have no graph (create_graph ignored?)")
    mt_second = mt.autograd.grad(sum(mt_terms[1:], mt_terms[0]), list(mt_x) + mt_u, allow_unused=True)
    mt_seconds += time.perf_counter() - start

    start = time.perf_counter()
    torch_first = torch.autograd.grad(torch_outs, list(torch_x), torch_u, create_graph=True,
                                      allow_unused=True)
    torch_terms = [(g * torch.tensor(v)).sum() for g, v in zip(torch_first, vectors, strict=True)
                   if g is not None and g.requires_grad]
    if not torch_terms:
        raise AssertionError("torch's first-order gradients have no graph: nothing to differentiate")
    torch_second = torch.autograd.grad(sum(torch_terms[1:], torch_terms[0]), list(torch_x) + torch_u,
                                       allow_unused=True)
    torch_seconds += time.perf_counter() - start

    checks += [_pair_check(f"grad of input {i}", "grad", m, t, atol, rtol)
               for i, (m, t) in enumerate(zip(mt_first, torch_first, strict=True))]
    labels = [f"second-order grad of input {i}" for i in range(len(mt_x))]
    labels += [f"second-order grad of upstream {i}" for i in range(len(mt_u))]
    seconds = [(label, m, t) for label, m, t in zip(labels, mt_second, torch_second, strict=True)
               if m is not None or t is not None]
    if not any(t is not None and bool(torch.any(t != 0)) for _, _, t in seconds):
        raise AssertionError("every second-order gradient is zero: the case proves nothing")
    checks += [_pair_check(label, "grad", m, t, atol, rtol) for label, m, t in seconds]
    return Outcome(checks, mt_seconds, torch_seconds)


def double_backward_case(name: str, mt_fn: Callable[..., Any], torch_fn: Callable[..., Any],
                         inputs: Sequence[Input], *, atol: float | None = ATOL, rtol: float = RTOL,
                         seed: int = 0, looser_because: str = "") -> Case:
    """Register a second-order case for `mt_fn(*inputs)` against `torch_fn(*inputs)`; every
    input made with grad=True is differentiated."""
    def run(rng: np.random.Generator) -> Outcome:
        arrays = [spec(rng) for spec in inputs]
        mt_in = [to_minitorch(a, s.grad) for a, s in zip(arrays, inputs, strict=True)]
        torch_in = [to_torch(a, s.grad) for a, s in zip(arrays, inputs, strict=True)]
        return second_order(lambda: mt_fn(*mt_in), lambda: torch_fn(*torch_in),
                            [t for t in mt_in if t.requires_grad], [t for t in torch_in if t.requires_grad],
                            rng, atol, rtol)

    return register(Case(PREFIX + name, GROUP, run, seed, looser_because=looser_because))


def double_backward_module_case(name: str, torch_factory: Callable[[], torch.nn.Module],
                                mt_factory: Callable[[], Any], inputs: Sequence[Input], *,
                                forward: Callable[[Any, list[Any]], Any] | None = None,
                                train: bool = True, atol: float | None = ATOL, rtol: float = RTOL,
                                seed: int = 0, looser_because: str = "") -> Case:
    """A second-order case for a module on copied weights: the inputs made with grad=True and
    then every parameter (in torch's order, matched by name) are differentiated."""
    call = forward or (lambda module, args: module(*args))

    def run(rng: np.random.Generator) -> Outcome:
        torch.manual_seed(int(rng.integers(2**31)))
        torch_module = torch_factory().double().train(train)
        mt_module = mt_factory().to(mt.float64).train(train)
        copy_torch_weights(torch_module, mt_module)
        arrays = [spec(rng) for spec in inputs]
        mt_in = [to_minitorch(a, s.grad) for a, s in zip(arrays, inputs, strict=True)]
        torch_in = [to_torch(a, s.grad) for a, s in zip(arrays, inputs, strict=True)]
        mt_params = dict(mt_module.named_parameters())
        names = [n for n, _ in torch_module.named_parameters()]
        return second_order(
            lambda: call(mt_module, mt_in), lambda: call(torch_module, torch_in),
            [t for t in mt_in if t.requires_grad] + [mt_params[n] for n in names],
            [t for t in torch_in if t.requires_grad] + [p for _, p in torch_module.named_parameters()],
            rng, atol, rtol)

    return register(Case(PREFIX + name, GROUP, run, seed, looser_because=looser_because))


# -- arithmetic, with broadcasting -----------------------------------------------------------------
case = double_backward_case
case("add_broadcast", lambda a, b: (a + b) * (a + b), lambda a, b: (a + b) * (a + b),
     [randn(2, 3, 1), randn(3, 4)])
case("sub_scalar_square", lambda a, b: (a - b) ** 2 - (1 - a), lambda a, b: (a - b) ** 2 - (1 - a),
     [randn(3, 4), randn(4)])
case("mul_broadcast", lambda a, b: a * b, lambda a, b: a * b, [randn(2, 3, 4), randn(4)])
case("mul_same_tensor", lambda a: a * a * a, lambda a: a * a * a, [randn(5)])
case("div_broadcast", lambda a, b: a / b, lambda a, b: a / b, [randn(3, 4), uniform(3, 1, low=0.5, high=2)])
case("neg_reciprocal", lambda a: -(2 / a), lambda a: -(2 / a), [uniform(6, low=0.5, high=2)])
case("pow_scalar_int", lambda a: a**3, lambda a: a**3, [randn(3, 4)])
case("pow_scalar_fraction", lambda a: a**-1.5, lambda a: a**-1.5, [uniform(3, 4, low=0.2, high=3)])
case("pow_tensor", lambda a, b: a**b, lambda a, b: a**b, [uniform(3, 4, low=0.2, high=2), randn(3, 4)])
case("rpow_scalar_base", lambda a: 2.0**a, lambda a: 2.0**a, [randn(4, 3)])

# -- matmul in every arrangement ---------------------------------------------------------------------
case("matmul_2d", lambda a, b: a @ b, lambda a, b: a @ b, [randn(3, 4), randn(4, 5)])
case("matmul_1d_1d", lambda a, b: (a @ b) * (a @ b), lambda a, b: (a @ b) * (a @ b), [randn(4), randn(4)])
case("matmul_vector_matrix", lambda a, b: a @ b, lambda a, b: a @ b, [randn(4), randn(4, 3)])
case("matmul_matrix_vector", lambda a, b: a @ b, lambda a, b: a @ b, [randn(3, 4), randn(4)])
case("matmul_broadcast_batch", lambda a, b: a @ b, lambda a, b: a @ b, [randn(2, 1, 3, 4), randn(5, 4, 2)])
case("matmul_3d_2d_weight", lambda a, b: a @ b.T, lambda a, b: a @ b.T, [randn(2, 3, 4), randn(5, 4)])

# -- elementwise functions ---------------------------------------------------------------------------
for name, mt_fn, torch_fn, make in [
    ("exp", mt.exp, torch.exp, randn(3, 4)),
    ("log", mt.log, torch.log, uniform(3, 4, low=0.1, high=5)),
    ("sqrt", mt.sqrt, torch.sqrt, uniform(3, 4, low=0.1, high=5)),
    ("sin", mt.sin, torch.sin, randn(3, 4)),
    ("cos", mt.cos, torch.cos, randn(3, 4)),
    ("tanh", mt.tanh, torch.tanh, randn(3, 4, scale=2)),
    ("sigmoid", mt.sigmoid, torch.sigmoid, randn(3, 4, scale=3)),
    ("gelu", F.gelu, TF.gelu, randn(3, 4, scale=2)),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh"),
     randn(3, 4, scale=2)),
    ("silu", F.silu, TF.silu, randn(3, 4, scale=2)),
]:
    case(name, mt_fn, torch_fn, [make])
# Piecewise-linear functions: second derivative 0 in x, so the product with x makes one.
case("abs_times_x", lambda a: a.abs() * a, lambda a: a.abs() * a, [randn(3, 4)])
case("relu_times_x", lambda a: mt.relu(a) * a, lambda a: torch.relu(a) * a, [randn(3, 4)])
case("leaky_relu_times_x", lambda a: F.leaky_relu(a, 0.2) * a, lambda a: TF.leaky_relu(a, 0.2) * a,
     [randn(3, 4)])
case("clamp_times_x", lambda a: a.clamp(-0.5, 0.5) * a, lambda a: a.clamp(-0.5, 0.5) * a, [randn(4, 5)])
case("maximum_minimum", lambda a, b: mt.maximum(a, b) * mt.minimum(a, b),
     lambda a, b: torch.maximum(a, b) * torch.minimum(a, b), [randn(3, 4), randn(4)])
case("where_masked_fill", lambda c, a, b: mt.where(c, a * a, b).masked_fill(c, 2.0) + mt.where(c, a, b**3),
     lambda c, a, b: torch.where(c, a * a, b).masked_fill(c, 2.0) + torch.where(c, a, b**3),
     [booleans(3, 4), randn(3, 4), randn(4)])

# -- reductions and the softmax family ---------------------------------------------------------------
case("sum_dims_squared", lambda a: a.sum((0, 2)) ** 2, lambda a: a.sum((0, 2)) ** 2, [randn(3, 4, 5)])
case("mean_dim_keepdim_times_x", lambda a: a.mean(1, keepdim=True) * a,
     lambda a: a.mean(1, keepdim=True) * a, [randn(3, 4)])
case("amax_times_x", lambda a: mt.amax(a, 1, keepdim=True) * a, lambda a: torch.amax(a, 1, keepdim=True) * a,
     [randn(3, 4)])
case("max_dim_values_indices", lambda a: a.max(1).values ** 2, lambda a: a.max(1).values ** 2, [randn(3, 4)])
case("min_dim_keepdim", lambda a: (a.min(0, keepdim=True)[0] * a).sum(),
     lambda a: (a.min(0, keepdim=True)[0] * a).sum(), [randn(3, 4)])
case("var_dim", lambda a: a.var(1), lambda a: a.var(1), [randn(3, 5)])
case("std_all", lambda a: a.std(), lambda a: a.std(), [randn(4, 3)])
case("logsumexp", lambda a: a.logsumexp(1), lambda a: a.logsumexp(1), [randn(3, 4)])
case("softmax", lambda a: a.softmax(-1), lambda a: a.softmax(-1), [randn(3, 5)])
case("log_softmax_dim0", lambda a: a.log_softmax(0), lambda a: a.log_softmax(0), [randn(4, 3)])

# -- shape ops and indexing (linear: their second derivatives come through the product) -------------
case("reshape_permute_expand", lambda a: a.reshape(4, 3).T.unsqueeze(0).expand(2, 3, 4) * a.reshape(3, 4),
     lambda a: a.reshape(4, 3).T.unsqueeze(0).expand(2, 3, 4) * a.reshape(3, 4), [randn(3, 4)])
case("getitem_int_array_repeats", lambda a: a[[0, 2, 0]] * a[1:4], lambda a: a[[0, 2, 0]] * a[1:4],
     [randn(5, 3)])
case("getitem_slices_mask", lambda a: a[:, 1:3] ** 2 + a[a > 0].sum(),
     lambda a: a[:, 1:3] ** 2 + a[a > 0].sum(), [randn(3, 4)])
case("cat_stack", lambda a, b: mt.cat([a, b * a], 1) * mt.stack([a, b], 1).reshape(3, 4),
     lambda a, b: torch.cat([a, b * a], 1) * torch.stack([a, b], 1).reshape(3, 4), [randn(3, 2), randn(3, 2)])
case("split_unused_piece", lambda a: a.split([1, 2, 2], 1)[1] ** 3, lambda a: a.split([1, 2, 2], 1)[1] ** 3,
     [randn(3, 5)])
case("chunk_unbind", lambda a: a.chunk(2, 0)[0] * a.unbind(0)[2], lambda a: a.chunk(2, 0)[0] * a.unbind(0)[2],
     [randn(4, 3)])
case("pad_dtype", lambda a: F.pad(a, (1, 2)) ** 2, lambda a: TF.pad(a, (1, 2)) ** 2, [randn(2, 3)])
