"""Train a ResNet on CIFAR-10 (the offline 4,000/1,000 subset, or the full set via torchvision):
the whole run, top to bottom.

    python -m projects.cifar10 --model small
    python -m projects.cifar10 --model small --no-augment          # the same without augmentation
    python -m projects.cifar10 --pretrained imagenet --image-size 64 --freeze-backbone
    python -m projects.cifar10 --init-from runs/cifar10/X/checkpoints/best.pt --freeze-backbone

There is no validation split: the test images are evaluated after every epoch, and the report is
the final epoch's weights (no model selection on test).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torchvision.transforms import v2
from tqdm import tqdm

from projects.cifar10.models import MODELS, freeze_backbone, imagenet_resnet18, load_backbone
from projects.common.amp import autocast, make_scaler
from projects.common.checkpoint import (
    LAST,
    checkpoint_dict,
    load_checkpoint,
    restore_checkpoint,
    save_checkpoints,
)
from projects.common.cifar_data import CLASSES, load_cifar_full, load_cifar_subset
from projects.common.cli import build_parser
from projects.common.data_root import DataMissingError
from projects.common.device import choose_device, configure_threads
from projects.common.distributed import all_reduce_sum, barrier, init_distributed, shutdown, wrap_model
from projects.common.errors import RunError, exit_on_run_error, stop_if_diverged
from projects.common.evaluation import evaluate
from projects.common.image_data import AugmentedImages, normalized_dataset, normalizer
from projects.common.loaders import limit, make_loader
from projects.common.run_outputs import run_folder, write_report
from projects.common.schedules import build_optimizer, build_schedule, schedule_warning
from projects.common.seeding import seed_everything
from projects.common.tensorboard_logging import (
    RunWriter,
    log_config,
    log_epoch,
    log_sample_images,
    log_step,
)
from projects.diagnostics import cli as diagnostics_cli
from projects.diagnostics.training import TrainingDiagnostics

CIFAR_MEAN_STD = ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))
IMAGENET_MEAN_STD = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))


def parser() -> argparse.ArgumentParser:
    p = build_parser("cifar10", "Train a ResNet on CIFAR-10.")
    g = p.add_argument_group("cifar10")
    g.add_argument("--model", choices=tuple(MODELS), default="small", help="architecture")
    g.add_argument("--width", type=int, default=16, help="small ResNet: channels of the first stage")
    g.add_argument(
        "--dataset",
        choices=("auto", "subset", "full"),
        default="auto",
        help="auto: the offline subset when found, else the full set (download)",
    )
    g.add_argument("--no-augment", action="store_true", help="no random crop / flip")
    g.add_argument("--cutout", type=int, default=0, help="erase a random NxN square (0: off)")
    g.add_argument("--label-smoothing", type=float, default=0.1, help="cross-entropy label smoothing")
    g.add_argument(
        "--pretrained",
        metavar="imagenet|PATH",
        help="torchvision ImageNet ResNet-18 (downloaded, or a state-dict file; None: random init)",
    )
    g.add_argument("--init-from", metavar="CKPT", help="start from this project's checkpoint (None: off)")
    g.add_argument("--freeze-backbone", action="store_true", help="train only the new head")
    g.add_argument("--image-size", type=int, default=32, help="resize inputs (e.g. 64+ for ImageNet weights)")
    g.add_argument(
        "--channels-last",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="NHWC memory format (about 20%% faster on CPU and on GPUs)",
    )
    g.add_argument("--no-download", action="store_true", help="never download (offline data only)")
    diagnostics_cli.add_arguments(p, images=True)
    p.set_defaults(epochs=40, batch_size=128, optimizer="sgd", lr=0.1, schedule="onecycle")
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


def datasets(args: argparse.Namespace) -> tuple[Any, Any]:
    """The training set (augmented per sample unless --no-augment) and the test set."""
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
    test_set = normalized_dataset(v2.Compose(resize)(test_x) if resize else test_x, test_y, mean, std)
    return train_set, test_set


def build_model(args: argparse.Namespace) -> nn.Module:
    """The chosen architecture, optionally from pretrained weights, optionally frozen."""
    if args.pretrained:
        try:
            model = imagenet_resnet18(args.pretrained, len(CLASSES))
        except (RuntimeError, FileNotFoundError) as err:  # offline download, or no such file
            raise RunError(str(err)) from None
    elif args.model == "small":
        model = MODELS["small"](args.width, len(CLASSES))
    else:
        model = MODELS[args.model](len(CLASSES))
    if args.init_from:
        load_backbone(model, load_checkpoint(args.init_from)["model"])
    if args.freeze_backbone:
        if not (args.pretrained or args.init_from):
            raise RunError("--freeze-backbone needs --pretrained or --init-from")
        freeze_backbone(model)
    return model


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Parse flags, train, and return the run's metrics (the contents of metrics.json)."""
    args = parser().parse_args(argv)
    with exit_on_run_error("python -m projects.cifar10"):
        return train(args)


