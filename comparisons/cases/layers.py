"""Parity cases for the layers of minitorch.nn (part A: everything but the recurrent and
attention layers) and their functional forms. Each module case copies the torch layer's
weights into the minitorch twin and compares the output, the input gradient, every
parameter gradient and every buffer; float64 unless the dtype is the point."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as TF

import minitorch
import minitorch.nn as nn
import minitorch.nn.functional as F
from comparisons.builders import (
    Input,
    as_numpy,
    backward_both,
    copy_torch_weights,
    fixed,
    grad_check,
    grad_tolerances,
    integers,
    module_case,
    op_case,
    output_checks,
    randn,
    to_minitorch,
    to_torch,
)
from comparisons.registry import FLOAT64_RTOL, Case, Check, Outcome, register

# -- Linear, Identity, Flatten ----------------------------------------------------------------------
module_case("Linear", lambda: torch.nn.Linear(5, 3), lambda: nn.Linear(5, 3), [randn(4, 5)])
module_case("Linear_no_bias", lambda: torch.nn.Linear(5, 3, bias=False),
            lambda: nn.Linear(5, 3, bias=False), [randn(4, 5)])
module_case("Linear_3d_input", lambda: torch.nn.Linear(4, 6), lambda: nn.Linear(4, 6), [randn(2, 3, 4)])
module_case("Linear_1d_input", lambda: torch.nn.Linear(4, 2), lambda: nn.Linear(4, 2), [randn(4)])
module_case("Linear_float32", lambda: torch.nn.Linear(16, 8), lambda: nn.Linear(16, 8),
            [randn(4, 16, dtype="float32")], dtype=torch.float32, atol=1e-5, rtol=1e-5)
module_case("Identity", lambda: torch.nn.Identity(3, k=1), lambda: nn.Identity(3, k=1), [randn(2, 3)])
module_case("Flatten", torch.nn.Flatten, nn.Flatten, [randn(2, 3, 4, 5)])
module_case("Flatten_dims", lambda: torch.nn.Flatten(0, 1), lambda: nn.Flatten(0, 1), [randn(2, 3, 4)])
op_case("F.linear", F.linear, TF.linear, [randn(3, 4), randn(5, 4), randn(5)], group="layer")
op_case("F.unfold", lambda x: F.unfold(x, (2, 3), 2, 1, (1, 2)), lambda x: TF.unfold(x, (2, 3), 2, 1, (1, 2)),
        [randn(2, 3, 6, 7)], group="layer")
op_case("F.fold", lambda c: F.fold(c, (5, 6), 3, 1, 1, 2), lambda c: TF.fold(c, (5, 6), 3, 1, 1, 2),
        [randn(2, 18, 9)], group="layer")

# -- activations -------------------------------------------------------------------------------------
for name, make_torch, make_mt in [
    ("ReLU", torch.nn.ReLU, nn.ReLU),
    ("LeakyReLU", torch.nn.LeakyReLU, nn.LeakyReLU),
    ("LeakyReLU_slope", lambda: torch.nn.LeakyReLU(0.2), lambda: nn.LeakyReLU(0.2)),
    ("GELU", torch.nn.GELU, nn.GELU),
    ("GELU_tanh", lambda: torch.nn.GELU("tanh"), lambda: nn.GELU("tanh")),
    ("SiLU", torch.nn.SiLU, nn.SiLU),
    ("Sigmoid", torch.nn.Sigmoid, nn.Sigmoid),
    ("Tanh", torch.nn.Tanh, nn.Tanh),
    ("Softmax", lambda: torch.nn.Softmax(dim=1), lambda: nn.Softmax(dim=1)),
    ("LogSoftmax", lambda: torch.nn.LogSoftmax(dim=-1), lambda: nn.LogSoftmax(dim=-1)),
]:
    module_case(name, make_torch, make_mt, [randn(3, 4, 5, scale=3)])
module_case("ReLU_LeakyReLU_at_zero", lambda: torch.nn.Sequential(torch.nn.LeakyReLU(0.1), torch.nn.ReLU()),
            lambda: nn.Sequential(nn.LeakyReLU(0.1), nn.ReLU()), [fixed([-2.0, 0.0, 0.0, 3.0])])
module_case("GELU_float32", torch.nn.GELU, nn.GELU, [randn(4, 8, dtype="float32", scale=3)],
            dtype=torch.float32, atol=1e-6, rtol=1e-5)
op_case("F.gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh"),
        [randn(3, 5, scale=3)], group="layer")
op_case("F.silu", F.silu, TF.silu, [randn(3, 5, scale=5)], group="layer")
op_case("F.leaky_relu", lambda x: F.leaky_relu(x, 0.3), lambda x: TF.leaky_relu(x, 0.3), [randn(3, 5)],
        group="layer")
op_case("F.softmax", lambda x: F.softmax(x, 0), lambda x: TF.softmax(x, 0), [randn(3, 5)], group="layer")
op_case("F.log_softmax", lambda x: F.log_softmax(x, 1), lambda x: TF.log_softmax(x, 1), [randn(3, 5)],
        group="layer")
op_case("F.softmax_dtype_float64", lambda x: F.softmax(x, -1, dtype=np.float64),
        lambda x: TF.softmax(x, -1, dtype=torch.float64), [randn(3, 5, dtype="float32")], group="layer",
        gradcheck=False)

# -- Dropout: eval is the identity; p=0 and p=1 are deterministic in training too; other p are compared
# on torch's own mask (the statistics of random masks are tested in tests/nn/test_nn_dropout.py)
module_case("Dropout_eval", lambda: torch.nn.Dropout(0.5), lambda: nn.Dropout(0.5), [randn(4, 6)],
            train=False)
module_case("Dropout_p0_train", lambda: torch.nn.Dropout(0.0), lambda: nn.Dropout(0.0), [randn(4, 6)])
module_case("Dropout_p1_train", lambda: torch.nn.Dropout(1.0), lambda: nn.Dropout(1.0), [randn(4, 6)])


class ReplayMask:
    """Stands in for minitorch's random generator during one dropout call: its uniform draws are
    1 where torch kept an element and 0 where torch dropped it, so minitorch keeps exactly the
    elements torch kept (an element is kept when its draw is >= p)."""

    def __init__(self, kept: np.ndarray) -> None:
        self.kept = kept

    def random(self, shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
        assert shape == self.kept.shape, f"dropout drew {shape}, torch's mask is {self.kept.shape}"
        return self.kept.astype(dtype)


def dropout_same_mask_case(name: str, p: float, shape: tuple[int, ...]) -> None:
    """Training-mode Dropout on torch's own random mask: torch runs first, its mask (where the
    output is nonzero) is replayed into minitorch's generator, and the outputs and input
    gradients must agree, scaling by 1 / (1 - p) included."""
    def run(rng: np.random.Generator) -> Outcome:
        torch.manual_seed(int(rng.integers(2**31)))
        x = rng.standard_normal(shape)
        tx, mx = to_torch(x, True), to_minitorch(x, True)
        ty = torch.nn.Dropout(p)(tx)
        saved = minitorch.random._DefaultGenerator.rng
        minitorch.random._DefaultGenerator.rng = ReplayMask(ty.detach().numpy() != 0)
        try:
            my = nn.Dropout(p)(mx)
        finally:
            minitorch.random._DefaultGenerator.rng = saved
        checks = output_checks([my], [ty], 1e-12, 1e-12)
        backward_both([my], [ty], rng)
        return Outcome(checks + [grad_check("input", mx, tx, 1e-12, 1e-12)])

    register(Case(name, "layer", run))


dropout_same_mask_case("Dropout_train_same_mask_p0.3", 0.3, (8, 16))
dropout_same_mask_case("Dropout_train_same_mask_p0.75", 0.75, (4, 5, 6))

# -- LayerNorm ------------------------------------------------------------------------------------------
module_case("LayerNorm", lambda: torch.nn.LayerNorm(6), lambda: nn.LayerNorm(6), [randn(2, 3, 6)])
module_case("LayerNorm_2d_shape", lambda: torch.nn.LayerNorm([3, 4]), lambda: nn.LayerNorm([3, 4]),
            [randn(2, 3, 4, scale=2)])
module_case("LayerNorm_no_affine", lambda: torch.nn.LayerNorm(5, elementwise_affine=False),
            lambda: nn.LayerNorm(5, elementwise_affine=False), [randn(4, 5)])
module_case("LayerNorm_no_bias_eps", lambda: torch.nn.LayerNorm(5, eps=1e-2, bias=False),
            lambda: nn.LayerNorm(5, eps=1e-2, bias=False), [randn(4, 5)])
module_case("LayerNorm_float32", lambda: torch.nn.LayerNorm(16), lambda: nn.LayerNorm(16),
            [randn(4, 16, dtype="float32")], dtype=torch.float32, atol=1e-5, rtol=1e-4)
op_case("F.layer_norm", lambda x, w, b: F.layer_norm(x, (4,), w, b),
        lambda x, w, b: TF.layer_norm(x, (4,), w, b), [randn(3, 4), randn(4), randn(4)], group="layer")

# -- Embedding -------------------------------------------------------------------------------------------
module_case("Embedding_repeated_indices", lambda: torch.nn.Embedding(10, 4), lambda: nn.Embedding(10, 4),
            [fixed([[1, 3, 1], [1, 9, 0]], dtype="int64", grad=False)])
module_case("Embedding_padding_idx", lambda: torch.nn.Embedding(8, 3, padding_idx=2),
            lambda: nn.Embedding(8, 3, padding_idx=2), [fixed([[2, 0, 2, 5], [2, 2, 7, 0]], dtype="int64",
                                                              grad=False)])
module_case("Embedding_negative_padding_idx", lambda: torch.nn.Embedding(8, 3, padding_idx=-1),
            lambda: nn.Embedding(8, 3, padding_idx=-1), [integers(0, 8, 5, 4)])
op_case("F.embedding", lambda i, w: F.embedding(i, w, padding_idx=0),
        lambda i, w: TF.embedding(i, w, padding_idx=0), [integers(0, 6, 3, 4), randn(6, 2)], group="layer",
        gradcheck=False)  # the padding row gets no gradient by definition, unlike finite differences

# -- Conv2d ----------------------------------------------------------------------------------------------
class QuietConv2d(torch.nn.Conv2d):
    """torch.nn.Conv2d without its warning that 'same' padding with an even kernel and odd dilation
    copies the input (expected: that asymmetric padding is what the case tests)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Using padding='same' with even kernel lengths")
            return super().forward(x)


