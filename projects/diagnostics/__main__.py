"""Run a diagnostic tool on a trained checkpoint of the MNIST or CIFAR-10 project.

    python -m projects.diagnostics feature-maps  --checkpoint runs/mnist/X/checkpoints/last.pt
    python -m projects.diagnostics gradcam       --checkpoint runs/mnist/X/checkpoints/last.pt
    python -m projects.diagnostics gradient-flow --checkpoint runs/mnist/X/checkpoints/last.pt
    python -m projects.diagnostics lr-finder     --checkpoint runs/mnist/X/checkpoints/last.pt
    python -m projects.diagnostics curves        --checkpoint runs/mnist/X/checkpoints/last.pt
    python -m projects.diagnostics all           --checkpoint runs/mnist/X/checkpoints/last.pt

PNGs go to ``<run>/diagnostics/`` (or ``--out``). The model and data are rebuilt from the flags
stored in the checkpoint, so the images are the project's own test images.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from torch.utils.data import Subset

from projects.common import run_outputs
from projects.common.device import choose_device, configure_threads
from projects.common.evaluation import evaluate, forward, to_device
from projects.common.loaders import make_loader
from projects.common.schedules import build_optimizer
from projects.common.seeding import seed_everything
from projects.diagnostics.checkpoints import PROJECTS, LoadedRun, load_run
from projects.diagnostics.cli import layer_names
from projects.diagnostics.gradient_flow import (
    HealthTracker,
    plot_activation_health,
    plot_gradient_flow,
    plot_update_ratios,
)
from projects.diagnostics.image_report import sample_images, save_image_diagnostics
from projects.diagnostics.lr_finder import lr_range_test, plot_lr_range


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m projects.diagnostics",
        description="Diagnostics of a trained MNIST / CIFAR-10 checkpoint.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("tool", choices=tuple(TOOLS) + ("all",))
    p.add_argument("--checkpoint", required=True, help="a project checkpoint (.pt)")
    p.add_argument("--project", choices=PROJECTS, help="None: from the run folder")
    p.add_argument("--data-root", help="offline data folder (None: the run's, else $MINITORCH_DATA)")
    p.add_argument("--out", help="output folder (None: <run>/diagnostics)")
    p.add_argument("--device", choices=("auto", "cuda", "mps", "cpu"), default="cpu")
    p.add_argument("--seed", type=int, default=0)
    g = p.add_argument_group("feature-maps and gradcam")
    g.add_argument("--samples", type=int, default=8, help="test images (the first N)")
    g.add_argument(
        "--layers",
        type=layer_names,
        help="feature-map layers, comma-separated (None: three direct children, first to last)",
    )
    g.add_argument("--layer", help="Grad-CAM layer (None: the last layer with a spatial output)")
    p.add_argument(
        "--limit-eval", type=int, help="curves: confusion matrix over the first N test images only"
    )
    g = p.add_argument_group("gradient-flow and lr-finder")
    g.add_argument("--steps", type=int, default=50, help="training steps to measure / sweep")
    g.add_argument("--fresh", action="store_true", help="gradient-flow: a freshly initialized model")
    g.add_argument("--from-weights", action="store_true", help="lr-finder: start from the checkpoint")
    g.add_argument("--start-lr", type=float, default=1e-6)
    g.add_argument("--end-lr", type=float, default=10.0)
    return p


def images_tool(run: LoadedRun, opts: argparse.Namespace, out: Path, which: str) -> list[Path]:
    images, labels = sample_images(run.eval_set, opts.samples)
    device = next(run.model.parameters()).device
    return save_image_diagnostics(
        run.model,
        images.to(device),
        labels,
        run.class_names,
        out,
        opts.layers,
        opts.layer,
        feature_map_images=min(2, opts.samples),
        feature_maps=which == "feature-maps",
        gradcam=which == "gradcam",
    )


def train_loader(run: LoadedRun, seed: int) -> torch.utils.data.DataLoader:
    return make_loader(run.train_set, run.args.batch_size, shuffle=True, seed=seed)


def gradient_flow_tool(run: LoadedRun, opts: argparse.Namespace, out: Path) -> list[Path]:
    """``--steps`` training steps with the run's optimizer and peak learning rate, all measured."""
    model = run.model.train()
    optimizer = build_optimizer(run.args, model.parameters())
    tracker = HealthTracker(model)
    device = next(model.parameters()).device
    batches = iter(train_loader(run, opts.seed))
    for step in range(opts.steps):
        try:
            inputs, targets = to_device(next(batches), device)
        except StopIteration:
            batches = iter(train_loader(run, opts.seed + step))
            inputs, targets = to_device(next(batches), device)
        tracker.begin_step(step)
        optimizer.zero_grad(set_to_none=True)
        run.loss_fn(forward(model, inputs), targets).backward()
        tracker.after_backward()
        optimizer.step()
        tracker.end_step()
    return [
        plot_gradient_flow(tracker.history, out / "gradient_flow.png"),
        plot_activation_health(tracker.history, out / "activation_health.png"),
        plot_update_ratios(tracker.history, out / "update_ratios.png"),
    ]