def train(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    # 1. The process: under torchrun join the process group; device, threads, seeds.
    dist = init_distributed(choose_device(args.device).type)
    device = choose_device(args.device, dist.local_rank)
    configure_threads(args.threads, dist.local_world_size)
    seed_everything(args.seed)
    out = run_folder(args, "cifar10")

    # 2. Data: each process loads its share of every global batch.
    train_set, test_set = datasets(args)
    train_loader = make_loader(
        limit(train_set, args.limit_train)[0],
        args.batch_size,
        shuffle=True,
        seed=args.seed,
        rank=dist.rank,
        world_size=dist.world_size,
    )
    test_loader = make_loader(limit(test_set, args.limit_eval)[0], args.batch_size, shuffle=False)

    # 3. Model, loss, optimizer, learning-rate schedule (one step per batch), AMP loss scaler.
    model = build_model(args).to(device)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    train_model = wrap_model(model, dist, device)  # DistributedDataParallel under torchrun
    loss_fn = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    optimizer = build_optimizer(args, model.parameters())
    total_steps = args.epochs * len(train_loader)
    scheduler = build_schedule(
        args.schedule,
        optimizer,
        total_steps,
        warmup_steps=math.ceil(args.warmup_epochs * len(train_loader)),
        steps_per_epoch=len(train_loader),
        step_epochs=args.step_epochs,
        gamma=args.gamma,
    )
    warning = schedule_warning(args.schedule, total_steps, args.epochs, args.step_epochs, args.lr)
    if warning and dist.is_main:
        print(warning)
    scaler = make_scaler(args.amp, device)

    # 4. Resume: every state back from the last checkpoint, so the run goes on exactly (a run
    #    killed before its first checkpoint starts over).
    start_epoch, step, history = 0, 0, []
    if args.resume and (out / "checkpoints" / LAST).exists():
        ckpt = load_checkpoint(out / "checkpoints" / LAST, device)
        start_epoch, step, history = restore_checkpoint(ckpt, model, optimizer, scheduler, scaler)
        print(f"resumed from {out / 'checkpoints' / LAST}: {start_epoch} epochs done")

    # 5. Logging (TensorBoard, optionally W&B) and the diagnostics flags.
    writer = RunWriter(
        out, "cifar10", vars(args), enabled=dist.is_main, purge_step=step or None, wandb=args.wandb
    )
    log_config(writer, vars(args))
    log_sample_images(writer, test_set)
    diagnostics = TrainingDiagnostics.from_args(args, model, writer, out, dist.is_main)
    extra = {"class_names": list(CLASSES), "args": vars(args)}  # to rebuild the model

    # 6. The loop.
    for epoch in range(start_epoch, args.epochs):
        train_loader.sampler.set_epoch(epoch)  # a new shuffle each epoch, from seed + epoch
        model.train()
        loss_sum, correct, seen = torch.zeros(3, dtype=torch.float64, device=device)  # this epoch's sums
        epoch_start = time.perf_counter()
        progress = not args.no_progress and dist.is_main
        for images, labels in tqdm(train_loader, f"epoch {epoch + 1}", disable=not progress, leave=False):
            images, labels = images.to(device), labels.to(device)
            if args.channels_last:
                images = images.contiguous(memory_format=torch.channels_last)
            diagnostics.before_forward(step)
            optimizer.zero_grad(set_to_none=True)
            with autocast(args.amp, device):
                outputs = train_model(images)
                loss = loss_fn(outputs, labels)
            scaler.scale(loss).backward()  # fp16: the loss scaled up so small gradients survive
            scaler.unscale_(optimizer)
            if args.grad_clip:
                nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
            diagnostics.after_backward(loss, step)
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            step += 1
            diagnostics.after_step()
            loss_sum += loss.detach().double() * len(labels)
            correct += (outputs.argmax(1) == labels).sum()
            seen += len(labels)
            if step % args.log_every == 0:
                log_step(writer, step, loss, optimizer)
        # the sums over every process (under torchrun each saw a different part of the data)
        loss_sum, correct, seen = all_reduce_sum(torch.stack([loss_sum, correct, seen]), dist).tolist()
        test = evaluate(model, test_loader, loss_fn, device, len(CLASSES), args.amp, args.channels_last)
        metrics = {
            "epoch": epoch + 1,
            "train_loss": loss_sum / seen,
            "train_accuracy": correct / seen,
            "val_loss": test.loss,  # "val" is the test set here: no model selection on it
            "val_accuracy": test.accuracy,
            "lr": optimizer.param_groups[0]["lr"],
            "time_s": time.perf_counter() - epoch_start,
        }
        stop_if_diverged(epoch + 1, metrics["train_loss"], test.loss, out / "checkpoints")
        is_best = all(test.accuracy > h["val_accuracy"] for h in history)  # the best epoch so far
        history.append(metrics)
        histograms = args.histogram_every > 0 and (epoch + 1) % args.histogram_every == 0
        log_epoch(writer, metrics, model, histograms)
        diagnostics.after_epoch(test.loss, step)
        if dist.is_main:
            ckpt = checkpoint_dict(model, optimizer, scheduler, scaler, history, step, extra)
            save_checkpoints(out / "checkpoints", ckpt, is_best)
            tqdm.write(
                f"epoch {epoch + 1}/{args.epochs}: train loss {metrics['train_loss']:.4f} "
                f"acc {metrics['train_accuracy']:.4f} | test loss {test.loss:.4f} acc {test.accuracy:.4f} "
                f"| {metrics['time_s']:.1f}s"
            )
    diagnostics.finish(test_set, CLASSES, device)
    writer.close()

    # 7. Report: the final weights (last.pt) on the test set.
    metrics = {}
    if dist.is_main:
        report = evaluate(model, test_loader, loss_fn, device, len(CLASSES), args.amp, args.channels_last)
        metrics = write_report(
            out,
            project="cifar10",
            split="test",
            weights="final epoch, no selection",
            weights_file=f"checkpoints/{LAST}",
            weights_epoch=len(history),
            result=report,
            history=history,
            class_names=CLASSES,
            args=args,
            device=device,
            wall_time_s=time.perf_counter() - started,
            val_name="test",
        )
    barrier(dist)
    shutdown(dist)
    return metrics


if __name__ == "__main__":
    main()