for name, args, kwargs, x in [
    ("Conv2d", (3, 4, 3), {}, randn(2, 3, 7, 7)),
    ("Conv2d_stride", (3, 4, 3), dict(stride=2), randn(2, 3, 8, 8)),
    ("Conv2d_padding", (3, 4, 3), dict(padding=1), randn(2, 3, 6, 6)),
    ("Conv2d_dilation", (3, 4, 3), dict(dilation=2, padding=2), randn(2, 3, 9, 9)),
    ("Conv2d_groups", (4, 6, 3), dict(groups=2, padding=1), randn(2, 4, 5, 5)),
    ("Conv2d_depthwise", (4, 8, 3), dict(groups=4), randn(2, 4, 6, 6)),
    ("Conv2d_no_bias", (3, 4, 3), dict(bias=False), randn(2, 3, 5, 5)),
    ("Conv2d_non_square", (3, 5, (2, 4)), dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1)),
     randn(2, 3, 9, 6)),
    ("Conv2d_padding_same_even_kernel", (2, 3, (2, 4)), dict(padding="same", dilation=(1, 3)),
     randn(2, 2, 6, 7)),
    ("Conv2d_padding_valid_1x1", (3, 4, 1), dict(padding="valid"), randn(2, 3, 4, 4)),
    ("Conv2d_all_options", (6, 4, 3), dict(stride=2, padding=2, dilation=2, groups=2, bias=False),
     randn(1, 6, 11, 10)),
]:
    module_case(name, lambda a=args, k=kwargs: QuietConv2d(*a, **k),
                lambda a=args, k=kwargs: nn.Conv2d(*a, **k), [x])
