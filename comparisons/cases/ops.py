"""Parity cases for the tensor ops of the engine (minitorch.ops), in float64 unless the dtype is
the point. Inputs that sit on a kink on purpose (ties, clamp bounds) skip the
finite-difference check but are still compared with torch, gradient included."""

from __future__ import annotations

import torch
import torch.nn.functional as F

import minitorch as mt
from comparisons.builders import booleans, fixed, integers, op_case, randn, uniform
from comparisons.registry import FLOAT64_RTOL
from minitorch.ops.shape import pad

# -- arithmetic and broadcasting ----------------------------------------------------------------
op_case("add", lambda a, b: a + b, lambda a, b: a + b, [randn(3, 4), randn(3, 4)])
op_case("add_broadcast", lambda a, b: a + b, lambda a, b: a + b, [randn(2, 3, 1), randn(3, 4)])
op_case("add_scalar", lambda a: a + 2.5, lambda a: a + 2.5, [randn(3, 4)])
op_case("sub_broadcast", lambda a, b: a - b, lambda a, b: a - b, [randn(4, 1), randn(1, 5)])
op_case("rsub_scalar", lambda a: 1 - a, lambda a: 1 - a, [randn(3, 4)])
op_case("mul_broadcast", lambda a, b: a * b, lambda a, b: a * b, [randn(2, 3, 4), randn(4)])
op_case("mul_scalar", lambda a: a * -3.0, lambda a: a * -3.0, [randn(5)])
op_case("div_broadcast", lambda a, b: a / b, lambda a, b: a / b,
        [randn(3, 4), uniform(3, 1, low=0.5, high=2.0)])
op_case("rdiv_scalar", lambda a: 2 / a, lambda a: 2 / a, [uniform(6, low=0.5, high=2.0)])
op_case("neg", lambda a: -a, lambda a: -a, [randn(2, 3)])
op_case("pow_scalar_int", lambda a: a**3, lambda a: a**3, [randn(3, 4)])
op_case("pow_scalar_fraction", lambda a: a**0.5, lambda a: a**0.5, [uniform(3, 4, low=0.1, high=3)])
op_case("pow_scalar_negative", lambda a: a**-2.0, lambda a: a**-2.0, [uniform(5, low=0.5, high=2)])
op_case("pow_tensor", lambda a, b: a**b, lambda a, b: a**b,
        [uniform(3, 4, low=0.2, high=2), randn(3, 4)])
op_case("rpow_scalar_base", lambda a: 2.0**a, lambda a: 2.0**a, [randn(4, 3)])
op_case("pow_zero_base", lambda a, b: a**b, lambda a, b: a**b,
        [fixed([0.0, 0.0, 1.5]), fixed([2.0, 3.0, 2.0])], gradcheck=False)

# -- matmul in every arrangement -----------------------------------------------------------------
op_case("matmul_2d", lambda a, b: a @ b, lambda a, b: a @ b, [randn(3, 4), randn(4, 5)])
op_case("matmul_1d_1d", lambda a, b: a @ b, lambda a, b: a @ b, [randn(4), randn(4)])
op_case("matmul_1d_2d", lambda a, b: a @ b, lambda a, b: a @ b, [randn(4), randn(4, 3)])
op_case("matmul_2d_1d", lambda a, b: a @ b, lambda a, b: a @ b, [randn(3, 4), randn(4)])
op_case("matmul_batched", lambda a, b: a @ b, lambda a, b: a @ b,
        [randn(2, 3, 4, 5), randn(2, 3, 5, 2)])
op_case("matmul_broadcast_batch", lambda a, b: a @ b, lambda a, b: a @ b,
        [randn(2, 1, 3, 4), randn(5, 4, 2)])
op_case("matmul_3d_2d", lambda a, b: a @ b, lambda a, b: a @ b, [randn(2, 3, 4), randn(4, 5)])
op_case("matmul_1d_3d", lambda a, b: a @ b, lambda a, b: a @ b, [randn(4), randn(2, 4, 3)])
op_case("matmul_float32", lambda a, b: a @ b, lambda a, b: a @ b,
        [randn(8, 16, dtype="float32"), randn(16, 4, dtype="float32")], atol=1e-5, rtol=1e-5,
        gradcheck=False)

