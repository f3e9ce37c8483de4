"""One training run: the shared tools put together (used by every project's ``__main__``).

A project parses its flags, calls :func:`setup`, builds a :class:`Task` (model, datasets, class
names) and hands it to :func:`run`, which trains, checkpoints, logs to TensorBoard and leaves in
the run folder ``metrics.json``, ``loss.png``, ``accuracy.png``, ``confusion_matrix.png``,
``tb/`` (TensorBoard events) and ``checkpoints/{last,best}.pt``.

Model selection is honest: with a ``test_set`` the best epoch on the validation set is chosen
and the test set is evaluated once, at the end; without one, the final epoch is reported.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import Dataset
from torch.utils.tensorboard import SummaryWriter

from projects.common import run_outputs
from projects.common.amp import make_scaler
from projects.common.callbacks import Callback, TrainState
from projects.common.checkpoint import BEST, LAST, CheckpointCallback, load_checkpoint, restore
from projects.common.cli import extension_callbacks
from projects.common.device import choose_device, configure_threads
from projects.common.distributed import DistInfo, barrier, init_distributed, shutdown, wrap_model
from projects.common.loaders import make_loader
from projects.common.schedules import build_schedule
from projects.common.seeding import seed_everything
from projects.common.tensorboard_logging import TensorBoardLogger
from projects.common.trainer import EvalResult, Trainer, evaluate


@dataclass
class Task:
    """What a project trains: the model, its data and what a checkpoint must carry."""

    name: str
    model: nn.Module
    train_set: Dataset
    val_set: Dataset
    class_names: Sequence[str]
    test_set: Dataset | None = None
    collate_fn: Callable[[list[Any]], Any] | None = None
    loss_fn: nn.Module = field(default_factory=nn.CrossEntropyLoss)
    extra: dict[str, Any] = field(default_factory=dict)  # saved in every checkpoint
    val_name: str = "val"  # what val_set is, for the report ("test" when no split is held out)


def setup(args: argparse.Namespace) -> tuple[torch.device, DistInfo]:
    """Join torchrun's process group (if any), pick the device, set threads and seeds."""
    info = init_distributed(choose_device(args.device).type)
    device = choose_device(args.device, info.local_rank)
    configure_threads(args.threads, info.local_world_size)
    seed_everything(args.seed)
    return device, info


def build_optimizer(args: argparse.Namespace, params: Iterable[nn.Parameter]) -> torch.optim.Optimizer:
    """SGD (Nesterov momentum), Adam or AdamW over the parameters that require gradients."""
    params = [p for p in params if p.requires_grad]
    if args.optimizer == "sgd":
        return torch.optim.SGD(
            params,
            lr=args.lr,
            momentum=args.momentum,
            nesterov=args.momentum > 0,
            weight_decay=args.weight_decay,
        )
    cls = torch.optim.Adam if args.optimizer == "adam" else torch.optim.AdamW
    return cls(params, lr=args.lr, weight_decay=args.weight_decay)


def limit(dataset: Dataset, n: int | None) -> tuple[Dataset, list[int] | None]:
    """The first ``n`` examples (all when ``n`` is None), and their lengths if the dataset has them."""
    lengths = getattr(dataset, "lengths", None)
    if n is None or n >= len(dataset):
        return dataset, lengths
    return torch.utils.data.Subset(dataset, range(n)), lengths[:n] if lengths is not None else None


def run_folder(args: argparse.Namespace, project: str) -> Path:
    """``--out``, or ``runs/<project>/<date-time>``; refuses to overwrite a run without --resume."""
    out = Path(args.out) if args.out else Path("runs") / project / datetime.now().strftime("%Y%m%d-%H%M%S")
    if (out / "checkpoints" / LAST).exists() and not args.resume:
        raise FileExistsError(
            f"run folder {out} already holds a checkpoint; pass --resume to continue it "
            "or choose another --out"
        )
    return out


