"""Learning-rate schedules, all stepped once per optimizer step (so they resume mid-run).

``constant``, ``cosine`` (to 0), ``step`` (multiply by ``gamma`` every ``step_epochs``) and
``onecycle`` (warm up to the peak, anneal to ~0). ``warmup_steps`` adds a linear warmup from 1%
of the rate in front of constant, cosine and step (one-cycle has its own warmup).
"""

from __future__ import annotations

from torch.optim import Optimizer
from torch.optim import lr_scheduler as sched

SCHEDULES = ("constant", "cosine", "step", "onecycle")


def build_schedule(
    name: str,
    optimizer: Optimizer,
    total_steps: int,
    *,
    warmup_steps: int = 0,
    steps_per_epoch: int = 1,
    step_epochs: int = 10,
    gamma: float = 0.1,
    onecycle_pct_start: float = 0.25,
) -> sched.LRScheduler:
    """The scheduler for ``name`` over ``total_steps`` optimizer steps."""
    if name == "onecycle":
        if total_steps < 4:
            raise ValueError(f"build_schedule: onecycle needs at least 4 steps, got {total_steps}")
        max_lrs = [g["lr"] for g in optimizer.param_groups]
        # each phase must span at least one step (OneCycleLR divides by the phase length)
        pct_start = min(max(onecycle_pct_start, 2 / total_steps), 0.5)
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
