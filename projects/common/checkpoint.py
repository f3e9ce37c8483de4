"""Checkpoints: everything needed to continue a run exactly, written atomically.

A checkpoint holds the model, optimizer, scheduler and GradScaler states, the number of finished
epochs and optimizer steps, the metric history, every RNG state, and ``extra`` (what a project
needs to rebuild its model: its flags, a config dict, a vocabulary). It is written to a temporary
file and renamed over the old one, so an interruption never leaves a half-written checkpoint, and
it loads with ``torch.load(weights_only=True)`` (no arbitrary pickled code).

A run keeps two: ``best.pt`` (the epoch with the best validation accuracy) and ``last.pt`` (the
latest epoch). :func:`save_checkpoints` writes ``best.pt`` first: a run killed between the two
writes resumes from the previous ``last.pt``, redoes that epoch and writes both again, and
``best.pt`` always records the epoch whose weights it holds.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from projects.common.atomic import atomic_write
from projects.common.errors import CheckpointError
from projects.common.seeding import rng_state, set_rng_state

LAST, BEST = "last.pt", "best.pt"


def checkpoint_dict(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None,
    scaler: torch.amp.GradScaler | None,
    history: list[dict[str, float]],
    step: int,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """The checkpoint of a run after ``len(history)`` epochs and ``step`` optimizer steps."""
    return {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict() if scheduler else None,
        "scaler": scaler.state_dict() if scaler else None,
        "epochs_done": len(history),
        "step": step,
        "history": history,
        "rng": rng_state(),
        "extra": extra,
    }


def save_atomic(obj: Any, path: Path) -> None:
    """``torch.save`` to a temporary file next to ``path``, then rename it into place."""
    with atomic_write(path) as f:
        torch.save(obj, f)


def save_checkpoints(folder: Path, ckpt: dict[str, Any], is_best: bool) -> None:
    """``best.pt`` (when this epoch is the best so far), then ``last.pt``."""
    if is_best:
        save_atomic(ckpt, folder / BEST)
    save_atomic(ckpt, folder / LAST)


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True``; :class:`CheckpointError` when it is missing
    or unreadable (the message never suggests loading unsafely)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except (RuntimeError, EOFError, OSError, pickle.UnpicklingError, zipfile.BadZipFile) as err:
        raise CheckpointError(  # torch's own message advises weights_only=False: never repeat it
            f"{path} is not a readable checkpoint ({type(err).__name__}): the file is truncated, "
            "corrupt, or was not written by these projects; delete it or choose another file"
        ) from None
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        raise CheckpointError(f"{path} holds no model weights: not a checkpoint of these projects")
    return ckpt


def restore_checkpoint(
    ckpt: dict[str, Any],
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None,
    scaler: torch.amp.GradScaler | None,
) -> tuple[int, int, list[dict[str, float]]]:
    """Put a checkpoint's states back into a freshly built run; returns the epoch to start
    from (counted from 0), the optimizer steps taken and the metric history so far."""
    model.load_state_dict(ckpt["model"])
    optimizer.load_state_dict(ckpt["optimizer"])
    if scheduler is not None:
        scheduler.load_state_dict(ckpt["scheduler"])
    if scaler is not None and ckpt["scaler"] is not None:
        scaler.load_state_dict(ckpt["scaler"])
    set_rng_state(ckpt["rng"])
    return ckpt["epochs_done"], ckpt["step"], list(ckpt["history"])
