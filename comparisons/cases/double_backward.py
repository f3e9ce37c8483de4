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
    fixed,
    flatten_outputs,
    integers,
    randn,
    to_minitorch,
    to_torch,
    uniform,
)
from comparisons.registry import FLOAT64_RTOL, Case, Check, Outcome, register
from minitorch.ops.conv_plain import conv2d_plain

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

# -- convolution, im2col / col2im, pooling -----------------------------------------------------------
case("conv2d", lambda x, w, b: F.conv2d(x, w, b), lambda x, w, b: TF.conv2d(x, w, b),
     [randn(2, 3, 6, 5), randn(4, 3, 3, 3), randn(4)])
case("conv2d_stride_padding_dilation", lambda x, w: F.conv2d(x, w, None, 2, 2, 2),
     lambda x, w: TF.conv2d(x, w, None, 2, 2, 2), [randn(2, 2, 9, 8), randn(3, 2, 3, 2)])
case("conv2d_groups_same_even_kernel", lambda x, w, b: F.conv2d(x, w, b, padding="same", groups=2),
     lambda x, w, b: TF.conv2d(x, w, b, padding="same", groups=2),
     [randn(1, 4, 5, 6), randn(6, 2, 2, 4), randn(6)])
case("conv2d_twice", lambda x, w: F.conv2d(F.conv2d(x, w, padding=1).tanh(), w, padding=1),
     lambda x, w: TF.conv2d(TF.conv2d(x, w, padding=1).tanh(), w, padding=1),
     [randn(1, 2, 5, 5), randn(2, 2, 3, 3)])
case("conv2d_plain_groups_stride", lambda x, w, b: conv2d_plain(x, w, b, 2, 1, groups=2),
     lambda x, w, b: TF.conv2d(x, w, b, 2, 1, groups=2), [randn(2, 4, 5, 6), randn(6, 2, 3, 3), randn(6)])
case("unfold_fold", lambda x: F.fold(F.unfold(x, 3, 1, 1, 2) ** 2, (5, 6), 3, 1, 1, 2),
     lambda x: TF.fold(TF.unfold(x, 3, 1, 1, 2) ** 2, (5, 6), 3, 1, 1, 2), [randn(2, 3, 5, 6)])
case("max_pool2d_padding_ceil", lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True) ** 2,
     lambda x: TF.max_pool2d(x, 3, 2, 1, ceil_mode=True) ** 2, [randn(2, 3, 8, 7)])
case("max_pool2d_2x2_return_indices", lambda x: F.max_pool2d(x, 2, return_indices=True)[0] ** 2,
     lambda x: TF.max_pool2d(x, 2, return_indices=True)[0] ** 2, [randn(2, 3, 6, 4)])
case("max_pool2d_dilation", lambda x: F.max_pool2d(x, 2, 1, dilation=2),
     lambda x: TF.max_pool2d(x, 2, 1, dilation=2),
     [randn(1, 2, 6, 6)])
case("avg_pool2d_padding_ceil",
     lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False) ** 2,
     lambda x: TF.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False) ** 2, [randn(2, 3, 8, 7)])
case("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 3)) ** 2,
     lambda x: TF.adaptive_avg_pool2d(x, (2, 3)) ** 2, [randn(2, 3, 5, 7)])

# -- normalization, embedding ------------------------------------------------------------------------
module = double_backward_module_case
module("BatchNorm2d_train", lambda: torch.nn.BatchNorm2d(3), lambda: mt.nn.BatchNorm2d(3),
       [randn(4, 3, 2, 3)])
module("BatchNorm1d_eval", lambda: torch.nn.BatchNorm1d(4), lambda: mt.nn.BatchNorm1d(4),
       [randn(5, 4)], train=False)
module("LayerNorm", lambda: torch.nn.LayerNorm((3, 4)), lambda: mt.nn.LayerNorm((3, 4)), [randn(2, 3, 4)])
case("layer_norm_no_affine_times_x", lambda x: F.layer_norm(x, (5,)) * x,
     lambda x: TF.layer_norm(x, (5,)) * x,
     [randn(3, 5)])
