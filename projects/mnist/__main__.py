"""Train an MLP or a CNN on MNIST or Fashion-MNIST.

    python -m projects.mnist --model cnn --epochs 4
    torchrun --nproc_per_node 2 -m projects.mnist --model mlp   # DistributedDataParallel

Data: the IDX files under ``$MINITORCH_DATA/mnist`` (or ``--data-root``), else torchvision's
download into the cache. The 10,000 test images are the evaluation set; the final epoch is
reported (no model selection on the test set).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from torchvision.transforms import v2

from projects.common.callbacks import Callback
from projects.common.cli import build_parser, parse_args
from projects.common.experiment import Task, run, setup
from projects.common.image_data import AugmentedImages, normalized_dataset, normalizer
from projects.common.mnist_data import CLASSES, load_mnist
from projects.mnist.models import cnn, mlp

MEAN_STD = {"mnist": ((0.1307,), (0.3081,)), "fashion-mnist": ((0.2860,), (0.3530,))}


def parser() -> argparse.ArgumentParser:
    p = build_parser("mnist", "Train an MLP or a CNN on MNIST / Fashion-MNIST.")
    g = p.add_argument_group("mnist")
    g.add_argument("--model", choices=("cnn", "mlp"), default="cnn")
    g.add_argument("--width", type=int, default=16, help="cnn: channels of the first stage")
    g.add_argument("--dataset", choices=tuple(MEAN_STD), default="mnist")
    g.add_argument("--augment", action="store_true", help="random shifts of up to 2 pixels")
    g.add_argument("--no-download", action="store_true", help="never download (offline data only)")
    p.set_defaults(epochs=4, batch_size=128, optimizer="sgd", lr=0.1, schedule="onecycle")
    return p


def build_task(args: argparse.Namespace) -> Task:
    data = load_mnist(args.dataset, args.data_root, args.cache, download=not args.no_download)
    mean, std = MEAN_STD[args.dataset]
    train_x, train_y = data["train"]
    if args.augment:
        shift = v2.Compose([v2.RandomAffine(degrees=0, translate=(2 / 28, 2 / 28)), normalizer(mean, std)])
        train_set: Any = AugmentedImages(train_x, train_y, shift)
    else:
        train_set = normalized_dataset(train_x, train_y, mean, std)
    return Task(
        name="mnist",
        model=cnn(args.width) if args.model == "cnn" else mlp(),
        train_set=train_set,
        val_set=normalized_dataset(*data["test"], mean, std),
        val_name="test",
        class_names=CLASSES[args.dataset],
        extra={"model": args.model, "width": args.width, "dataset": args.dataset},
    )


def main(argv: Sequence[str] | None = None, callbacks: Sequence[Callback] = ()) -> dict[str, Any]:
    """Parse flags, train, and return the run's metrics (the contents of metrics.json)."""
    args = parse_args(parser(), "mnist", argv)
    device, info = setup(args)
    return run(args, build_task(args), device, info, callbacks)


if __name__ == "__main__":
    main()