module_case("Conv2d_float32", lambda: torch.nn.Conv2d(3, 8, 3, padding=1),
            lambda: nn.Conv2d(3, 8, 3, padding=1),
            [randn(2, 3, 8, 8, dtype="float32")], dtype=torch.float32, atol=1e-5, rtol=1e-4)
op_case("F.conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
        lambda x, w, b: TF.conv2d(x, w, b, stride=2, padding=1),
        [randn(1, 2, 5, 5), randn(3, 2, 3, 3), randn(3)],
        group="layer")


# -- pooling ---------------------------------------------------------------------------------------------
NAN = float("nan")


def ties(*shape: int) -> Input:
    """Small integers as floats: most pooling windows hold ties."""
    return Input(lambda rng: rng.integers(0, 3, shape).astype("float64"), True)


for name, make_torch, make_mt, x in [
    ("MaxPool2d", lambda: torch.nn.MaxPool2d(2), lambda: nn.MaxPool2d(2), randn(2, 3, 8, 8)),
    ("MaxPool2d_ties", lambda: torch.nn.MaxPool2d(2), lambda: nn.MaxPool2d(2), ties(2, 3, 6, 6)),
    ("MaxPool2d_overlapping_ties", lambda: torch.nn.MaxPool2d(3, stride=1), lambda: nn.MaxPool2d(3, stride=1),
     ties(1, 2, 6, 6)),
    ("MaxPool2d_stride_padding", lambda: torch.nn.MaxPool2d(3, stride=2, padding=1),
     lambda: nn.MaxPool2d(3, stride=2, padding=1), randn(2, 3, 7, 8)),
    ("MaxPool2d_ceil_mode", lambda: torch.nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
     lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), randn(2, 2, 8, 6)),
    ("MaxPool2d_dilation_non_square", lambda: torch.nn.MaxPool2d((2, 3), stride=(1, 2), dilation=(2, 1)),
     lambda: nn.MaxPool2d((2, 3), stride=(1, 2), dilation=(2, 1)), randn(2, 2, 7, 9)),
    ("MaxPool2d_nan", lambda: torch.nn.MaxPool2d(2), lambda: nn.MaxPool2d(2),
     fixed([[[[1.0, NAN, 3.0, 2.0], [0.5, 2.0, NAN, NAN], [1, 2, 3, 4], [4, 3, 2, 1]]]])),  # NaN wins
    ("MaxPool2d_odd_input_floor", lambda: torch.nn.MaxPool2d(2), lambda: nn.MaxPool2d(2), randn(1, 2, 7, 5)),
    ("AvgPool2d", lambda: torch.nn.AvgPool2d(2), lambda: nn.AvgPool2d(2), randn(2, 3, 8, 8)),
    ("AvgPool2d_overlapping_padding", lambda: torch.nn.AvgPool2d(3, stride=2, padding=1),
     lambda: nn.AvgPool2d(3, stride=2, padding=1), randn(2, 3, 7, 8)),
    ("AvgPool2d_exclude_pad_ceil",
     lambda: torch.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
     lambda: nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False), randn(2, 2, 8, 6)),
    ("AvgPool2d_ceil_include_pad", lambda: torch.nn.AvgPool2d(3, 2, 1, ceil_mode=True),
     lambda: nn.AvgPool2d(3, 2, 1, ceil_mode=True), randn(2, 2, 8, 6)),
    ("AvgPool2d_divisor_override", lambda: torch.nn.AvgPool2d((2, 3), divisor_override=4),
     lambda: nn.AvgPool2d((2, 3), divisor_override=4), randn(2, 2, 6, 6)),
    ("AdaptiveAvgPool2d_global", lambda: torch.nn.AdaptiveAvgPool2d(1), lambda: nn.AdaptiveAvgPool2d(1),
     randn(2, 3, 5, 4)),
    ("AdaptiveAvgPool2d_uneven", lambda: torch.nn.AdaptiveAvgPool2d((3, 2)),
     lambda: nn.AdaptiveAvgPool2d((3, 2)), randn(2, 3, 7, 5)),
    ("AdaptiveAvgPool2d_upsample_none", lambda: torch.nn.AdaptiveAvgPool2d((None, 6)),
     lambda: nn.AdaptiveAvgPool2d((None, 6)), randn(1, 2, 3, 4)),
    ("AdaptiveAvgPool2d_unbatched", lambda: torch.nn.AdaptiveAvgPool2d(2), lambda: nn.AdaptiveAvgPool2d(2),
     randn(3, 5, 5)),
]:
    module_case(name, make_torch, make_mt, [x])