def run(
    args: argparse.Namespace,
    task: Task,
    device: torch.device,
    info: DistInfo,
    callbacks: Sequence[Callback] = (),
) -> dict[str, Any]:
    """Train ``task`` as ``args`` says; returns the metrics written to ``metrics.json``."""
    start = time.perf_counter()
    out = run_folder(args, task.name)
    model = task.model.to(device)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    train_set, train_lengths = limit(task.train_set, args.limit_train)
    train_loader = make_loader(
        train_set,
        args.batch_size,
        shuffle=True,
        seed=args.seed,
        rank=info.rank,
        world_size=info.world_size,
        collate_fn=task.collate_fn,
        lengths=train_lengths,
    )

    def eval_loader(dataset: Dataset) -> Any:
        subset, lengths = limit(dataset, args.limit_eval)
        return make_loader(
            subset, args.batch_size, shuffle=False, collate_fn=task.collate_fn, lengths=lengths
        )

    eval_loaders = {"val": eval_loader(task.val_set)}
    if task.test_set is not None:
        eval_loaders["test"] = eval_loader(task.test_set)
    optimizer = build_optimizer(args, model.parameters())
    steps_per_epoch = len(train_loader)
    state = TrainState(
        model=model,
        optimizer=optimizer,
        device=device,
        out_dir=out,
        scheduler=build_schedule(
            args.schedule,
            optimizer,
            args.epochs * steps_per_epoch,
            warmup_steps=math.ceil(args.warmup_epochs * steps_per_epoch),
            steps_per_epoch=steps_per_epoch,
            step_epochs=args.step_epochs,
            gamma=args.gamma,
        ),
        scaler=make_scaler(args.amp, device),
        class_names=list(task.class_names),
        epochs=args.epochs,
        is_main=info.is_main,
    )
    if args.resume:
        restore(state, load_checkpoint(out / "checkpoints" / LAST, device))
    if info.is_main:
        state.writer = SummaryWriter(str(out / "tb"), purge_step=state.step if args.resume else None)
    extra = {**task.extra, "class_names": list(task.class_names), "args": vars(args)}
    trainer = Trainer(
        state,
        task.loss_fn,
        train_model=wrap_model(model, info, device),
        amp=args.amp,
        grad_clip=args.grad_clip,
        channels_last=args.channels_last,
        callbacks=[
            TensorBoardLogger(args.log_every, args.histogram_every),
            *extension_callbacks(args, task.name),
            *callbacks,
            CheckpointCallback(out / "checkpoints", extra),  # last: saves the RNG states as
        ],  # they are after every other hook, so a resumed run continues the same streams
        dist_info=info,
        progress=not args.no_progress,
    )
    trainer.fit(train_loader, eval_loaders["val"])
    metrics: dict[str, Any] = {}
    if info.is_main:
        metrics = finish(args, task, state, eval_loaders, time.perf_counter() - start)
        state.writer.close()
    barrier(info)
    shutdown(info)
    return metrics


def finish(
    args: argparse.Namespace,
    task: Task,
    state: TrainState,
    loaders: dict[str, Any],
    seconds: float,
) -> dict[str, Any]:
    """Report: evaluate once (test set with the best-on-val weights, else the final weights on
    the validation set), then write metrics.json and the plots, and print the summary."""
    out = state.out_dir
    if "test" in loaders:
        split, chosen = "test", f"best validation accuracy (epoch {state.best['epoch']})"
        state.model.load_state_dict(load_checkpoint(out / "checkpoints" / BEST, state.device)["model"])
    else:
        split, chosen = "val", f"final epoch ({state.history[-1]['epoch']}), no selection"
    report: EvalResult = evaluate(
        state.model,
        loaders[split],
        task.loss_fn,
        state.device,
        len(task.class_names),
        args.amp,
        args.channels_last,
    )
    name = task.val_name if split == "val" else split
    metrics = {
        "project": task.name,
        "report": {"split": name, "weights": chosen, "loss": report.loss, "accuracy": report.accuracy},
        "final": state.history[-1],
        "best": state.best,
        "confusion_matrix": report.confusion.tolist(),
        "class_names": list(task.class_names),
        "train_time_s": sum(h["time_s"] for h in state.history),
        "wall_time_s": seconds,
        "command": run_outputs.command_line(),
        "args": vars(args),
        "device": str(state.device),
        "versions": run_outputs.versions(),
        "history": state.history,
    }
    run_outputs.write_json_atomic(metrics, out / "metrics.json")
    run_outputs.plot_curves(state.history, out, task.val_name)
    run_outputs.plot_confusion(
        report.confusion,
        task.class_names,
        out / "confusion_matrix.png",
        f"{task.name}: {name} accuracy {report.accuracy:.4f}",
    )
    print(f"{name} accuracy {report.accuracy:.4f}, loss {report.loss:.4f} ({chosen})")
    print(run_outputs.format_confusion(report.confusion, task.class_names))
    print(f"run folder: {out}")
    return metrics
