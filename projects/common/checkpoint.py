"""Checkpoints: everything needed to continue a run exactly, written atomically.

A checkpoint holds the model, optimizer, scheduler and GradScaler states, the number of finished
epochs and optimizer steps, the metric history, every RNG state, and ``extra`` (what a project
needs to rebuild its model: a config dict, a vocabulary). It is written to a temporary file and
renamed over the old one, so an interruption never leaves a half-written checkpoint, and it loads
with ``torch.load(weights_only=True)`` (no arbitrary pickled code).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from projects.common.atomic import atomic_write
from projects.common.callbacks import Callback, TrainState
from projects.common.seeding import rng_state, set_rng_state

LAST, BEST = "last.pt", "best.pt"


def save_atomic(obj: Any, path: Path) -> None:
    """``torch.save`` to a temporary file next to ``path``, then rename it into place."""
    with atomic_write(path) as f:
        torch.save(obj, f)


def checkpoint_dict(state: TrainState, extra: dict[str, Any]) -> dict[str, Any]:
    """The checkpoint of a run at the end of epoch ``state.epoch``."""
    return {
        "model": state.model.state_dict(),
        "optimizer": state.optimizer.state_dict(),
        "scheduler": state.scheduler.state_dict() if state.scheduler else None,
        "scaler": state.scaler.state_dict() if state.scaler else None,
        "epochs_done": state.epoch + 1,
        "step": state.step,
        "history": state.history,
        "best": state.best,
        "rng": rng_state(),
        "extra": extra,
    }


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_checkpoint: no checkpoint at {path}")
    return torch.load(path, map_location=map_location, weights_only=True)


def restore(state: TrainState, ckpt: dict[str, Any]) -> None:
    """Put a checkpoint's states back into a freshly built run (``state.epoch`` = next epoch)."""
    state.model.load_state_dict(ckpt["model"])
    state.optimizer.load_state_dict(ckpt["optimizer"])
    if state.scheduler is not None:
        state.scheduler.load_state_dict(ckpt["scheduler"])
    if state.scaler is not None and ckpt["scaler"]:
        state.scaler.load_state_dict(ckpt["scaler"])
    state.epoch = ckpt["epochs_done"]
    state.step = ckpt["step"]
    state.history = list(ckpt["history"])
    state.best = dict(ckpt["best"])
    set_rng_state(ckpt["rng"])


class CheckpointCallback(Callback):
    """After every epoch write ``last.pt``; also ``best.pt`` when the epoch is the best so far."""

    def __init__(self, folder: Path, extra: dict[str, Any] | None = None) -> None:
        self.folder = folder
        self.extra = extra or {}

    def on_epoch_end(self, state: TrainState) -> None:
        if not state.is_main:
            return
        ckpt = checkpoint_dict(state, self.extra)
        save_atomic(ckpt, self.folder / LAST)
        if state.best.get("epoch") == state.epoch + 1:
            save_atomic(ckpt, self.folder / BEST)