# -- elementwise functions -----------------------------------------------------------------------
op_case("exp", mt.exp, torch.exp, [randn(3, 4)])
op_case("log", mt.log, torch.log, [uniform(3, 4, low=0.1, high=5)])
op_case("sqrt", mt.sqrt, torch.sqrt, [uniform(3, 4, low=0.1, high=5)])
op_case("abs", mt.abs, torch.abs, [randn(3, 4)])
op_case("abs_at_zero", mt.abs, torch.abs, [fixed([-1.0, 0.0, 2.0])], gradcheck=False)
op_case("sin", mt.sin, torch.sin, [randn(3, 4)])
op_case("cos", mt.cos, torch.cos, [randn(3, 4)])
op_case("tanh", mt.tanh, torch.tanh, [randn(3, 4, scale=3)])
op_case("sigmoid", mt.sigmoid, torch.sigmoid, [randn(3, 4, scale=3)])
op_case("sigmoid_extreme", mt.sigmoid, torch.sigmoid, [fixed([-800.0, -40.0, 0.0, 40.0, 800.0])],
        gradcheck=False)
op_case("relu", mt.relu, torch.relu, [randn(3, 4)])
op_case("relu_at_zero", mt.relu, torch.relu, [fixed([-1.0, 0.0, 1.0])], gradcheck=False)
op_case("clamp", lambda a: a.clamp(-0.5, 0.5), lambda a: a.clamp(-0.5, 0.5), [randn(4, 5)])
op_case("clamp_min_only", lambda a: a.clamp(min=0.1), lambda a: a.clamp(min=0.1), [randn(4, 5)])
op_case("clamp_at_bounds", lambda a: a.clamp(-1, 1), lambda a: a.clamp(-1, 1),
        [fixed([-2.0, -1.0, 0.0, 1.0, 2.0])], gradcheck=False)
op_case("maximum", mt.maximum, torch.maximum, [randn(3, 4), randn(3, 4)])
op_case("maximum_ties", mt.maximum, torch.maximum, [fixed([1.0, 2.0, 3.0]), fixed([1.0, 0.0, 3.0])],
        gradcheck=False)
op_case("minimum_broadcast", mt.minimum, torch.minimum, [randn(3, 4), randn(4)])
op_case("where", lambda c, a, b: mt.where(c, a, b), lambda c, a, b: torch.where(c, a, b),
        [booleans(3, 4), randn(3, 4), randn(4)])
op_case("masked_fill", lambda a, m: a.masked_fill(m, -2.5), lambda a, m: a.masked_fill(m, -2.5),
        [randn(2, 3, 4), booleans(3, 4)])

# -- reductions ----------------------------------------------------------------------------------
op_case("sum_all", lambda a: a.sum(), lambda a: a.sum(), [randn(3, 4)])
op_case("sum_dim_keepdim", lambda a: a.sum(1, keepdim=True), lambda a: a.sum(1, keepdim=True),
        [randn(3, 4, 5)])
op_case("sum_dims", lambda a: a.sum((0, 2)), lambda a: a.sum((0, 2)), [randn(3, 4, 5)])
op_case("mean_all", lambda a: a.mean(), lambda a: a.mean(), [randn(3, 4)])
op_case("mean_dim", lambda a: a.mean(-1), lambda a: a.mean(-1), [randn(3, 4, 5)])
op_case("max_all", lambda a: a.max(), lambda a: a.max(), [randn(3, 4)])
op_case("max_all_ties", lambda a: a.max(), lambda a: a.max(), [fixed([[1.0, 3.0], [3.0, 0.0]])],
        gradcheck=False)
op_case("max_dim", lambda a: a.max(1), lambda a: a.max(1), [randn(3, 4)])
op_case("min_dim_keepdim", lambda a: a.min(0, keepdim=True), lambda a: a.min(0, keepdim=True),
        [randn(3, 4)])
op_case("min_all", lambda a: a.min(), lambda a: a.min(), [randn(3, 4)])
op_case("amax_ties", lambda a: a.amax((0, 1)), lambda a: a.amax((0, 1)),
        [fixed([[[1.0, 2.0], [5.0, 2.0]], [[5.0, 1.0], [0.0, 2.0]]])], gradcheck=False)
op_case("amin_dim", lambda a: mt.amin(a, 1), lambda a: torch.amin(a, 1), [randn(3, 4)])
op_case("var_default", lambda a: a.var(), lambda a: a.var(), [randn(3, 4)])
op_case("var_correction0_dim", lambda a: a.var(1, correction=0), lambda a: a.var(1, correction=0),
        [randn(3, 4)])
op_case("std_dim_keepdim", lambda a: a.std(0, keepdim=True), lambda a: a.std(0, keepdim=True),
        [randn(5, 4)])
op_case("std_biased", lambda a: a.std(unbiased=False), lambda a: a.std(unbiased=False), [randn(6)])
op_case("logsumexp", lambda a: a.logsumexp(1), lambda a: a.logsumexp(1), [randn(3, 4)])
op_case("logsumexp_large", lambda a: a.logsumexp(-1), lambda a: a.logsumexp(-1),
        [uniform(3, 4, low=900, high=1000)])
