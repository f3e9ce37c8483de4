"""TensorBoard logging: a writer for the run folder, and the few things a training loop logs.

- :class:`RunWriter`: ``<run>/tb`` event files (``tensorboard --logdir runs/``), mirrored to
  Weights & Biases with ``--wandb``; on a non-main DDP process it writes nothing;
- :func:`log_config`: the run's flags, as a text table;
- :func:`log_sample_images`: a grid of evaluation inputs;
- :func:`log_step`: the loss and learning rate of one optimizer step;
- :func:`log_epoch`: the epoch's metrics, and histograms of every weight and gradient, tagged
  with the parameter's name in the model (``conv1.weight``).

A histogram of values that are not all finite is skipped (TensorBoard cannot bin them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.tensorboard import SummaryWriter

from projects.common.wandb_mirror import WandbMirror


class RunWriter:
    """``SummaryWriter``'s ``add_*`` methods, writing to TensorBoard and, if asked, to W&B.

    ``purge_step``: on resume, events at or after this step (written by the interrupted process
    after its last checkpoint) are discarded.
    """

    def __init__(
        self,
        out_dir: Path,
        project: str,
        config: dict[str, Any],
        *,
        enabled: bool = True,
        purge_step: int | None = None,
        wandb: bool = False,
    ) -> None:
        self.enabled = enabled
        self.tb = SummaryWriter(str(out_dir / "tb"), purge_step=purge_step) if enabled else None
        self.wandb = WandbMirror(out_dir, project, config) if enabled and wandb else None

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        if self.tb:
            self.tb.add_scalar(tag, value, step)
        if self.wandb:
            self.wandb.scalar(tag, value, step)

    def add_images(self, tag: str, images: torch.Tensor, step: int) -> None:
        if self.tb:
            self.tb.add_images(tag, images, step)
        if self.wandb:
            self.wandb.images(tag, images, step)

    def add_histogram(self, tag: str, values: torch.Tensor | np.ndarray, step: int) -> None:
        array = values.detach().float().cpu().numpy() if isinstance(values, torch.Tensor) else values
        if not self.enabled or array.size == 0 or not np.isfinite(array).all():
            return  # TensorBoard cannot bin NaN or inf ("The histogram is empty")
        self.tb.add_histogram(tag, array, step)
        if self.wandb:
            self.wandb.histogram(tag, array, step)

    def add_text(self, tag: str, text: str, step: int) -> None:
        if self.tb:
            self.tb.add_text(tag, text, step)
        if self.wandb:
            self.wandb.text(tag, text, step)

    def flush(self) -> None:
        if self.tb:
            self.tb.flush()

    def close(self) -> None:
        if self.tb:
            self.tb.close()
        if self.wandb:
            self.wandb.finish()


def log_config(writer: RunWriter, config: dict[str, Any]) -> None:
    """The run's flags as a two-column table (TensorBoard's TEXT tab; W&B stores them as config)."""
    rows = "\n".join(f"| {k} | {v} |" for k, v in config.items())
    writer.add_text("run/config", f"| flag | value |\n|---|---|\n{rows}", 0)


def log_sample_images(writer: RunWriter, dataset: Any, count: int = 32) -> None:
    """The first ``count`` inputs of an image dataset, each rescaled to [0, 1] (text: nothing)."""
    inputs = [dataset[i][0] for i in range(min(count, len(dataset)))]  # read directly: no RNG drawn
    if not inputs or not all(isinstance(x, torch.Tensor) and x.dim() == 3 for x in inputs):
        return
    images = torch.stack(inputs).float()
    lo = images.amin(dim=(1, 2, 3), keepdim=True)
    hi = images.amax(dim=(1, 2, 3), keepdim=True)
    writer.add_images("samples/eval_inputs", (images - lo) / (hi - lo + 1e-8), 0)


def log_step(writer: RunWriter, step: int, loss: torch.Tensor, optimizer: torch.optim.Optimizer) -> None:
    """The loss of the step and the learning rate of every parameter group."""
    writer.add_scalar("train/loss_step", loss.item(), step)
    for i, group in enumerate(optimizer.param_groups):
        writer.add_scalar(f"train/lr_group{i}", group["lr"], step)


def log_epoch(writer: RunWriter, metrics: dict[str, float], model: nn.Module, histograms: bool) -> None:
    """``epoch/<metric>`` scalars; with ``histograms`` the weights and gradients by parameter name."""
    epoch = int(metrics["epoch"])
    for key, value in metrics.items():
        if key != "epoch":
            writer.add_scalar(f"epoch/{key}", value, epoch)
    if histograms:
        for name, p in model.named_parameters():
            writer.add_histogram(f"weights/{name}", p.detach().float().cpu(), epoch)
            if p.grad is not None:
                writer.add_histogram(f"grads/{name}", p.grad.float().cpu(), epoch)
    writer.flush()
