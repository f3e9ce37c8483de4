"""Parity cases for every loss of minitorch.nn in every option: reduction none/sum/mean, class
weights, ignore_index, label smoothing (alone and together), class-probability targets,
K-dimensional inputs, pos_weight, gradients with respect to the target where torch has one,
and float32 dtype preservation."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as TF

import minitorch as mt
import minitorch.nn as nn
import minitorch.nn.functional as F
from comparisons.builders import Input, fixed, integers, module_case, op_case, randn, uniform
from comparisons.registry import FLOAT64_RTOL

WEIGHTS = [0.5, 2.0, 1.0, 3.0, 0.25]
TARGETS = fixed([1, 4, -100, 0, 3, 1], dtype="int64", grad=False)  # one ignored (-100)
TARGETS_IGNORE_2 = fixed([2, 4, 2, 0, 3, 1], dtype="int64", grad=False)


def probabilities(*shape: int) -> Input:
    """Rows (along dim 1) that sum to one: soft class targets."""
    def make(rng: np.random.Generator) -> np.ndarray:
        e = np.exp(rng.standard_normal(shape))
        return e / e.sum(axis=1, keepdims=True)
    return Input(make, False)


def loss_case(name: str, torch_loss: type, mt_loss: type, inputs: list[Input], *,
              weight: list[float] | None = None, pos_weight: list[float] | None = None,
              dtype: torch.dtype = torch.float64, atol: float | None = None, rtol: float = FLOAT64_RTOL,
              **options: object) -> None:
    """A module case for a loss class, with its weight / pos_weight buffers built on both sides."""
    def build(lib: object, cls: type) -> object:
        def tensor(values: list[float] | None) -> object:
            if values is None:
                return None
            return torch.tensor(values, dtype=dtype) if lib is torch else mt.tensor(values)
        kwargs = dict(options)
        if weight is not None:
            kwargs["weight"] = tensor(weight)
        if pos_weight is not None:
            kwargs["pos_weight"] = tensor(pos_weight)
        return cls(**kwargs)

    module_case(name, lambda: build(torch, torch_loss), lambda: build(mt, mt_loss), inputs, group="loss",
                dtype=dtype, atol=atol, rtol=rtol)


# -- MSE and L1 ----------------------------------------------------------------------------------------
for reduction in ("mean", "sum", "none"):
    loss_case(f"MSELoss_{reduction}", torch.nn.MSELoss, nn.MSELoss, [randn(3, 4), randn(3, 4)],
              reduction=reduction)
    loss_case(f"L1Loss_{reduction}", torch.nn.L1Loss, nn.L1Loss, [randn(3, 4), randn(3, 4)],
              reduction=reduction)
loss_case("L1Loss_at_zero", torch.nn.L1Loss, nn.L1Loss, [fixed([1.0, 2.0, -1.0]), fixed([1.0, 0.0, -1.0])])
loss_case("MSELoss_float32", torch.nn.MSELoss, nn.MSELoss,
          [randn(8, 3, dtype="float32"), randn(8, 3, dtype="float32")], dtype=torch.float32, atol=1e-6,
          rtol=1e-5)
op_case("F.mse_loss_constant_target", lambda a, b: F.mse_loss(a, b), lambda a, b: TF.mse_loss(a, b),
        [randn(4, 3), randn(4, 3, grad=False)], group="loss")
op_case("F.l1_loss", lambda a, b: F.l1_loss(a, b, reduction="sum"),
        lambda a, b: TF.l1_loss(a, b, reduction="sum"), [randn(4, 3), randn(4, 3)], group="loss")

# -- CrossEntropyLoss: indices -----------------------------------------------------------------------
for reduction in ("mean", "sum", "none"):
    loss_case(f"CrossEntropyLoss_{reduction}", torch.nn.CrossEntropyLoss, nn.CrossEntropyLoss,
              [randn(6, 5, scale=2), integers(0, 5, 6)], reduction=reduction)
    loss_case(f"CrossEntropyLoss_weight_ignore_smoothing_{reduction}", torch.nn.CrossEntropyLoss,
              nn.CrossEntropyLoss, [randn(6, 5, scale=2), TARGETS], weight=WEIGHTS, ignore_index=-100,
              label_smoothing=0.2, reduction=reduction)
loss_case("CrossEntropyLoss_weight", torch.nn.CrossEntropyLoss, nn.CrossEntropyLoss,
          [randn(6, 5), integers(0, 5, 6)], weight=WEIGHTS)
loss_case("CrossEntropyLoss_ignore_index", torch.nn.CrossEntropyLoss, nn.CrossEntropyLoss,
          [randn(6, 5), TARGETS_IGNORE_2], ignore_index=2)
loss_case("CrossEntropyLoss_label_smoothing", torch.nn.CrossEntropyLoss, nn.CrossEntropyLoss,
          [randn(6, 5), integers(0, 5, 6)], label_smoothing=0.1)
loss_case("CrossEntropyLoss_weight_ignore", torch.nn.CrossEntropyLoss, nn.CrossEntropyLoss,
          [randn(6, 5), TARGETS_IGNORE_2], weight=WEIGHTS, ignore_index=2)
loss_case("CrossEntropyLoss_all_ignored", torch.nn.CrossEntropyLoss, nn.CrossEntropyLoss,
          [randn(2, 5), fixed([-100, -100], dtype="int64", grad=False)])
loss_case("CrossEntropyLoss_kdim", torch.nn.CrossEntropyLoss, nn.CrossEntropyLoss,
          [randn(2, 5, 3, 4), integers(0, 5, 2, 3, 4)], weight=WEIGHTS, label_smoothing=0.3)
loss_case("CrossEntropyLoss_unbatched", torch.nn.CrossEntropyLoss, nn.CrossEntropyLoss,
          [randn(5), fixed(3, dtype="int64", grad=False)], label_smoothing=0.1)
loss_case("CrossEntropyLoss_large_logits", torch.nn.CrossEntropyLoss, nn.CrossEntropyLoss,
          [uniform(4, 5, low=-800, high=800), integers(0, 5, 4)])
loss_case("CrossEntropyLoss_float32", torch.nn.CrossEntropyLoss, nn.CrossEntropyLoss,
          [randn(16, 10, dtype="float32"), integers(0, 10, 16)], dtype=torch.float32, atol=1e-6, rtol=1e-5,
          label_smoothing=0.1)

# -- CrossEntropyLoss: class probabilities -----------------------------------------------------------
for reduction in ("mean", "sum", "none"):
    loss_case(f"CrossEntropyLoss_probs_{reduction}", torch.nn.CrossEntropyLoss, nn.CrossEntropyLoss,
              [randn(4, 5), probabilities(4, 5)], reduction=reduction)
loss_case("CrossEntropyLoss_probs_weight_smoothing_kdim", torch.nn.CrossEntropyLoss, nn.CrossEntropyLoss,
          [randn(2, 5, 3), probabilities(2, 5, 3)], weight=WEIGHTS, label_smoothing=0.25)
op_case("F.cross_entropy", lambda x, t: F.cross_entropy(x, t, label_smoothing=0.05),
        lambda x, t: TF.cross_entropy(x, t, label_smoothing=0.05), [randn(5, 4), integers(0, 4, 5)],
        group="loss")

# -- NLLLoss ------------------------------------------------------------------------------------------
for reduction in ("mean", "sum", "none"):
    loss_case(f"NLLLoss_weight_ignore_{reduction}", torch.nn.NLLLoss, nn.NLLLoss,
              [randn(6, 5), TARGETS_IGNORE_2], weight=WEIGHTS, ignore_index=2, reduction=reduction)
loss_case("NLLLoss", torch.nn.NLLLoss, nn.NLLLoss, [randn(6, 5), integers(0, 5, 6)])
loss_case("NLLLoss_kdim", torch.nn.NLLLoss, nn.NLLLoss, [randn(2, 5, 3), integers(0, 5, 2, 3)])
op_case("F.nll_of_log_softmax", lambda x, t: F.nll_loss(F.log_softmax(x, 1), t),
        lambda x, t: TF.nll_loss(TF.log_softmax(x, 1), t), [randn(5, 4), integers(0, 4, 5)], group="loss")

# -- BCELoss ------------------------------------------------------------------------------------------
PROBS = uniform(4, 3, low=0.05, high=0.95)
for reduction in ("mean", "sum", "none"):
    loss_case(f"BCELoss_{reduction}", torch.nn.BCELoss, nn.BCELoss,
              [PROBS, uniform(4, 3, low=0, high=1)], reduction=reduction)
loss_case("BCELoss_weight", torch.nn.BCELoss, nn.BCELoss, [PROBS, uniform(4, 3, low=0, high=1, grad=False)],
          weight=[0.5, 2.0, 1.5])
loss_case("BCELoss_saturated", torch.nn.BCELoss, nn.BCELoss,
          [fixed([0.0, 1.0, 1e-60, 0.5]), fixed([0.0, 1.0, 1.0, 0.0], grad=False)], reduction="none")
op_case("F.binary_cross_entropy", lambda p, y: F.binary_cross_entropy(p, y),
        lambda p, y: TF.binary_cross_entropy(p, y), [PROBS, uniform(4, 3, low=0, high=1)], group="loss")

# -- BCEWithLogitsLoss ------------------------------------------------------------------------------------
for reduction in ("mean", "sum", "none"):
    loss_case(f"BCEWithLogitsLoss_{reduction}", torch.nn.BCEWithLogitsLoss, nn.BCEWithLogitsLoss,
              [randn(4, 3, scale=3), uniform(4, 3, low=0, high=1)], reduction=reduction)
    loss_case(f"BCEWithLogitsLoss_pos_weight_weight_{reduction}", torch.nn.BCEWithLogitsLoss,
              nn.BCEWithLogitsLoss, [randn(4, 3, scale=3), uniform(4, 3, low=0, high=1)],
              pos_weight=[3.0, 0.5, 1.0], weight=[1.5, 1.0, 0.2], reduction=reduction)
loss_case("BCEWithLogitsLoss_large_logits", torch.nn.BCEWithLogitsLoss, nn.BCEWithLogitsLoss,
          [fixed([-1000.0, -40.0, 0.0, 40.0, 1000.0]), fixed([1.0, 0.0, 1.0, 1.0, 0.0], grad=False)],
          pos_weight=[2.0], reduction="none")
loss_case("BCEWithLogitsLoss_float32", torch.nn.BCEWithLogitsLoss, nn.BCEWithLogitsLoss,
          [randn(8, 4, dtype="float32"), uniform(8, 4, low=0, high=1, dtype="float32", grad=False)],
          pos_weight=[2.0, 1.0, 0.5, 3.0], dtype=torch.float32, atol=1e-6, rtol=1e-5)
op_case("F.binary_cross_entropy_with_logits",
        lambda x, y, w: F.binary_cross_entropy_with_logits(x, y, pos_weight=w),
        lambda x, y, w: TF.binary_cross_entropy_with_logits(x, y, pos_weight=w),
        [randn(4, 3), uniform(4, 3, low=0, high=1), uniform(3, low=0.5, high=2, grad=False)], group="loss")


# -- gradient with respect to probability targets (issue 13, item 10) ------------------------------------
def soft_targets(*shape: int) -> Input:
    """Probability targets that require grad (torch differentiates cross entropy in them too)."""
    return Input(probabilities(*shape).make, True)


for reduction in ("mean", "sum", "none"):
    op_case(f"F.cross_entropy_prob_target_grad_{reduction}",
            lambda x, t, r=reduction: F.cross_entropy(x, t, reduction=r),
            lambda x, t, r=reduction: TF.cross_entropy(x, t, reduction=r),
            [randn(4, 5), soft_targets(4, 5)], group="loss")
op_case("F.cross_entropy_prob_target_grad_weight_smoothing_kdim",
        lambda x, t, w: F.cross_entropy(x, t, w, label_smoothing=0.2),
        lambda x, t, w: TF.cross_entropy(x, t, w, label_smoothing=0.2),
        [randn(2, 3, 4), soft_targets(2, 3, 4), uniform(3, low=0.5, high=2, grad=False)], group="loss")
op_case("F.cross_entropy_prob_target_grad_unbatched", lambda x, t: F.cross_entropy(x, t, reduction="none"),
        lambda x, t: TF.cross_entropy(x, t, reduction="none"),
        [randn(5), Input(lambda rng: probabilities(1, 5).make(rng)[0], True)], group="loss")
