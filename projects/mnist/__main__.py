"""Train an MLP or a CNN on MNIST or Fashion-MNIST: the whole run, top to bottom.

    python -m projects.mnist --model cnn
    torchrun --nproc_per_node 2 -m projects.mnist --model mlp   # DistributedDataParallel

Data: the IDX files under ``$MINITORCH_DATA/mnist`` (or ``--data-root``), else torchvision's
download into the cache. There is no validation split: the 10,000 test images are evaluated
after every epoch, and the report is the final epoch's weights (no model selection on test).
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

from projects.common.amp import autocast, make_scaler
from projects.common.checkpoint import (
    LAST,
    checkpoint_dict,
    load_checkpoint,
    restore_checkpoint,
    save_checkpoints,
)
from projects.common.cli import build_parser
from projects.common.device import choose_device, configure_threads
from projects.common.distributed import all_reduce_sum, barrier, init_distributed, shutdown, wrap_model
from projects.common.errors import exit_on_run_error, stop_if_diverged
from projects.common.evaluation import evaluate
from projects.common.image_data import AugmentedImages, normalized_dataset, normalizer
from projects.common.loaders import limit, make_loader
from projects.common.mnist_data import CLASSES, load_mnist
from projects.common.run_outputs import run_folder, write_report
from projects.common.schedules import build_optimizer, build_schedule, schedule_warning
from projects.common.seeding import seed_everything
from projects.common.tensorboard_logging import RunWriter, log_config, log_epoch, log_sample_images, log_step
from projects.diagnostics import cli as diagnostics_cli
from projects.diagnostics.training import TrainingDiagnostics
from projects.mnist.models import cnn, mlp

MEAN_STD = {"mnist": ((0.1307,), (0.3081,)), "fashion-mnist": ((0.2860,), (0.3530,))}


def parser() -> argparse.ArgumentParser:
    p = build_parser("mnist", "Train an MLP or a CNN on MNIST / Fashion-MNIST.")
    g = p.add_argument_group("mnist")
    g.add_argument("--model", choices=("cnn", "mlp"), default="cnn", help="architecture")
    g.add_argument("--width", type=int, default=16, help="cnn: channels of the first stage")
    g.add_argument("--dataset", choices=tuple(MEAN_STD), default="mnist", help="which images")
    g.add_argument("--augment", action="store_true", help="random shifts of up to 2 pixels")
    g.add_argument("--no-download", action="store_true", help="never download (offline data only)")
    diagnostics_cli.add_arguments(p, images=True)
    p.set_defaults(epochs=4, batch_size=128, optimizer="sgd", lr=0.1, schedule="onecycle")
    return p


def datasets(args: argparse.Namespace) -> tuple[Any, Any]:
    """The training set (normalized, optionally randomly shifted) and the test set (normalized)."""
    data = load_mnist(args.dataset, args.data_root, args.cache, download=not args.no_download)
    mean, std = MEAN_STD[args.dataset]
    if args.augment:
        shift = v2.Compose([v2.RandomAffine(degrees=0, translate=(2 / 28, 2 / 28)), normalizer(mean, std)])
        train_set: Any = AugmentedImages(*data["train"], shift)
    else:
        train_set = normalized_dataset(*data["train"], mean, std)
    return train_set, normalized_dataset(*data["test"], mean, std)


def build_model(args: argparse.Namespace) -> nn.Module:
    return cnn(args.width) if args.model == "cnn" else mlp()


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Parse flags, train, and return the run's metrics (the contents of metrics.json)."""
    args = parser().parse_args(argv)
    with exit_on_run_error("python -m projects.mnist"):
        return train(args)


def train(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    # 1. The process: under torchrun join the process group; device, threads, seeds.
    dist = init_distributed(choose_device(args.device).type)
    device = choose_device(args.device, dist.local_rank)
    configure_threads(args.threads, dist.local_world_size)
    seed_everything(args.seed)
    out = run_folder(args, "mnist")

    # 2. Data: each process loads its share of every global batch.
    train_set, test_set = datasets(args)
    classes = CLASSES[args.dataset]
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
    train_model = wrap_model(model, dist, device)  # DistributedDataParallel under torchrun
    loss_fn = nn.CrossEntropyLoss()
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
        out, "mnist", vars(args), enabled=dist.is_main, purge_step=step or None, wandb=args.wandb
    )
    log_config(writer, vars(args))
    log_sample_images(writer, test_set)
    diagnostics = TrainingDiagnostics.from_args(args, model, writer, out, dist.is_main)
    extra = {"class_names": classes, "args": vars(args)}  # to rebuild the model

    # 6. The loop.
    for epoch in range(start_epoch, args.epochs):
        train_loader.sampler.set_epoch(epoch)  # a new shuffle each epoch, from seed + epoch
        model.train()
        loss_sum, correct, seen = torch.zeros(3, dtype=torch.float64, device=device)  # this epoch's sums
        epoch_start = time.perf_counter()
        progress = not args.no_progress and dist.is_main
        for images, labels in tqdm(train_loader, f"epoch {epoch + 1}", disable=not progress, leave=False):
            images, labels = images.to(device), labels.to(device)
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
        test = evaluate(model, test_loader, loss_fn, device, len(classes), args.amp)
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
    diagnostics.finish(test_set, classes, device)
    writer.close()

    # 7. Report: the final weights (last.pt) on the test set.
    metrics = {}
    if dist.is_main:
        report = evaluate(model, test_loader, loss_fn, device, len(classes), args.amp)
        metrics = write_report(
            out,
            project="mnist",
            split="test",
            weights="final epoch, no selection",
            weights_file=f"checkpoints/{LAST}",
            weights_epoch=len(history),
            result=report,
            history=history,
            class_names=classes,
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
