"""The diagnostics' flags, added to a project's parser by the project itself.

    python -m projects.mnist --model cnn --health-every 50 --detect --feature-maps --gradcam

``--health-every`` and ``--detect`` work for every project; ``--feature-maps`` and ``--gradcam``
only for the image projects (``images=True``). ``projects.diagnostics.training`` turns the flags
into the calls a training loop makes.
"""

from __future__ import annotations

import argparse


def layer_names(text: str) -> list[str]:
    """``"conv1, conv2"`` -> ``["conv1", "conv2"]``."""
    return [n.strip() for n in text.split(",") if n.strip()]


def add_arguments(parser: argparse.ArgumentParser, images: bool) -> None:
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
        help="warn on NaN/inf loss (naming the first bad layer), exploding/vanishing gradients, "
        "an exploding or stalled validation loss",
    )
    g.add_argument(
        "--explode-norm", type=float, default=1e3, help="--detect: exploding above this total gradient norm"
    )
    g.add_argument(
        "--vanish-norm", type=float, default=1e-8, help="--detect: vanishing below this layer norm"
    )
    g.add_argument(
        "--explode-loss",
        type=float,
        default=3.0,
        help="--detect: alarm when val loss exceeds this times its best",
    )
    g.add_argument("--plateau-patience", type=int, default=3, help="--detect: epochs without val-loss gain")
    if images:
        g.add_argument(
            "--feature-maps", action="store_true", help="feature-map grids of test images at the end"
        )
        g.add_argument("--gradcam", action="store_true", help="Grad-CAM overlays of test images at the end")
        g.add_argument("--diag-samples", type=int, default=8, help="test images for Grad-CAM")
        g.add_argument(
            "--feature-layers",
            type=layer_names,
            help="comma-separated layer names (None: three direct children, first to last)",
        )
        g.add_argument(
            "--gradcam-layer", help="Grad-CAM target layer (None: the last layer with a spatial output)"
        )