case("embedding_padding_idx", lambda i, w: F.embedding(i, w, padding_idx=1) ** 2,
     lambda i, w: TF.embedding(i, w, padding_idx=1) ** 2,
     [fixed([[0, 1, 3], [3, 3, 2]], "int64", grad=False), randn(4, 3)])

# -- losses --------------------------------------------------------------------------------------------
case("cross_entropy_weight_smoothing_ignore",
     lambda x, y, w: F.cross_entropy(x, y, w, ignore_index=2, label_smoothing=0.1),
     lambda x, y, w: TF.cross_entropy(x, y, w, ignore_index=2, label_smoothing=0.1),
     [randn(6, 4), fixed([0, 2, 3, 1, 2, 0], "int64", grad=False), uniform(4, low=0.5, high=2, grad=False)])
case("cross_entropy_probabilities_spatial", lambda x, t: F.cross_entropy(x, t, reduction="sum"),
     lambda x, t: TF.cross_entropy(x, t, reduction="sum"),
     [randn(2, 3, 2, 2), uniform(2, 3, 2, 2, low=0, high=1, grad=False)])
case("cross_entropy_differentiable_probabilities",
     lambda x, t: F.cross_entropy(x, t.softmax(1), label_smoothing=0.2),
     lambda x, t: TF.cross_entropy(x, t.softmax(1), label_smoothing=0.2), [randn(4, 3), randn(4, 3)])
case("nll_loss_of_log_softmax", lambda x, y: F.nll_loss(F.log_softmax(x, 1), y),
     lambda x, y: TF.nll_loss(TF.log_softmax(x, 1), y), [randn(5, 3), integers(0, 3, 5)])
case("binary_cross_entropy", lambda p, y, w: F.binary_cross_entropy(p, y, w),
     lambda p, y, w: TF.binary_cross_entropy(p, y, w),
     [uniform(3, 4, low=0.1, high=0.9), uniform(3, 4, low=0, high=1),
      uniform(3, 4, low=0.5, high=1.5, grad=False)],
     rtol=1e-10, looser_because="torch's double backward of binary_cross_entropy regularizes with "
     "(p + 1e-12)^2 (1 - p + 1e-12)^2 where the exact second derivative has p^2 (1 - p)^2: a relative "
     "difference up to about 4e-12 / min(p, 1 - p), 4e-11 for p in [0.1, 0.9]")
case("binary_cross_entropy_with_logits_pos_weight",
     lambda x, y, pw: F.binary_cross_entropy_with_logits(x, y, pos_weight=pw, reduction="sum"),
     lambda x, y, pw: TF.binary_cross_entropy_with_logits(x, y, pos_weight=pw, reduction="sum"),
     [randn(3, 4, scale=2), uniform(3, 4, low=0, high=1), uniform(4, low=0.5, high=2, grad=False)])
case("mse_l1", lambda a, b: F.mse_loss(a, b) + F.l1_loss(a * a, b),
     lambda a, b: TF.mse_loss(a, b) + TF.l1_loss(a * a, b),
     [randn(3, 4), randn(3, 4)])

# -- layers, attention -----------------------------------------------------------------------------------
module("MLP_tanh", lambda: torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)),
       lambda: mt.nn.Sequential(mt.nn.Linear(4, 5), mt.nn.Tanh(), mt.nn.Linear(5, 2)), [randn(3, 4)])
module("Conv_BN_ReLU_pool_Linear",
       lambda: torch.nn.Sequential(
           torch.nn.Conv2d(2, 3, 3, padding=1, bias=False), torch.nn.BatchNorm2d(3), torch.nn.GELU(),
           torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(12, 2)),
       lambda: mt.nn.Sequential(
           mt.nn.Conv2d(2, 3, 3, padding=1, bias=False), mt.nn.BatchNorm2d(3), mt.nn.GELU(),
           mt.nn.MaxPool2d(2), mt.nn.Flatten(), mt.nn.Linear(12, 2)), [randn(2, 2, 4, 4)])
case("scaled_dot_product_attention_causal",
     lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
     lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, is_causal=True),
     [randn(2, 3, 4), randn(2, 3, 4), randn(2, 3, 5)])
module("MultiheadAttention", lambda: torch.nn.MultiheadAttention(6, 2),
       lambda: mt.nn.MultiheadAttention(6, 2),
       [randn(3, 2, 6), randn(4, 2, 6), randn(4, 2, 6)], forward=lambda m, a: m(*a)[0])


