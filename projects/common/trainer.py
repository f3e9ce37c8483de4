"""Train and evaluate loops (tqdm progress bars, AMP, gradient clipping, DDP, callbacks).

A batch is ``(inputs, targets)``; ``inputs`` is a tensor or a tuple of tensors passed to the
model as positional arguments (e.g. ``(token_ids, lengths)``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from projects.common.amp import autocast
from projects.common.callbacks import Callback, CallbackList, TrainState
from projects.common.distributed import DistInfo, all_reduce_sum

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def to_device(
    batch: Sequence[Any], device: torch.device, channels_last: bool = False
) -> tuple[Any, torch.Tensor]:
    """Move ``(inputs, targets)`` to ``device``; 4-D image inputs optionally to channels-last."""
    inputs, targets = batch

    def move(t: torch.Tensor) -> torch.Tensor:
        t = t.to(device, non_blocking=True)
        if channels_last and t.dim() == 4:
            t = t.contiguous(memory_format=torch.channels_last)
        return t

    inputs = tuple(move(t) for t in inputs) if isinstance(inputs, (tuple, list)) else move(inputs)
    return inputs, targets.to(device, non_blocking=True)


def forward(model: nn.Module, inputs: Any) -> torch.Tensor:
    """``model(*inputs)`` for a tuple of inputs, else ``model(inputs)``."""
    return model(*inputs) if isinstance(inputs, tuple) else model(inputs)


@dataclass
class EvalResult:
    loss: float
    accuracy: float
    confusion: torch.Tensor  # (classes, classes): row = true class, column = predicted


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Any,
    loss_fn: LossFn,
    device: torch.device,
    num_classes: int,
    amp: str = "off",
    channels_last: bool = False,
) -> EvalResult:
    """Mean loss, accuracy and confusion matrix of ``model`` over ``loader`` (eval mode)."""
    was_training = model.training
    model.eval()
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    confusion = torch.zeros(num_classes * num_classes, dtype=torch.int64, device=device)
    for batch in loader:
        inputs, targets = to_device(batch, device, channels_last)
        with autocast(amp, device):
            outputs = forward(model, inputs)
            loss = loss_fn(outputs, targets)
        loss_sum += loss.double() * len(targets)
        confusion += torch.bincount(
            targets * num_classes + outputs.argmax(1), minlength=num_classes * num_classes
        )
    model.train(was_training)
    confusion = confusion.view(num_classes, num_classes).cpu()
    count = int(confusion.sum())
    if count == 0:
        raise ValueError("evaluate: the loader gave no examples")
    return EvalResult(
        loss=float(loss_sum) / count,
        accuracy=float(confusion.trace()) / count,
        confusion=confusion,
    )


class Trainer:
    """Runs epochs of training and evaluation on a :class:`TrainState`, calling the callbacks.

    ``train_model`` is what the forward pass runs (the DDP wrapper under torchrun); evaluation and
    callbacks see the bare ``state.model``. Learning-rate schedulers step once per batch.
    """

    def __init__(
        self,
        state: TrainState,
        loss_fn: LossFn,
        *,
        train_model: nn.Module | None = None,
        amp: str = "off",
        grad_clip: float | None = None,
        channels_last: bool = False,
        callbacks: Sequence[Callback] = (),
        dist_info: DistInfo | None = None,
        progress: bool = True,
        monitor: str = "val_accuracy",
    ) -> None:
        self.state = state
        self.loss_fn = loss_fn
        self.train_model = train_model or state.model
        self.amp = amp
        self.grad_clip = grad_clip
        self.channels_last = channels_last
        self.callbacks = CallbackList(callbacks)
        self.dist = dist_info or DistInfo()
        self.progress = progress and self.dist.is_main
        self.monitor = monitor

    def train_epoch(self, loader: Any) -> dict[str, float]:
        """One pass over ``loader``; returns mean train loss and accuracy over all processes."""
        s, cb = self.state, self.callbacks
        self.train_model.train()
        totals = torch.zeros(3, dtype=torch.float64, device=s.device)  # loss sum, correct, count
        bar = tqdm(
            loader,
            desc=f"epoch {s.epoch + 1}/{s.epochs}",
            disable=not self.progress,
            leave=False,
            mininterval=2.0,
            dynamic_ncols=True,
        )
        for batch in bar:
            inputs, targets = to_device(batch, s.device, self.channels_last)
            s.batch = (inputs, targets)
            cb.on_batch_begin(s)
            with autocast(self.amp, s.device):
                outputs = forward(self.train_model, inputs)
                loss = self.loss_fn(outputs, targets)
            s.optimizer.zero_grad(set_to_none=True)
            s.scaler.scale(loss).backward()
            s.scaler.unscale_(s.optimizer)
            if self.grad_clip:
                nn.utils.clip_grad_norm_(s.model.parameters(), self.grad_clip)
            s.outputs, s.loss = outputs.detach(), loss.detach()
            cb.on_before_optimizer_step(s)
            s.scaler.step(s.optimizer)
            s.scaler.update()
            if s.scheduler is not None:
                s.scheduler.step()
            s.step += 1
            n = len(targets)
            totals += torch.stack(
                [
                    s.loss.double() * n,
                    (s.outputs.argmax(1) == targets).sum().double(),
                    torch.tensor(n, dtype=torch.float64, device=s.device),
                ]
            )
            cb.on_batch_end(s)
            if self.progress and s.step % 20 == 0:
                bar.set_postfix(loss=f"{s.loss.item():.4f}", refresh=False)
        loss_sum, correct, count = all_reduce_sum(totals, self.dist).tolist()
        return {"train_loss": loss_sum / count, "train_accuracy": correct / count}

    def fit(self, train_loader: Any, eval_loader: Any) -> EvalResult | None:
        """Train from ``state.epoch`` to ``state.epochs``; returns the last evaluation (if any)."""
        s, cb = self.state, self.callbacks
        s.eval_loader = eval_loader
        num_classes = len(s.class_names)
        last = None
        cb.on_train_begin(s)
        while s.epoch < s.epochs and not s.stop_training:
            for sampler in (train_loader.sampler, train_loader.batch_sampler):
                if hasattr(sampler, "set_epoch"):  # reshuffle with seed + epoch
                    sampler.set_epoch(s.epoch)
            cb.on_epoch_begin(s)
            start = time.perf_counter()
            train = self.train_epoch(train_loader)
            last = evaluate(
                s.model,
                eval_loader,
                self.loss_fn,
                s.device,
                num_classes,
                self.amp,
                self.channels_last,
            )
            s.metrics = {
                "epoch": s.epoch + 1,
                **train,
                "val_loss": last.loss,
                "val_accuracy": last.accuracy,
                "lr": s.optimizer.param_groups[0]["lr"],
                "time_s": time.perf_counter() - start,
            }
            s.history.append(s.metrics)
            if not s.best or s.metrics[self.monitor] > s.best[self.monitor]:
                s.best = dict(s.metrics)
            cb.on_epoch_end(s)
            if s.is_main:
                tqdm.write(
                    f"epoch {s.epoch + 1}/{s.epochs}: train loss {train['train_loss']:.4f} "
                    f"acc {train['train_accuracy']:.4f} | val loss {last.loss:.4f} "
                    f"acc {last.accuracy:.4f} | {s.metrics['time_s']:.1f}s"
                )
            s.epoch += 1
        cb.on_train_end(s)
        return last
