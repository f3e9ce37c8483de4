"""Rebuild a project's model and data from one of its checkpoints (for the diagnostics CLI).

A checkpoint holds the run's flags (``extra["args"]``); the project's own ``build_task`` turns
them back into the model and datasets, and the checkpoint's weights are loaded into the model.
"""

from __future__ import annotations

import argparse
import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from projects.common.checkpoint import load_checkpoint
from projects.common.experiment import Task

PROJECTS = ("mnist", "cifar10")


@dataclass
class LoadedRun:
    project: str
    args: argparse.Namespace  # the run's flags
    task: Task  # model (checkpoint weights loaded, eval mode) and datasets
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
    """The project's task rebuilt from the checkpoint's flags, with its weights (unless
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
    task = importlib.import_module(f"projects.{project}.__main__").build_task(args)
    task.model.to(device)
    if load_weights:
        task.model.load_state_dict(ckpt["model"])
    task.model.eval()
    return LoadedRun(project, args, task, ckpt, run_dir_of(checkpoint))