op_case("softmax", lambda a: a.softmax(-1), lambda a: a.softmax(-1), [randn(3, 5)])
op_case("softmax_dim0_large", lambda a: a.softmax(0), lambda a: a.softmax(0),
        [uniform(4, 3, low=-1000, high=1000)], gradcheck=False)
op_case("log_softmax", lambda a: a.log_softmax(1), lambda a: a.log_softmax(1), [randn(3, 5)])
op_case("log_softmax_large", lambda a: a.log_softmax(-1), lambda a: a.log_softmax(-1),
        [uniform(3, 4, low=-500, high=500)], gradcheck=False)
op_case("argmax", lambda a: a.argmax(1), lambda a: a.argmax(1), [randn(3, 4, grad=False)])
op_case("argmax_flat", lambda a: a.argmax(), lambda a: a.argmax(), [randn(3, 4, grad=False)])

# -- shape ops and indexing ----------------------------------------------------------------------
op_case("reshape", lambda a: a.reshape(4, 3), lambda a: a.reshape(4, 3), [randn(3, 4)])
op_case("view_infer", lambda a: a.view(-1, 2), lambda a: a.view(-1, 2), [randn(3, 4)])
op_case("transpose", lambda a: a.transpose(0, 2), lambda a: a.transpose(0, 2), [randn(2, 3, 4)])
op_case("permute", lambda a: a.permute(2, 0, 1), lambda a: a.permute(2, 0, 1), [randn(2, 3, 4)])
op_case("T", lambda a: a.T, lambda a: a.T, [randn(3, 5)])
op_case("squeeze", lambda a: a.squeeze(), lambda a: a.squeeze(), [randn(1, 3, 1, 4)])
op_case("squeeze_dim", lambda a: a.squeeze(2), lambda a: a.squeeze(2), [randn(1, 3, 1, 4)])
op_case("unsqueeze", lambda a: a.unsqueeze(-1), lambda a: a.unsqueeze(-1), [randn(3, 4)])
op_case("flatten", lambda a: a.flatten(), lambda a: a.flatten(), [randn(2, 3, 4)])
op_case("flatten_start_dim", lambda a: a.flatten(1), lambda a: a.flatten(1), [randn(2, 3, 4)])
op_case("expand", lambda a: a.expand(2, 3, 4), lambda a: a.expand(2, 3, 4), [randn(3, 1)])
op_case("getitem_int_slice", lambda a: a[1, ::2], lambda a: a[1, ::2], [randn(3, 5)])
op_case("getitem_none_ellipsis", lambda a: a[None, ..., 1:], lambda a: a[None, ..., 1:],
        [randn(2, 3, 4)])
op_case("getitem_negative", lambda a: a[-1, -3:], lambda a: a[-1, -3:], [randn(3, 5)])
op_case("getitem_repeated_indices", lambda a: a[[0, 2, 0, 0]], lambda a: a[[0, 2, 0, 0]],
        [randn(3, 4)])
op_case("getitem_index_tensor", lambda a, i: a[i], lambda a, i: a[i], [randn(5, 3), integers(0, 5, 7)])
op_case("getitem_bool_mask", lambda a, m: a[m], lambda a, m: a[m], [randn(3, 4), booleans(3, 4)])
op_case("getitem_advanced_pair", lambda a: a[[0, 2, 2], :, [1, 1, 0]],
        lambda a: a[[0, 2, 2], :, [1, 1, 0]], [randn(3, 4, 2)])
op_case("cat", lambda a, b: mt.cat([a, b], 1), lambda a, b: torch.cat([a, b], 1),
        [randn(2, 3), randn(2, 5)])
op_case("stack", lambda a, b: mt.stack([a, b], -1), lambda a, b: torch.stack([a, b], -1),
        [randn(2, 3), randn(2, 3)])
op_case("split", lambda a: a.split(2, 1), lambda a: a.split(2, 1), [randn(3, 5)])
op_case("split_sizes", lambda a: a.split([1, 3], 0), lambda a: a.split([1, 3], 0), [randn(4, 2)])
op_case("chunk", lambda a: a.chunk(3, -1), lambda a: a.chunk(3, -1), [randn(2, 7)])
op_case("pad", lambda a: pad(a, (1, 2, 0, 1), value=0.5), lambda a: F.pad(a, (1, 2, 0, 1), value=0.5),
        [randn(2, 3, 4)])

# -- dtypes ----------------------------------------------------------------------------------------
op_case("float32_chain", lambda a, b: ((a * b + 1.5).exp().sum(1) / 3).log(),
        lambda a, b: ((a * b + 1.5).exp().sum(1) / 3).log(),
        [randn(4, 5, dtype="float32"), randn(5, dtype="float32")], atol=1e-5, rtol=1e-5,
        gradcheck=False)
