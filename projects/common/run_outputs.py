"""The run folder, and what it ends with: metrics.json, loss/accuracy curves and a confusion
matrix (PNG)."""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt  # headless machines fall back to the Agg backend
import numpy as np
import torch
import torchvision
from matplotlib.ticker import MaxNLocator

from projects.common.atomic import atomic_write, remove_stale_temporaries
from projects.common.checkpoint import LAST
from projects.common.errors import RunError


def run_folder(args: argparse.Namespace, project: str) -> Path:
    """``--out``, or ``runs/<project>/<date-time>``. Refuses to overwrite a run without
    ``--resume``; removes the temporary files a killed run left behind."""
    if args.resume and not args.out:
        raise RunError("--resume needs --out (the run folder to continue)")
    out = Path(args.out) if args.out else Path("runs") / project / datetime.now().strftime("%Y%m%d-%H%M%S")
    if (out / "checkpoints" / LAST).exists() and not args.resume:
        raise RunError(
            f"run folder {out} already holds a checkpoint; pass --resume to continue it "
            "or choose another --out"
        )
    for path in remove_stale_temporaries(out):
        print(f"removed {path}, left by an interrupted run")
    return out


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
    with atomic_write(path) as f:
        fig.savefig(f, format="png", dpi=110)
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


def write_report(
    out: Path,
    *,
    project: str,
    split: str,
    weights: str,
    weights_file: str,
    weights_epoch: int,
    result: Any,
    history: list[dict[str, float]],
    class_names: Sequence[str],
    args: argparse.Namespace,
    device: Any,
    wall_time_s: float,
    val_name: str = "val",
) -> dict[str, Any]:
    """Write ``metrics.json``, ``loss.png``, ``accuracy.png`` and ``confusion_matrix.png``, print
    the summary; returns the metrics. ``result`` (an ``EvalResult``) is the evaluation of the
    weights in ``weights_file`` (saved after epoch ``weights_epoch``) on ``split``."""
    metrics = {
        "project": project,
        "report": {
            "split": split,
            "weights": weights,
            "weights_file": weights_file,
            "weights_epoch": weights_epoch,
            "loss": result.loss,
            "accuracy": result.accuracy,
        },
        "final": history[-1],
        "best": max(history, key=lambda h: h["val_accuracy"]),
        "confusion_matrix": result.confusion.tolist(),
        "class_names": list(class_names),
        "train_time_s": sum(h["time_s"] for h in history),
        "wall_time_s": wall_time_s,
        "command": command_line(),
        "args": vars(args),
        "device": str(device),
        "versions": versions(),
        "history": history,
    }
    write_json_atomic(metrics, out / "metrics.json")
    plot_curves(history, out, val_name)
    title = f"{project}: {split} accuracy {result.accuracy:.4f}"
    plot_confusion(result.confusion, class_names, out / "confusion_matrix.png", title)
    print(f"{split} accuracy {result.accuracy:.4f}, loss {result.loss:.4f} ({weights}: {weights_file})")
    print(format_confusion(result.confusion, class_names))
    print(f"run folder: {out}")
    return metrics
