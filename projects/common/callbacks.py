"""The hook API of the training loop.

A :class:`Callback` overrides any of the ``on_*`` methods; each receives the run's
:class:`TrainState`, which holds the model, optimizer, scheduler, step and epoch counters, the
latest batch and loss, the epoch metrics, the run folder and its TensorBoard ``writer``.
The loop calls them in this order::

    on_train_begin
    for each epoch:  on_epoch_begin
        for each batch:  on_batch_begin -> forward, backward (gradients unscaled and clipped)
                         -> on_before_optimizer_step -> optimizer and scheduler step -> on_batch_end
        evaluation -> on_epoch_end (state.metrics holds train_* and val_* values)
    on_train_end (state.model holds the final weights)

Gradients are still present in ``on_batch_end`` (they are cleared at the start of the next
step). Setting ``state.stop_training = True`` ends training after the current epoch. Only the
main process (rank 0) has a ``writer``; under DDP callbacks run on every rank.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch.utils.tensorboard import SummaryWriter


@dataclass
class TrainState:
    """Everything a callback may read (and the few things it may set: ``stop_training``)."""

    model: torch.nn.Module  # the bare model (never the DDP wrapper)
    optimizer: torch.optim.Optimizer
    device: torch.device
    out_dir: Path
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None
    scaler: torch.amp.GradScaler | None = None
    writer: SummaryWriter | None = None
    class_names: Sequence[str] = ()
    eval_loader: Any = None
    epochs: int = 0
    epoch: int = 0  # the current epoch, counted from 0
    step: int = 0  # optimizer steps taken so far
    batch: Any = None  # the current (inputs, targets) on the device
    outputs: torch.Tensor | None = None  # the model's outputs for the current batch
    loss: torch.Tensor | None = None  # the current batch's loss (detached)
    metrics: dict[str, float] = field(default_factory=dict)  # the latest epoch's metrics
    history: list[dict[str, float]] = field(default_factory=list)  # one entry per epoch
    best: dict[str, float] = field(default_factory=dict)  # the best epoch's metrics
    is_main: bool = True
    stop_training: bool = False


class Callback:
    """Base class: every hook does nothing."""

    def on_train_begin(self, state: TrainState) -> None:
        """Before the first epoch (also on resume)."""

    def on_epoch_begin(self, state: TrainState) -> None:
        """Before an epoch's first batch."""

    def on_batch_begin(self, state: TrainState) -> None:
        """Before the forward pass; ``state.batch`` is set."""

    def on_before_optimizer_step(self, state: TrainState) -> None:
        """After backward (gradients unscaled and clipped), before ``optimizer.step()``."""

    def on_batch_end(self, state: TrainState) -> None:
        """After the optimizer and scheduler step; ``state.step`` counts it."""

    def on_epoch_end(self, state: TrainState) -> None:
        """After evaluation; ``state.metrics`` holds the epoch's train_* and val_* values."""

    def on_train_end(self, state: TrainState) -> None:
        """After the last epoch."""


class CallbackList(Callback):
    """Calls each hook on every callback, in order."""

    def __init__(self, callbacks: Sequence[Callback] = ()) -> None:
        self.callbacks = list(callbacks)

    def _call(self, hook: str, state: TrainState) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(state)

    def on_train_begin(self, state: TrainState) -> None:
        self._call("on_train_begin", state)

    def on_epoch_begin(self, state: TrainState) -> None:
        self._call("on_epoch_begin", state)

    def on_batch_begin(self, state: TrainState) -> None:
        self._call("on_batch_begin", state)

    def on_before_optimizer_step(self, state: TrainState) -> None:
        self._call("on_before_optimizer_step", state)

    def on_batch_end(self, state: TrainState) -> None:
        self._call("on_batch_end", state)

    def on_epoch_end(self, state: TrainState) -> None:
        self._call("on_epoch_end", state)

    def on_train_end(self, state: TrainState) -> None:
        self._call("on_train_end", state)