op_case("to_float32", lambda a: a.float() * 2, lambda a: a.float() * 2, [randn(3)], atol=1e-6,
        grad_atol=0.0, grad_rtol=FLOAT64_RTOL, gradcheck=False)
op_case("int_plus_float_scalar", lambda a: a + 0.5, lambda a: a + 0.5, [integers(0, 9, 4)])

# -- compositions (a small network's worth of ops) -------------------------------------------------
op_case("mlp_expression", lambda x, w, b: ((x @ w + b).relu() ** 2).mean(),
        lambda x, w, b: ((x @ w + b).relu() ** 2).mean(), [randn(4, 3), randn(3, 2), randn(2)])
op_case("reused_tensor", lambda a: a * a + a.exp() * a, lambda a: a * a + a.exp() * a, [randn(3, 3)])

# -- the rest of torch's everyday API (issue 13, item 10) -------------------------------------------
op_case("masked_fill_tensor_value", lambda x, v, m: x.masked_fill(m, v), lambda x, v, m: x.masked_fill(m, v),
        [randn(3, 4), randn(), booleans(3, 4)])
TIES = fixed([[-2.0, -1.0, 0.0, 0.5], [1.0, 1.5, 2.0, 3.0], [0.25, -0.5, 0.75, 1.0]])
LOWER = fixed([[-1.0], [1.5], [0.0]])  # ties with x at (0, 1) and (1, 1)
UPPER = fixed([0.0, 1.2, 1.8, 1.0])  # ties with x at (0, 2) and (2, 3)
op_case("clamp_tensor_bounds_ties", lambda x, lo, hi: mt.clamp(x, lo, hi),
        lambda x, lo, hi: torch.clamp(x, lo, hi), [TIES, LOWER, UPPER], gradcheck=False)
op_case("clamp_tensor_min_only", lambda x, lo: x.clamp(min=lo), lambda x, lo: x.clamp(min=lo),
        [randn(3, 4), randn(4)])
op_case("clamp_tensor_max_and_number_min", lambda x, hi: mt.clamp(x, -0.5, hi),
        lambda x, hi: torch.clamp(x, torch.tensor(-0.5, dtype=x.dtype), hi), [randn(3, 4), randn(3, 1)])
op_case("clamp_tensor_crossed_bounds", lambda x, lo, hi: mt.clamp(x, lo, hi),  # lo > hi: output hi
        lambda x, lo, hi: torch.clamp(x, lo, hi), [randn(2, 3), uniform(3, low=1, high=2),
                                                   uniform(3, low=-2, high=-1)], gradcheck=False)
op_case("mm", mt.mm, torch.mm, [randn(3, 4), randn(4, 5)])
op_case("bmm", mt.bmm, torch.bmm, [randn(2, 3, 4), randn(2, 4, 5)])
op_case("add_alpha", lambda a, b: mt.add(a, b, alpha=2.5), lambda a, b: torch.add(a, b, alpha=2.5),
        [randn(3, 4), randn(4)])
op_case("sub_alpha", lambda a, b: a.sub(b, alpha=-0.75), lambda a, b: a.sub(b, alpha=-0.75),
        [randn(3, 1), randn(3, 4)])
op_case("transpose_0d", lambda a: a.transpose(0, -1) * 2, lambda a: a.transpose(0, -1) * 2, [randn()])
op_case("squeeze_0d", lambda a: (a.squeeze(0), a.squeeze(-1), a.squeeze()),
        lambda a: (a.squeeze(0), a.squeeze(-1), a.squeeze()), [randn()])
op_case("argmax_0d", lambda a: (a.argmax(0), a.argmax(-1, keepdim=True), a.argmax(), a.argmin(0)),
        lambda a: (a.argmax(0), a.argmax(-1, keepdim=True), a.argmax(), a.argmin(0)), [randn(grad=False)])
op_case("softmax_zero_size_dim", lambda a: (mt.softmax(a, 1), mt.log_softmax(a, 1)),
        lambda a: (torch.softmax(a, 1), torch.log_softmax(a, 1)), [randn(3, 0)], gradcheck=False)
op_case("softmax_zero_size_other_dim", lambda a: (mt.softmax(a, 2), mt.log_softmax(a, 0)),
        lambda a: (torch.softmax(a, 2), torch.log_softmax(a, 0)), [randn(0, 2, 3)], gradcheck=False)
op_case("matmul_zero_inner", lambda a, b: a @ b, lambda a, b: a @ b, [randn(2, 0), randn(0, 3)],
        gradcheck=False)
op_case("matmul_zero_inner_batched", lambda a, b: a @ b, lambda a, b: a @ b, [randn(2, 3, 0), randn(0, 4)],
        gradcheck=False)
op_case("matmul_zero_rows", lambda a, b: a @ b, lambda a, b: a @ b, [randn(0, 4), randn(4, 3)],
        gradcheck=False)