def math_attention(module: Any, args: list[Any]) -> Any:
    """Run the module with torch's plain (math) attention: its fused CPU kernel has no double backward."""
    with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.MATH):
        return module(*args)


module("TransformerEncoderLayer", lambda: torch.nn.TransformerEncoderLayer(6, 2, 8, dropout=0.0),
       lambda: mt.nn.TransformerEncoderLayer(6, 2, 8, dropout=0.0), [randn(3, 2, 6)], forward=math_attention)


# -- recurrent layers (the fused scans' differentiable backward is the cells unrolled) ----------------
module("RNN_tanh_2layers_bidirectional", lambda: torch.nn.RNN(3, 4, num_layers=2, bidirectional=True),
       lambda: mt.nn.RNN(3, 4, num_layers=2, bidirectional=True), [randn(4, 2, 3)])
module("RNN_relu_hx", lambda: torch.nn.RNN(3, 4, nonlinearity="relu"),
       lambda: mt.nn.RNN(3, 4, nonlinearity="relu"), [randn(3, 2, 3), randn(1, 2, 4)])
module("LSTM_hx", lambda: torch.nn.LSTM(3, 4), lambda: mt.nn.LSTM(3, 4),
       [randn(4, 2, 3), randn(1, 2, 4), randn(1, 2, 4)], forward=lambda m, a: m(a[0], (a[1], a[2])))
module("LSTM_bidirectional_batch_first", lambda: torch.nn.LSTM(3, 4, batch_first=True, bidirectional=True),
       lambda: mt.nn.LSTM(3, 4, batch_first=True, bidirectional=True), [randn(2, 3, 3)])
module("GRU_2layers", lambda: torch.nn.GRU(3, 4, num_layers=2), lambda: mt.nn.GRU(3, 4, num_layers=2),
       [randn(4, 2, 3)])
module("LSTMCell", lambda: torch.nn.LSTMCell(3, 4), lambda: mt.nn.LSTMCell(3, 4), [randn(2, 3)])

# -- uses of second derivatives ------------------------------------------------------------------------

def _critics() -> tuple[torch.nn.Module, Any]:
    """A small WGAN critic on both sides, torch's weights copied into minitorch's."""
    torch_critic = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.LeakyReLU(0.2), torch.nn.Linear(8, 8),
                                       torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    mt_critic = mt.nn.Sequential(mt.nn.Linear(4, 8), mt.nn.LeakyReLU(0.2), mt.nn.Linear(8, 8), mt.nn.Tanh(),
                                 mt.nn.Linear(8, 1)).to(mt.float64)
    copy_torch_weights(torch_critic, mt_critic)
    return torch_critic, mt_critic


def _critic_loss(grad_fn: Callable[..., Any], critic: Any, real: Any, fake: Any, mix: Any) -> tuple[Any, Any]:
    """WGAN-GP critic loss: E[D(fake)] - E[D(real)] + 10 E[(||d D(x_hat) / d x_hat|| - 1)^2],
    x_hat = mix real + (1 - mix) fake (the same code runs on either library, given its grad)."""
    x_hat = mix * real + (1 - mix) * fake
    x_hat.requires_grad_(True)
    (slopes,) = grad_fn(critic(x_hat).sum(), x_hat, create_graph=True)
    penalty = (((slopes * slopes).sum(1).sqrt() - 1) ** 2).mean()
    return critic(fake).mean() - critic(real).mean() + 10 * penalty, penalty


