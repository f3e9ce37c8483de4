"""Weights & Biases: the run's TensorBoard scalars, images, histograms and config, mirrored.

Offline by default: unless ``WANDB_MODE`` is set, the run is recorded in ``<run>/wandb/`` with no
network and no account; ``wandb sync <run>/wandb/offline-run-*`` uploads it later. The ``wandb``
package is optional (``pip install -e '.[wandb]'``).

W&B wants one increasing step per run, while TensorBoard plots each tag on its own axis; every
tag is therefore plotted against the axis it uses in TensorBoard: ``epoch`` for ``epoch/*`` tags,
``step`` (optimizer steps) for the others.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torchvision.utils import make_grid

from projects.common.errors import RunError


def axis_of(tag: str) -> str:
    return "epoch" if tag.startswith("epoch/") else "step"


class WandbMirror:
    """A ``wandb`` run that receives what :class:`~projects.common.tensorboard_logging.RunWriter`
    writes to TensorBoard."""

    def __init__(self, out_dir: Path, project: str, config: dict[str, Any]) -> None:
        try:
            import wandb
        except ImportError:
            raise RunError(
                "--wandb needs the wandb package: pip install -e '.[wandb]' (or pip install wandb)"
            ) from None
        os.environ.setdefault("WANDB_MODE", "offline")
        os.environ.setdefault("WANDB_SILENT", "true")
        self.wandb = wandb
        self.run = wandb.init(
            project=f"minitorch-lab-{project}", name=out_dir.name, dir=str(out_dir), config=config
        )
        for axis in ("epoch", "step"):
            self.run.define_metric(axis, hidden=True)
        self.defined: set[str] = set()

    def _log(self, tag: str, value: Any, step: int) -> None:
        axis = axis_of(tag)
        if tag not in self.defined:
            self.run.define_metric(tag, step_metric=axis)
            self.defined.add(tag)
        self.run.log({tag: value, axis: step})

    def scalar(self, tag: str, value: float, step: int) -> None:
        self._log(tag, value, step)

    def images(self, tag: str, images: torch.Tensor, step: int) -> None:
        """``images``: (N, C, H, W) floats in [0, 1], shown as one grid."""
        grid = make_grid(images.float().cpu(), nrow=8, padding=1)
        self._log(tag, self.wandb.Image(grid.permute(1, 2, 0).numpy()), step)

    def histogram(self, tag: str, values: np.ndarray, step: int) -> None:
        self._log(tag, self.wandb.Histogram(np.asarray(values, dtype=np.float64).ravel()), step)

    def text(self, tag: str, text: str, step: int) -> None:
        self._log(tag, self.wandb.Html(f"<pre>{text}</pre>"), step)

    def finish(self) -> None:
        self.run.finish()