module_case("MaxPool2d_float32", lambda: torch.nn.MaxPool2d(2), lambda: nn.MaxPool2d(2),
            [randn(2, 3, 8, 8, dtype="float32")], dtype=torch.float32)
module_case("AvgPool2d_float32", lambda: torch.nn.AvgPool2d(3, 2, 1), lambda: nn.AvgPool2d(3, 2, 1),
            [randn(2, 3, 8, 8, dtype="float32")], dtype=torch.float32, atol=1e-6, rtol=1e-6)
op_case("F.max_pool2d", lambda x: F.max_pool2d(x, 3, 2, 1), lambda x: TF.max_pool2d(x, 3, 2, 1),
        [randn(1, 2, 6, 6)], group="layer")
op_case("F.avg_pool2d", lambda x: F.avg_pool2d(x, 2, 1), lambda x: TF.avg_pool2d(x, 2, 1),
        [randn(1, 2, 4, 5)],
        group="layer")
op_case("F.adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 3)),
        lambda x: TF.adaptive_avg_pool2d(x, (2, 3)), [randn(1, 2, 5, 7)], group="layer")


# -- BatchNorm -------------------------------------------------------------------------------------------
def batchnorm_case(name: str, torch_factory: Callable[[], torch.nn.Module], mt_factory: Callable[[], Any],
                   shape: tuple[int, ...], steps: int = 3, dtype: torch.dtype = torch.float64,
                   atol: float | None = None, rtol: float = FLOAT64_RTOL) -> None:
    """Train both layers for `steps` batches (outputs, input and parameter gradients compared at
    each step), compare the running statistics and num_batches_tracked, then switch both to eval
    mode and compare the output and gradients on a new batch."""
    np_dtype = np.dtype(str(dtype).removeprefix("torch."))
    grad_tol = grad_tolerances(atol, rtol, None, None)

    def step(label: str, torch_bn: torch.nn.Module, mt_bn: Any, rng: np.random.Generator) -> list[Check]:
        x = (rng.standard_normal(shape) * 2 + 1).astype(np_dtype)
        mx, tx = to_minitorch(x, True), to_torch(x, True)
        my, ty = mt_bn(mx), torch_bn(tx)
        checks = output_checks([my], [ty], atol, rtol)
        checks[0].label = f"{label} output"
        torch_bn.zero_grad()  # fresh gradients each step (torch would accumulate in place into the
        mt_bn.zero_grad()  # arrays that the earlier checks hold)
        backward_both([my], [ty], rng)
        checks.append(grad_check(f"{label} input", mx, tx, *grad_tol))
        mt_params = dict(mt_bn.named_parameters())
        checks += [grad_check(f"{label} {n}", mt_params[n], p, *grad_tol)
                   for n, p in torch_bn.named_parameters()]
        return checks

    def run(rng: np.random.Generator) -> Outcome:
        torch.manual_seed(int(rng.integers(2**31)))
        torch_bn, mt_bn = torch_factory().to(dtype), mt_factory().to(np_dtype)
        if torch_bn.affine:  # start away from the trivial (1, 0) so the affine part is tested
            with torch.no_grad():
                torch_bn.weight.uniform_(0.5, 1.5)
                torch_bn.bias.normal_()
        copy_torch_weights(torch_bn, mt_bn)
        checks = []
        for i in range(steps):
            checks += step(f"train step {i}", torch_bn, mt_bn, rng)
        mt_buffers = dict(mt_bn.named_buffers())
        checks += [Check(f"buffer {n}", "state", as_numpy(mt_buffers[n]), as_numpy(b), atol, rtol)
                   for n, b in torch_bn.named_buffers()]
        torch_bn.eval()
        mt_bn.eval()
        checks += step("eval", torch_bn, mt_bn, rng)
        return Outcome(checks)

    register(Case(name, "layer", run))


