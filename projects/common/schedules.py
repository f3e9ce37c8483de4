"""Optimizers and learning-rate schedules, all schedules stepped once per optimizer step (so they
resume mid-run and follow the steps a run actually takes, ``--limit-train`` included).

``constant``, ``cosine`` (to 0), ``step`` (multiply by ``gamma`` every ``step_epochs``) and
``onecycle`` (warm up to the peak over the first 25% of the steps, anneal to ~0). ``warmup_steps``
adds a linear warmup from 1% of the rate in front of constant, cosine and step.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable

import torch
from torch import nn
from torch.optim import Optimizer
from torch.optim import lr_scheduler as sched

from projects.common.errors import RunError

SCHEDULES = ("constant", "cosine", "step", "onecycle")
ONECYCLE_PCT_START = 0.25
MIN_WARMUP_STEPS = 50  # one-cycle reaching its peak rate faster than this tends to diverge


def build_optimizer(args: argparse.Namespace, params: Iterable[nn.Parameter]) -> Optimizer:
    """SGD (Nesterov momentum), Adam or AdamW over the parameters that require gradients."""
    params = [p for p in params if p.requires_grad]
    if args.optimizer == "sgd":
        return torch.optim.SGD(
            params,
            lr=args.lr,
            momentum=args.momentum,
            nesterov=args.momentum > 0,
            weight_decay=args.weight_decay,
        )
    cls = torch.optim.Adam if args.optimizer == "adam" else torch.optim.AdamW
    return cls(params, lr=args.lr, weight_decay=args.weight_decay)


def build_schedule(
    name: str,
    optimizer: Optimizer,
    total_steps: int,
    *,
    warmup_steps: int = 0,
    steps_per_epoch: int = 1,
    step_epochs: int = 10,
    gamma: float = 0.1,
) -> sched.LRScheduler:
    """The scheduler for ``name`` over ``total_steps`` optimizer steps."""
    if name == "onecycle":
        if total_steps < 4:
            raise RunError(
                f"the onecycle schedule needs at least 4 optimizer steps, the run has {total_steps} "
                "(raise --limit-train or --epochs, lower --batch-size, or choose another --schedule)"
            )
        max_lrs = [g["lr"] for g in optimizer.param_groups]
        # each phase must span at least one step (OneCycleLR divides by the phase length)
        pct_start = min(max(ONECYCLE_PCT_START, 2 / total_steps), 0.5)
        return sched.OneCycleLR(optimizer, max_lr=max_lrs, total_steps=total_steps, pct_start=pct_start)
    main_steps = max(1, total_steps - warmup_steps)
    if name == "constant":
        main: sched.LRScheduler = sched.LambdaLR(optimizer, lambda _: 1.0)
    elif name == "cosine":
        main = sched.CosineAnnealingLR(optimizer, T_max=main_steps)
    elif name == "step":
        main = sched.StepLR(optimizer, step_size=step_epochs * steps_per_epoch, gamma=gamma)
    else:
        raise ValueError(f"build_schedule: unknown schedule {name!r}; choose one of {SCHEDULES}")
    if warmup_steps <= 0:
        return main
    warmup = sched.LinearLR(optimizer, start_factor=0.01, total_iters=warmup_steps)
    return sched.SequentialLR(optimizer, [warmup, main], milestones=[warmup_steps])


def schedule_warning(name: str, total_steps: int, epochs: int, step_epochs: int, lr: float) -> str | None:
    """Why ``name`` cannot work over a run this short (e.g. ``--limit-train``), else None."""
    if name == "onecycle" and total_steps * ONECYCLE_PCT_START < MIN_WARMUP_STEPS:
        return (
            f"warning: onecycle climbs to its peak rate {lr:g} in {total_steps * ONECYCLE_PCT_START:.0f} "
            f"steps ({total_steps} in all: --limit-train / --epochs / --batch-size); a warmup this short "
            f"often diverges. Lower --lr or use --schedule cosine."
        )
    if name == "step" and step_epochs >= epochs:
        return (
            f"warning: the step schedule decays every {step_epochs} epochs but the run has {epochs}: "
            "the rate never changes (set --step-epochs)"
        )
    return None
