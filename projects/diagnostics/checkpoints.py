"""Rebuild a project's model and data from one of its checkpoints (for the diagnostics CLI).

A checkpoint holds the run's flags (``extra["args"]``); the project's own ``build_model`` and
``datasets`` turn them back into the model and datasets, and the checkpoint's weights are loaded
into the model.
"""

from __future__ import annotations

import argparse
import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from projects.common.checkpoint import load_checkpoint

PROJECTS = ("mnist", "cifar10")


@dataclass
class LoadedRun:
    project: str
    args: argparse.Namespace  # the run's flags
    model: nn.Module  # checkpoint weights loaded (unless a fresh model was asked for), eval mode
    train_set: Any
    eval_set: Any  # the set the run evaluated on (the test images)
    class_names: list[str]
    loss_fn: nn.Module
    checkpoint: dict[str, Any]
    run_dir: Path  # the folder the checkpoint belongs to


def run_dir_of(checkpoint: Path) -> Path:
    """``<run>/checkpoints/last.pt`` -> ``<run>``."""
    return checkpoint.parent.parent if checkpoint.parent.name == "checkpoints" else checkpoint.parent


def infer_project(checkpoint: Path) -> str:
    """The project from the run's ``metrics.json``, else from a ``runs/<project>/`` path."""
    metrics = run_dir_of(checkpoint) / "metrics.json"
    if metrics.is_file():
        project = json.loads(metrics.read_text()).get("project")
        if project in PROJECTS:
            return project
    for part in reversed(checkpoint.resolve().parts):
        if part in PROJECTS:
            return part
    raise ValueError(
        f"diagnostics: cannot tell which project made {checkpoint}; pass --project {'|'.join(PROJECTS)}"
    )


def load_run(
    checkpoint: str | Path,
    project: str | None = None,
    data_root: str | None = None,
    device: torch.device | str = "cpu",
    load_weights: bool = True,
) -> LoadedRun:
    """The project's model and data rebuilt from the checkpoint's flags, with its weights (unless
    ``load_weights`` is False: a freshly initialized model of the same architecture)."""
    checkpoint = Path(checkpoint)
    ckpt = load_checkpoint(checkpoint, device)
    project = project or infer_project(checkpoint)
    if project not in PROJECTS:
        raise ValueError(f"diagnostics: project {project!r} is not one of {PROJECTS}")
    args = argparse.Namespace(**ckpt["extra"]["args"])
    args.data_root = data_root or args.data_root
    if project == "cifar10":  # the weights come from the checkpoint: do not fetch the run's start point
        args.init_from, args.freeze_backbone = None, False
    module = importlib.import_module(f"projects.{project}.__main__")
    model = module.build_model(args).to(device)
    if load_weights:
        model.load_state_dict(ckpt["model"])
    model.eval()
    train_set, eval_set = module.datasets(args)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=getattr(args, "label_smoothing", 0.0))
    class_names = list(ckpt["extra"]["class_names"])
    return LoadedRun(
        project, args, model, train_set, eval_set, class_names, loss_fn, ckpt, run_dir_of(checkpoint)
    )
