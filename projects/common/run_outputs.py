"""What a run folder ends with: metrics.json, loss/accuracy curves and a confusion matrix (PNG)."""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt  # headless machines fall back to the Agg backend
import numpy as np
import torch
import torchvision
from matplotlib.ticker import MaxNLocator

from projects.common.atomic import atomic_write


def write_json_atomic(obj: Any, path: Path) -> None:
    """Write JSON to a temporary file next to ``path``, then rename it into place."""
    with atomic_write(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def versions() -> dict[str, str]:
    """Versions that decide the numbers of a run."""
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "torch_threads": str(torch.get_num_threads()),
    }


def command_line() -> str:
    """The command as typed (``python -m projects.mnist ...``), interpreter path shortened."""
    return " ".join([Path(sys.orig_argv[0]).name, *sys.orig_argv[1:]])


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_curves(history: Sequence[dict[str, float]], out_dir: Path, val_label: str = "val") -> list[Path]:
    """``loss.png`` and ``accuracy.png``: train and validation values per epoch."""
    epochs = [h["epoch"] for h in history]
    paths = []
    for metric in ("loss", "accuracy"):
        fig, ax = plt.subplots(figsize=(6, 4))
        for split, label in (("train", "train"), ("val", val_label)):
            ax.plot(epochs, [h[f"{split}_{metric}"] for h in history], marker="o", label=label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(f"{metric} per epoch")
        ax.grid(alpha=0.3)
        ax.legend()
        paths.append(_save(fig, out_dir / f"{metric}.png"))
    return paths


def plot_confusion(confusion: torch.Tensor, class_names: Sequence[str], path: Path, title: str) -> Path:
    """A confusion matrix (rows: true class, columns: predicted) with the counts written in."""
    matrix = confusion.numpy()
    n = len(class_names)
    fig, ax = plt.subplots(figsize=(1.6 + 0.55 * n, 1.2 + 0.5 * n))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(n), class_names, rotation=45, ha="right")
    ax.set_yticks(range(n), class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    threshold = matrix.max() / 2
    for i in range(n):
        for j in range(n):
            color = "white" if matrix[i, j] > threshold else "black"
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", color=color, fontsize=8)
    return _save(fig, path)


def format_confusion(confusion: torch.Tensor, class_names: Sequence[str]) -> str:
    """The confusion matrix as aligned text (rows: true class, columns: predicted)."""
    names = [str(c)[:10] for c in class_names]
    width = max(6, *(len(n) for n in names), len(str(int(confusion.max())))) + 1
    lines = ["true \\ pred".ljust(12) + "".join(n.rjust(width) for n in names)]
    for name, row in zip(names, confusion.tolist(), strict=True):
        lines.append(name.ljust(12) + "".join(str(v).rjust(width) for v in row))
    return "\n".join(lines)
