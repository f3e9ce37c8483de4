"""The learning-rate range test (Smith, 2017; popularized by fastai's ``lr_find``).

Train for ``steps`` mini-batches while the learning rate grows exponentially,

    lr_i = start * (end / start) ** (i / (steps - 1)),

recording the loss. Its exponential moving average, bias-corrected,

    avg_i = beta * avg_{i-1} + (1 - beta) * loss_i,   smooth_i = avg_i / (1 - beta ** (i + 1)),

falls while the rate is useful and shoots up once it is too large; the sweep stops when
``smooth_i > diverge * min(smooth)``. The suggested rate is where the smoothed loss falls
fastest (the most negative ``d smooth / d log lr``), looked for only before the smoothed loss
reaches its minimum, i.e. on the falling part of the curve. The model and optimizer are put back
as they were.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from projects.diagnostics.figures import plt, save_figure


@dataclass
class LRRange:
    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion_index: int
    diverged: bool  # the sweep stopped early because the loss blew up

    @property
    def suggestion(self) -> float:
        return float(self.lrs[self.suggestion_index])


def smooth_losses(losses: np.ndarray, beta: float) -> np.ndarray:
    """Bias-corrected exponential moving average (see the module docstring)."""
    avg, out = 0.0, np.empty(len(losses))
    for i, loss in enumerate(losses):
        avg = beta * avg + (1 - beta) * loss
        out[i] = avg / (1 - beta ** (i + 1))
    return out


def steepest_descent(lrs: np.ndarray, smoothed: np.ndarray, skip_start: int) -> int:
    """Index of the most negative slope of ``smoothed`` against ``log(lr)``, between
    ``skip_start`` and the minimum of ``smoothed``."""
    stop = int(np.argmin(smoothed))
    start = min(skip_start, max(stop - 1, 0))
    if stop - start < 2:
        return stop
    slope = np.gradient(smoothed[start : stop + 1], np.log(lrs[start : stop + 1]))
    return start + int(np.argmin(slope))


def lr_range_test(
    model: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    loader: Iterable[Any],
    optimizer: torch.optim.Optimizer,
    start_lr: float = 1e-6,
    end_lr: float = 10.0,
    steps: int = 100,
    beta: float = 0.9,
    diverge: float = 4.0,
    skip_start: int = 5,
    device: torch.device | str = "cpu",
) -> LRRange:
    """Sweep the learning rate of ``optimizer`` (every parameter group) over ``steps`` batches of
    ``loader`` (reused from the start when shorter) and return the curve and the suggestion."""
    if not 0 < start_lr < end_lr:
        raise ValueError(f"lr_range_test: need 0 < start_lr < end_lr, got {start_lr} and {end_lr}")
    if steps < 3:
        raise ValueError(f"lr_range_test: need at least 3 steps, got {steps}")
    lrs = start_lr * (end_lr / start_lr) ** (np.arange(steps) / (steps - 1))
    saved_model = copy.deepcopy(model.state_dict())
    saved_optimizer = copy.deepcopy(optimizer.state_dict())
    was_training = model.training
    losses: list[float] = []
    diverged = False
    model.train()
    try:
        batches = itertools.chain.from_iterable(itertools.repeat(loader))
        for lr, (inputs, targets) in zip(lrs, batches, strict=False):
            for group in optimizer.param_groups:
                group["lr"] = float(lr)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(inputs.to(device)), targets.to(device))
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            smoothed = smooth_losses(np.array(losses), beta)
            if not math.isfinite(losses[-1]) or smoothed[-1] > diverge * smoothed.min():
                diverged = True
                break
    finally:
        model.load_state_dict(saved_model)
        optimizer.load_state_dict(saved_optimizer)
        optimizer.zero_grad(set_to_none=True)
        model.train(was_training)
    loss_array = np.array(losses)
    finite = np.isfinite(loss_array)
    loss_array, tried = loss_array[finite], lrs[: len(losses)][finite]
    smoothed = smooth_losses(loss_array, beta)
    return LRRange(tried, loss_array, smoothed, steepest_descent(tried, smoothed, skip_start), diverged)


def plot_lr_range(result: LRRange, path: str | Path) -> Path:
    """Loss (raw and smoothed) against the learning rate (log scale), the suggestion marked."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(result.lrs, result.losses, color="0.7", linewidth=1, label="loss")
    ax.plot(result.lrs, result.smoothed, color="C0", linewidth=2, label="smoothed loss")
    i = result.suggestion_index
    ax.plot(
        result.lrs[i],
        result.smoothed[i],
        "o",
        color="C3",
        markersize=8,
        label=f"suggested lr {result.suggestion:.2g}",
    )
    ax.set_xscale("log")
    top = max(result.smoothed[0], result.smoothed.min()) * 1.5
    ax.set_ylim(min(result.losses.min(), result.smoothed.min()) * 0.9, top)
    ax.set_xlabel("learning rate")
    ax.set_ylabel("training loss")
    ax.set_title("learning-rate range test" + (" (stopped: loss diverged)" if result.diverged else ""))
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.tight_layout()
    return save_figure(fig, path)
