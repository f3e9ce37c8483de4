"""The diagnostics' flags for every project (loaded by ``projects.common.cli`` as an extension).

    python -m projects.mnist --model cnn --health-every 50 --detect --feature-maps --gradcam

``--health-every`` and ``--detect`` work for every project; ``--feature-maps`` and ``--gradcam``
only for the image projects (MNIST, CIFAR-10).
"""

from __future__ import annotations

import argparse

from projects.common.callbacks import Callback
from projects.diagnostics.callback import DetectorCallback, HealthCallback, ImageDiagnosticsCallback
from projects.diagnostics.detectors import GradientWatch

IMAGE_PROJECTS = ("mnist", "cifar10")


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def add_arguments(parser: argparse.ArgumentParser, project: str) -> None:
    """Add the diagnostics flags (all off by default)."""
    g = parser.add_argument_group("diagnostics (projects/diagnostics)")
    g.add_argument(
        "--health-every",
        type=int,
        default=0,
        metavar="N",
        help="every N steps log gradient flow, activation mean/std, dead ReLUs and update ratios "
        "to TensorBoard; PNG plots in <run>/diagnostics at the end (0: off)",
    )
    g.add_argument(
        "--detect",
        action="store_true",
        help="warn on NaN/inf loss (naming the first bad layer), exploding/vanishing gradients, plateaus",
    )
    g.add_argument(
        "--explode-norm", type=float, default=1e3, help="--detect: exploding above this total norm"
    )
    g.add_argument(
        "--vanish-norm", type=float, default=1e-8, help="--detect: vanishing below this layer norm"
    )
    g.add_argument("--plateau-patience", type=int, default=3, help="--detect: epochs without val-loss gain")
    g.add_argument(
        "--stop-on-nan", action="store_true", help="--detect: stop after the epoch a loss is NaN/inf"
    )
    if project in IMAGE_PROJECTS:
        g.add_argument(
            "--feature-maps", action="store_true", help="feature-map grids of test images at the end"
        )
        g.add_argument("--gradcam", action="store_true", help="Grad-CAM overlays of test images at the end")
        g.add_argument("--diag-samples", type=int, default=8, help="test images for Grad-CAM")
        g.add_argument(
            "--feature-layers",
            type=_names,
            help="comma-separated layer names (None: three direct children, first to last)",
        )
        g.add_argument(
            "--gradcam-layer", help="Grad-CAM target layer (None: the last layer with a spatial output)"
        )


def make_callbacks(args: argparse.Namespace, project: str) -> list[Callback]:
    """The callbacks the flags ask for."""
    callbacks: list[Callback] = []
    if args.health_every:
        callbacks.append(HealthCallback(args.health_every))
    if args.detect:
        watch = GradientWatch(explode=args.explode_norm, vanish=args.vanish_norm)
        callbacks.append(DetectorCallback(watch, args.plateau_patience, args.stop_on_nan))
    if project in IMAGE_PROJECTS and (args.feature_maps or args.gradcam):
        callbacks.append(
            ImageDiagnosticsCallback(
                args.diag_samples, args.feature_maps, args.gradcam, args.feature_layers, args.gradcam_layer
            )
        )
    return callbacks