batchnorm_case("BatchNorm1d_steps_eval", lambda: torch.nn.BatchNorm1d(4), lambda: nn.BatchNorm1d(4), (8, 4))
batchnorm_case("BatchNorm1d_3d_steps_eval", lambda: torch.nn.BatchNorm1d(3, momentum=0.3),
               lambda: nn.BatchNorm1d(3, momentum=0.3), (4, 3, 5))
batchnorm_case("BatchNorm2d_steps_eval", lambda: torch.nn.BatchNorm2d(3), lambda: nn.BatchNorm2d(3),
               (4, 3, 5, 5))
batchnorm_case("BatchNorm2d_momentum_none", lambda: torch.nn.BatchNorm2d(3, momentum=None),
               lambda: nn.BatchNorm2d(3, momentum=None), (2, 3, 4, 4), steps=4)
batchnorm_case("BatchNorm2d_no_affine_eps", lambda: torch.nn.BatchNorm2d(3, eps=1e-2, affine=False),
               lambda: nn.BatchNorm2d(3, eps=1e-2, affine=False), (2, 3, 4, 4))
batchnorm_case("BatchNorm2d_no_running_stats", lambda: torch.nn.BatchNorm2d(3, track_running_stats=False),
               lambda: nn.BatchNorm2d(3, track_running_stats=False), (2, 3, 4, 4))
