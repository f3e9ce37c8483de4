"""Train a ResNet on CIFAR-10 (the offline 4,000/1,000 subset, or the full set via torchvision).

    python -m projects.cifar10 --model small --epochs 30
    python -m projects.cifar10 --model small --no-augment          # the same without augmentation
    python -m projects.cifar10 --pretrained imagenet --image-size 64 --freeze-backbone
    python -m projects.cifar10 --init-from runs/cifar10/X/checkpoints/best.pt --freeze-backbone

The test images are the evaluation set; the final epoch is reported (no selection on test).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from torch import nn
from torchvision.transforms import v2

from projects.cifar10.models import MODELS, freeze_backbone, imagenet_resnet18, load_backbone
from projects.common.callbacks import Callback
from projects.common.checkpoint import load_checkpoint
from projects.common.cifar_data import CLASSES, load_cifar_full, load_cifar_subset
from projects.common.cli import build_parser, parse_args
from projects.common.data_root import DataMissingError
from projects.common.experiment import Task, run, setup
from projects.common.image_data import AugmentedImages, normalized_dataset, normalizer

CIFAR_MEAN_STD = ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))
IMAGENET_MEAN_STD = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))


def parser() -> argparse.ArgumentParser:
    p = build_parser("cifar10", "Train a ResNet on CIFAR-10.")
    g = p.add_argument_group("cifar10")
    g.add_argument("--model", choices=tuple(MODELS), default="small")
    g.add_argument("--width", type=int, default=16, help="small ResNet: channels of the first stage")
    g.add_argument(
        "--dataset",
        choices=("auto", "subset", "full"),
        default="auto",
        help="auto: the offline subset when found, else the full set (download)",
    )
    g.add_argument("--no-augment", action="store_true", help="no random crop / flip")
    g.add_argument("--cutout", type=int, default=0, help="erase a random NxN square (0: off)")
    g.add_argument("--label-smoothing", type=float, default=0.0)
    g.add_argument(
        "--pretrained",
        metavar="imagenet|PATH",
        help="torchvision ImageNet ResNet-18 (downloaded, or a state-dict file)",
    )
    g.add_argument("--init-from", metavar="CKPT", help="start from this project's checkpoint")
    g.add_argument("--freeze-backbone", action="store_true", help="train only the new head")
    g.add_argument("--image-size", type=int, default=32, help="resize inputs (e.g. 64+ for ImageNet weights)")
    g.add_argument("--no-download", action="store_true", help="never download (offline data only)")
    p.set_defaults(epochs=20, batch_size=128, optimizer="sgd", lr=0.1, schedule="onecycle")
    return p


def load_data(args: argparse.Namespace) -> dict[str, Any]:
    """The subset (``subset``, or ``auto`` when it is found) or the full set via torchvision."""
    if args.dataset == "full":
        return load_cifar_full(args.cache, download=not args.no_download)
    try:
        return load_cifar_subset(args.data_root)
    except DataMissingError as subset_err:
        if args.dataset == "subset":
            raise
        try:
            return load_cifar_full(args.cache, download=not args.no_download)
        except DataMissingError as full_err:
            raise DataMissingError(f"{subset_err}\n\n{full_err}") from full_err


def build_model(args: argparse.Namespace) -> nn.Module:
    """The chosen architecture, optionally from pretrained weights, optionally frozen."""
    if args.pretrained:
        model = imagenet_resnet18(args.pretrained, len(CLASSES))
    elif args.model == "small":
        model = MODELS["small"](args.width, len(CLASSES))
    else:
        model = MODELS[args.model](len(CLASSES))
    if args.init_from:
        load_backbone(model, load_checkpoint(args.init_from)["model"])
    if args.freeze_backbone:
        if not (args.pretrained or args.init_from):
            raise ValueError("--freeze-backbone needs --pretrained or --init-from")
        freeze_backbone(model)
    return model


def build_task(args: argparse.Namespace) -> Task:
    data = load_data(args)
    mean, std = IMAGENET_MEAN_STD if args.pretrained else CIFAR_MEAN_STD
    resize = [v2.Resize(args.image_size, antialias=True)] if args.image_size != 32 else []
    test_x, test_y = data["test"]
    train_x, train_y = data["train"]
    augment: list[Any] = []
    if not args.no_augment:
        augment += [v2.RandomCrop(32, padding=4, padding_mode="reflect"), v2.RandomHorizontalFlip()]
    if augment or args.cutout:
        cutout = (
            [v2.RandomErasing(p=1.0, scale=(args.cutout**2 / 1024,) * 2, ratio=(1, 1))] if args.cutout else []
        )
        transform = v2.Compose([*augment, *resize, normalizer(mean, std), *cutout])
        train_set: Any = AugmentedImages(train_x, train_y, transform)
    else:
        train_set = normalized_dataset(v2.Compose(resize)(train_x) if resize else train_x, train_y, mean, std)
    return Task(
        name="cifar10",
        model=build_model(args),
        train_set=train_set,
        val_set=normalized_dataset(v2.Compose(resize)(test_x) if resize else test_x, test_y, mean, std),
        val_name="test",
        class_names=CLASSES,
        loss_fn=nn.CrossEntropyLoss(label_smoothing=args.label_smoothing),
        extra={"model": args.model, "width": args.width, "pretrained": bool(args.pretrained)},
    )


def main(argv: Sequence[str] | None = None, callbacks: Sequence[Callback] = ()) -> dict[str, Any]:
    """Parse flags, train, and return the run's metrics (the contents of metrics.json)."""
    args = parse_args(parser(), "cifar10", argv)
    device, info = setup(args)
    return run(args, build_task(args), device, info, callbacks)


if __name__ == "__main__":
    main()
