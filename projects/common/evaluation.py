"""Evaluation: mean loss, accuracy and confusion matrix of a model over a loader.

A batch is ``(inputs, targets)``; ``inputs`` is a tensor or a tuple of tensors passed to the
model as positional arguments (e.g. ``(token_ids, lengths)``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from projects.common.amp import autocast

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