def gradient_penalty(rng: np.random.Generator) -> Outcome:
    torch.manual_seed(int(rng.integers(2**31)))
    torch_critic, mt_critic = _critics()
    real, fake = rng.standard_normal((6, 4)) + 1, rng.standard_normal((6, 4))
    mix = rng.uniform(0, 1, (6, 1))
    start = time.perf_counter()
    mt_loss, mt_penalty = _critic_loss(mt.autograd.grad, mt_critic,
                                       *(mt.tensor(a) for a in (real, fake, mix)))
    mt_loss.backward()
    mt_seconds = time.perf_counter() - start
    start = time.perf_counter()
    torch_loss, torch_penalty = _critic_loss(torch.autograd.grad, torch_critic,
                                             *(torch.tensor(a) for a in (real, fake, mix)))
    torch_loss.backward()
    torch_seconds = time.perf_counter() - start
    checks = [Check("penalty", "forward", as_numpy(mt_penalty), as_numpy(torch_penalty), ATOL, RTOL),
              Check("critic loss", "forward", as_numpy(mt_loss), as_numpy(torch_loss), ATOL, RTOL)]
    mt_params = dict(mt_critic.named_parameters())
    checks += [_pair_check(f"grad of {name}", "grad", mt_params[name].grad, p.grad, ATOL, RTOL)
               for name, p in torch_critic.named_parameters()]
    return Outcome(checks, mt_seconds, torch_seconds)


def hessian_vector_product(rng: np.random.Generator) -> Outcome:
    """H v for the loss of a small tanh network, by double backward: grad(<grad f(w), v>, w)."""
    x, y = rng.standard_normal((8, 3)), rng.integers(0, 2, 8)
    w1, w2, v1, v2 = (rng.standard_normal(s) for s in ((3, 5), (5, 2), (3, 5), (5, 2)))

    def hvp(lib: Any, grad_fn: Callable[..., Any], cross_entropy: Callable[..., Any]) -> list[Any]:
        weights = [lib.tensor(w, requires_grad=True) for w in (w1, w2)]
        loss = cross_entropy((lib.tensor(x) @ weights[0]).tanh() @ weights[1], lib.tensor(y))
        grads = grad_fn(loss, weights, create_graph=True)
        directional = (grads[0] * lib.tensor(v1)).sum() + (grads[1] * lib.tensor(v2)).sum()
        return [*grads, *grad_fn(directional, weights)]

    start = time.perf_counter()
    mine = hvp(mt, mt.autograd.grad, F.cross_entropy)
    mt_seconds = time.perf_counter() - start
    start = time.perf_counter()
    theirs = hvp(torch, torch.autograd.grad, TF.cross_entropy)
    torch_seconds = time.perf_counter() - start
    labels = ["grad of w1", "grad of w2", "Hv of w1", "Hv of w2"]
    return Outcome([Check(label, "grad", as_numpy(m), as_numpy(t), ATOL, RTOL)
                    for label, m, t in zip(labels, mine, theirs, strict=True)], mt_seconds, torch_seconds)


def newton_quartic(rng: np.random.Generator) -> Outcome:
    """Newton's method x <- x - f'(x) / f''(x) on f(x) = x^4 - 2 x^2 (minima at +-1), elementwise
    from several starts, f' and f'' both by autograd; every iterate is compared."""
    starts = np.array([0.7, 1.5, -2.0, 3.0, -0.8])

    def iterates(lib: Any, grad_fn: Callable[..., Any]) -> list[np.ndarray]:
        x, path = lib.tensor(starts, requires_grad=True), []
        for _ in range(10):
            (slope,) = grad_fn((x**4 - 2 * x**2).sum(), x, create_graph=True)
            (curvature,) = grad_fn(slope.sum(), x)  # f is a sum of 1-D terms: the Hessian is diagonal
            x = lib.tensor(as_numpy(x - slope / curvature).copy(), requires_grad=True)
            path.append(as_numpy(x).copy())
        return path

    start = time.perf_counter()
    mine = iterates(mt, mt.autograd.grad)
    mt_seconds = time.perf_counter() - start
    start = time.perf_counter()
    theirs = iterates(torch, torch.autograd.grad)
    torch_seconds = time.perf_counter() - start
    checks = [Check(f"iterate {k + 1}", "state", m, t, ATOL, RTOL)
              for k, (m, t) in enumerate(zip(mine, theirs, strict=True))]
    checks.append(Check("converged to the minima", "state", np.abs(mine[-1]), np.ones(len(starts)),
                        ATOL, RTOL))
    return Outcome(checks, mt_seconds, torch_seconds)


register(Case(PREFIX + "gradient_penalty_wgan_gp", GROUP, gradient_penalty))
register(Case(PREFIX + "hessian_vector_product", GROUP, hessian_vector_product))
register(Case(PREFIX + "newton_quartic", GROUP, newton_quartic))