batchnorm_case("BatchNorm2d_float32", lambda: torch.nn.BatchNorm2d(4), lambda: nn.BatchNorm2d(4),
               (4, 4, 6, 6),
               dtype=torch.float32, atol=1e-5, rtol=1e-4)
module_case("BatchNorm2d_train_step", lambda: torch.nn.BatchNorm2d(3), lambda: nn.BatchNorm2d(3),
            [randn(2, 3, 4, 4)])
op_case("F.batch_norm_train", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True),
        [randn(4, 3, 2), randn(3), randn(3)], group="layer")


# -- the rest of torch's everyday API (issue 13, item 10) -------------------------------------------
op_case("F.max_pool2d_return_indices", lambda x: F.max_pool2d(x, 2, return_indices=True),
        lambda x: TF.max_pool2d(x, 2, return_indices=True), [randn(2, 3, 6, 5)], group="layer")
op_case("F.max_pool2d_return_indices_tiles", lambda x: F.max_pool2d(x, 2, return_indices=True),
        lambda x: TF.max_pool2d(x, 2, return_indices=True), [randn(2, 3, 6, 4)], group="layer")
op_case("F.max_pool2d_return_indices_padding_dilation_ceil",
        lambda x: F.max_pool2d(x, 3, 2, 1, dilation=2, ceil_mode=True, return_indices=True),
        lambda x: TF.max_pool2d(x, 3, 2, 1, dilation=2, ceil_mode=True, return_indices=True),
        [randn(1, 2, 9, 8)], group="layer")
module_case("MaxPool2d_return_indices", lambda: torch.nn.MaxPool2d((3, 2), stride=1, return_indices=True),
            lambda: nn.MaxPool2d((3, 2), stride=1, return_indices=True), [randn(2, 2, 5, 4)])
op_case("F.conv2d_unbatched", lambda x, w, b: F.conv2d(x, w, b, padding=1),
        lambda x, w, b: TF.conv2d(x, w, b, padding=1), [randn(2, 5, 6), randn(3, 2, 3, 3), randn(3)],
        group="layer")
module_case("Conv2d_unbatched", lambda: torch.nn.Conv2d(2, 4, 3, stride=2),
            lambda: nn.Conv2d(2, 4, 3, stride=2), [randn(2, 7, 7)])
op_case("F.avg_pool2d_one_tuples", lambda x: F.avg_pool2d(x, (3,), stride=(2,), padding=(1,)),
        lambda x: TF.avg_pool2d(x, (3,), stride=(2,), padding=(1,)), [randn(2, 2, 6, 7)], group="layer")
op_case("F.linear_zero_batch", F.linear, TF.linear, [randn(0, 4), randn(3, 4), randn(3)], group="layer",
        gradcheck=False)
op_case("F.linear_zero_in_features", F.linear, TF.linear, [randn(5, 0), randn(3, 0), randn(3)], group="layer",
        gradcheck=False)
