"""The command-line flags every project shares, and the extension point for other tools.

Extension point: each module named in ``EXTENSIONS`` that can be imported may define

- ``add_arguments(parser: argparse.ArgumentParser, project: str) -> None``: add its flags;
- ``make_callbacks(args: argparse.Namespace, project: str) -> list[Callback]``: the callbacks
  (see ``projects.common.callbacks``) to run for these arguments.

so a tool (e.g. the diagnostics toolkit in ``projects/diagnostics/``) adds flags and hooks to
every project without editing them. A module that does not exist yet is skipped.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from types import ModuleType

from projects.common.amp import AMP_MODES
from projects.common.callbacks import Callback
from projects.common.schedules import SCHEDULES

EXTENSIONS: tuple[str, ...] = ("projects.diagnostics.cli",)


def load_extensions() -> list[ModuleType]:
    """The importable extension modules (a missing one is skipped, a broken one raises)."""
    modules = []
    for name in EXTENSIONS:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as err:
            if err.name is None or not name.startswith(err.name):
                raise
    return modules


def build_parser(project: str, description: str) -> argparse.ArgumentParser:
    """A parser with the shared flags (projects add theirs and set their defaults)."""
    p = argparse.ArgumentParser(
        prog=f"python -m projects.{project}",
        description=description,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    g = p.add_argument_group("data and output")
    g.add_argument("--data-root", help="offline data folder (default: $MINITORCH_DATA, else ../shared/data)")
    g.add_argument("--cache", help="download cache (default: $MINITORCH_CACHE, else ~/.cache/minitorch-lab)")
    g.add_argument("--out", help="run folder (default: runs/<project>/<date-time>)")
    g.add_argument("--resume", action="store_true", help="continue the run in --out from its last.pt")
    g.add_argument("--limit-train", type=int, help="use only the first N training examples")
    g.add_argument("--limit-eval", type=int, help="use only the first N evaluation examples")
    g = p.add_argument_group("training")
    g.add_argument("--epochs", type=int, default=10)
    g.add_argument("--batch-size", type=int, default=128, help="global batch (all processes)")
    g.add_argument("--optimizer", choices=("sgd", "adam", "adamw"), default="sgd")
    g.add_argument("--lr", type=float, default=0.1, help="learning rate (peak rate for onecycle)")
    g.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (Nesterov)")
    g.add_argument("--weight-decay", type=float, default=5e-4)
    g.add_argument("--schedule", choices=SCHEDULES, default="onecycle")
    g.add_argument("--warmup-epochs", type=float, default=0.0, help="linear warmup (not onecycle)")
    g.add_argument("--step-epochs", type=int, default=10, help="step schedule: epochs per decay")
    g.add_argument("--gamma", type=float, default=0.1, help="step schedule: decay factor")
    g.add_argument("--grad-clip", type=float, help="clip the gradient norm to this value")
    g.add_argument("--amp", choices=AMP_MODES, default="off", help="fp16 on CUDA, bf16 on CPU")
    g.add_argument("--channels-last", action="store_true", help="NHWC memory format for images")
    g = p.add_argument_group("machine and logging")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--device", choices=("auto", "cuda", "mps", "cpu"), default="auto")
    g.add_argument("--threads", type=int, help="CPU threads per process (default: cores / processes)")
    g.add_argument("--log-every", type=int, default=50, help="TensorBoard step scalars every N steps")
    g.add_argument("--histogram-every", type=int, default=1, help="weight/grad histograms every N epochs")
    g.add_argument("--no-progress", action="store_true", help="no tqdm progress bars")
    return p


def parse_args(
    parser: argparse.ArgumentParser, project: str, argv: Sequence[str] | None = None
) -> argparse.Namespace:
    """Add the extensions' flags, then parse ``argv``."""
    for ext in load_extensions():
        ext.add_arguments(parser, project)
    args = parser.parse_args(argv)
    if args.resume and not args.out:
        parser.error("--resume needs --out (the run folder to continue)")
    return args


def extension_callbacks(args: argparse.Namespace, project: str) -> list[Callback]:
    """The callbacks every loaded extension asks for."""
    return [cb for ext in load_extensions() for cb in ext.make_callbacks(args, project)]