def lr_finder_tool(run: LoadedRun, opts: argparse.Namespace, out: Path) -> list[Path]:
    model = run.model
    device = next(model.parameters()).device
    result = lr_range_test(
        model,
        run.loss_fn,
        train_loader(run, opts.seed),
        build_optimizer(run.args, model.parameters()),
        opts.start_lr,
        opts.end_lr,
        opts.steps,
        device=device,
    )
    print(f"lr range test: suggested learning rate {result.suggestion:.3g} (the run used {run.args.lr:g})")
    return [plot_lr_range(result, out / "lr_range_test.png")]


def curves_tool(run: LoadedRun, opts: argparse.Namespace, out: Path) -> list[Path]:
    """The project's own loss/accuracy curves and confusion matrix (projects.common.run_outputs),
    the matrix over the evaluation set (or its first ``--limit-eval`` images)."""
    model = run.model
    device = next(model.parameters()).device
    data = run.eval_set
    if opts.limit_eval:
        data = Subset(data, range(min(opts.limit_eval, len(data))))
    loader = make_loader(data, run.args.batch_size, shuffle=False)
    report = evaluate(model, loader, run.loss_fn, device, len(run.class_names))
    paths = run_outputs.plot_curves(run.checkpoint["history"], out)
    title = f"{run.project}: accuracy {report.accuracy:.4f}"
    paths.append(
        run_outputs.plot_confusion(report.confusion, run.class_names, out / "confusion_matrix.png", title)
    )
    return paths


TOOLS: dict[str, Callable[[LoadedRun, argparse.Namespace, Path], list[Path]]] = {
    "feature-maps": lambda run, opts, out: images_tool(run, opts, out, "feature-maps"),
    "gradcam": lambda run, opts, out: images_tool(run, opts, out, "gradcam"),
    "gradient-flow": gradient_flow_tool,
    "lr-finder": lr_finder_tool,
    "curves": curves_tool,
}
FRESH_MODEL = {"lr-finder": lambda opts: not opts.from_weights, "gradient-flow": lambda opts: opts.fresh}


def main(argv: Sequence[str] | None = None) -> list[Path]:
    """Run the chosen tool(s); returns the files written."""
    opts = parser().parse_args(argv)
    configure_threads()
    device = choose_device(opts.device)
    paths: list[Path] = []
    for tool in TOOLS if opts.tool == "all" else (opts.tool,):
        seed_everything(opts.seed)  # a fresh model is initialized the same way every time
        fresh = FRESH_MODEL.get(tool, lambda _: False)(opts)
        run = load_run(opts.checkpoint, opts.project, opts.data_root, device, load_weights=not fresh)
        out = Path(opts.out) if opts.out else run.run_dir / "diagnostics"
        written = TOOLS[tool](run, opts, out)
        print(f"{tool}: wrote {', '.join(str(p) for p in written)}")
        paths += written
    return paths


if __name__ == "__main__":
    main()
