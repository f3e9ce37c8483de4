"""The command-line flags every project shares; each project adds its own and sets its defaults.

``--help`` shows every flag with its default (``ArgumentDefaultsHelpFormatter``).
"""

from __future__ import annotations

import argparse

from projects.common.amp import AMP_MODES
from projects.common.schedules import SCHEDULES


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1 (argparse turns the ValueError into a usage error)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def build_parser(project: str, description: str) -> argparse.ArgumentParser:
    """A parser with the shared flags (projects add theirs and set their defaults)."""
    p = argparse.ArgumentParser(
        prog=f"python -m projects.{project}",
        description=description,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    g = p.add_argument_group("data and output")
    g.add_argument("--data-root", help="offline data folder (None: $MINITORCH_DATA, else ../shared/data)")
    g.add_argument("--cache", help="download cache (None: $MINITORCH_CACHE, else ~/.cache/minitorch-lab)")
    g.add_argument("--out", help="run folder (None: runs/<project>/<date-time>)")
    g.add_argument("--resume", action="store_true", help="continue the run in --out from its last.pt")
    g.add_argument(
        "--limit-train", type=positive_int, help="use only the first N training examples (None: all)"
    )
    g.add_argument(
        "--limit-eval", type=positive_int, help="use only the first N evaluation examples (None: all)"
    )
    g = p.add_argument_group("training")
    g.add_argument("--epochs", type=positive_int, default=10, help="passes over the training set")
    g.add_argument("--batch-size", type=positive_int, default=128, help="global batch (all processes)")
    g.add_argument("--optimizer", choices=("sgd", "adam", "adamw"), default="sgd", help="optimizer")
    g.add_argument("--lr", type=float, default=0.1, help="learning rate (peak rate for onecycle)")
    g.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (Nesterov)")
    g.add_argument(
        "--weight-decay", type=float, default=5e-4, help="weight decay (L2 for sgd/adam, decoupled for adamw)"
    )
    g.add_argument(
        "--schedule", choices=SCHEDULES, default="onecycle", help="learning-rate schedule, stepped per batch"
    )
    g.add_argument("--warmup-epochs", type=float, default=0.0, help="linear warmup (not onecycle)")
    g.add_argument("--step-epochs", type=int, default=10, help="step schedule: epochs per decay")
    g.add_argument("--gamma", type=float, default=0.1, help="step schedule: decay factor")
    g.add_argument("--grad-clip", type=float, help="clip the gradient norm to this value (None: off)")
    g.add_argument(
        "--amp", choices=AMP_MODES, default="off", help="mixed precision: fp16 on CUDA, bf16 on CPU"
    )
    g = p.add_argument_group("machine and logging")
    g.add_argument("--seed", type=int, default=0, help="seed of every random number generator")
    g.add_argument("--device", choices=("auto", "cuda", "mps", "cpu"), default="auto", help="device")
    g.add_argument("--threads", type=int, help="CPU threads per process (None: cores / processes)")
    g.add_argument("--log-every", type=int, default=50, help="TensorBoard step scalars every N steps")
    g.add_argument(
        "--histogram-every", type=int, default=1, help="weight/grad histograms every N epochs (0: off)"
    )
    g.add_argument("--no-progress", action="store_true", help="no tqdm progress bars")
    g.add_argument(
        "--wandb",
        action="store_true",
        help="also log to Weights & Biases (offline unless WANDB_MODE is set; files in <run>/wandb)",
    )
    return p
