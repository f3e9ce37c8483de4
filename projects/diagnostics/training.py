"""The diagnostics flags of the projects as plain calls in their training loops.

    diagnostics = TrainingDiagnostics.from_args(args, model, writer, out)
    for epoch ...:
        for batch ...:
            diagnostics.before_forward(step)           # activation hooks on (measured steps)
            forward, loss, backward, (clip)
            diagnostics.after_backward(loss, step)     # gradient statistics; NaN and gradient alarms
            optimizer.step()
            diagnostics.after_step()                   # update ratios; health to TensorBoard
        evaluate
        diagnostics.after_epoch(val_loss, step)        # plateau and exploding-loss alarms
    diagnostics.finish(eval_set, class_names, device)  # PNG plots, alarms.json, feature maps, Grad-CAM

- ``--health-every N``: every N steps, gradient flow and activation health (TensorBoard scalars
  and histograms); at the end, PNG plots in ``<run>/diagnostics/``.
- ``--detect``: NaN/inf loss (step and first bad layer), exploding/vanishing gradients, a
  validation loss that explodes or stops improving; printed, written to TensorBoard text and
  ``diagnostics/alarms.json``.
- ``--feature-maps`` / ``--gradcam`` (image projects): pictures of sample evaluation images from
  the final weights.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from projects.common.run_outputs import write_json_atomic
from projects.diagnostics.detectors import (
    Alarm,
    ExplosionWatch,
    GradientWatch,
    NonFiniteWatch,
    PlateauWatch,
)
from projects.diagnostics.gradient_flow import (
    HealthTracker,
    log_health,
    plot_activation_health,
    plot_gradient_flow,
    plot_update_ratios,
)
from projects.diagnostics.image_report import sample_images, save_image_diagnostics

FOLDER = "diagnostics"


class TrainingDiagnostics:
    """What ``--health-every``, ``--detect``, ``--feature-maps`` and ``--gradcam`` ask for; each
    method does nothing for the flags that are off. ``writer`` is a ``RunWriter`` (or any object
    with ``SummaryWriter``'s ``add_scalar`` / ``add_histogram`` / ``add_text``), None to not log."""

    def __init__(
        self,
        model: torch.nn.Module,
        writer: Any,
        out_dir: Path,
        *,
        is_main: bool = True,
        health_every: int = 0,
        detect: bool = False,
        gradients: GradientWatch | None = None,
        plateau_patience: int = 3,
        explode_factor: float = 3.0,
        fp16: bool = False,
        image_options: dict[str, Any] | None = None,
        max_repeats: int = 3,
    ) -> None:
        if health_every < 0:
            raise ValueError(f"TrainingDiagnostics: health_every must be >= 0, got {health_every}")
        self.model, self.writer, self.folder, self.is_main = model, writer, out_dir / FOLDER, is_main
        self.health_every = health_every
        self.tracker = HealthTracker(model) if health_every else None
        self.measuring = False
        self.detect = detect
        self.watch = NonFiniteWatch(model).__enter__() if detect else None
        self.gradients = gradients or GradientWatch()
        self.val_plateau = PlateauWatch(plateau_patience, what="validation loss")
        self.val_explosion = ExplosionWatch(explode_factor, what="validation loss")
        self.fp16 = fp16  # the GradScaler skips steps with inf gradients: those are expected
        self.image_options = image_options
        self.max_repeats = max_repeats
        self.alarms: list[Alarm] = []
        self.counts: Counter[tuple[str, str | None]] = Counter()

    @classmethod
    def from_args(
        cls,
        args: argparse.Namespace,
        model: torch.nn.Module,
        writer: Any,
        out_dir: Path,
        is_main: bool = True,
    ) -> TrainingDiagnostics:
        """From the flags of ``projects.diagnostics.cli.add_arguments``."""
        images = getattr(args, "feature_maps", False) or getattr(args, "gradcam", False)
        return cls(
            model,
            writer,
            out_dir,
            is_main=is_main,
            health_every=args.health_every,
            detect=args.detect,
            gradients=GradientWatch(explode=args.explode_norm, vanish=args.vanish_norm),
            plateau_patience=args.plateau_patience,
            explode_factor=args.explode_loss,
            fp16=args.amp == "fp16",
            image_options=(
                {
                    "samples": args.diag_samples,
                    "feature_maps": args.feature_maps,
                    "gradcam": args.gradcam,
                    "feature_layers": args.feature_layers,
                    "gradcam_layer": args.gradcam_layer,
                }
                if images
                else None
            ),
        )

    def report(self, alarm: Alarm) -> None:
        """Keep the alarm; print it (each kind per layer at most ``max_repeats`` times)."""
        self.alarms.append(alarm)
        key = (alarm.kind, alarm.layer)
        self.counts[key] += 1
        if self.counts[key] <= self.max_repeats and self.is_main:
            more = " (further ones not printed)" if self.counts[key] == self.max_repeats else ""
            tqdm.write(f"[diagnostics] {alarm.kind}: {alarm.message}{more}")
            if self.writer is not None:
                self.writer.add_text(f"diagnostics/{alarm.kind}", alarm.message, alarm.step)

    def before_forward(self, step: int) -> None:
        if self.watch:
            self.watch.reset()
        self.measuring = bool(self.tracker) and step % self.health_every == 0
        if self.measuring:
            self.tracker.begin_step(step)

    def after_backward(self, loss: torch.Tensor, step: int) -> None:
        """Gradients are unscaled (and clipped); the optimizer has not stepped yet."""
        if self.measuring:
            self.tracker.after_backward()
        if not self.detect:
            return
        alarm = self.watch.check_loss(loss.item(), step)
        if alarm:
            self.report(alarm)
        for a in self.gradients.check_model(self.model, step):
            if not (self.fp16 and a.kind == "non-finite gradient"):
                self.report(a)

    def after_step(self) -> None:
        if not self.measuring:
            return
        record = self.tracker.end_step()
        if self.writer is not None:
            log_health(self.writer, record)
        for stat in record.activations.values():  # the plots need no raw values: keep memory flat
            stat.sample = stat.sample[:0]
        self.measuring = False

    def after_epoch(self, val_loss: float, step: int) -> None:
        if not self.detect:
            return
        for watch in (self.val_explosion, self.val_plateau):
            alarm = watch.update(val_loss, step)
            if alarm:
                self.report(alarm)

    def finish(self, eval_set: Any, class_names: Sequence[str], device: torch.device) -> list[Path]:
        """Remove the hooks; write the plots, ``alarms.json`` and the image diagnostics."""
        if self.watch:
            self.watch.__exit__(None, None, None)
        if self.tracker:
            self.tracker.close()
        if not self.is_main:
            return []
        paths = []
        if self.tracker and self.tracker.history:
            history = self.tracker.history
            paths += [
                plot_gradient_flow(history, self.folder / "gradient_flow.png"),
                plot_activation_health(history, self.folder / "activation_health.png"),
                plot_update_ratios(history, self.folder / "update_ratios.png"),
            ]
        if self.detect:
            paths.append(self.folder / "alarms.json")
            write_json_atomic([asdict(a) for a in self.alarms], paths[-1])
        if self.image_options:
            options = dict(self.image_options)
            images, labels = sample_images(eval_set, options.pop("samples"))
            paths += save_image_diagnostics(
                self.model,
                images.to(device),
                labels,
                class_names,
                self.folder,
                options.pop("feature_layers"),
                options.pop("gradcam_layer"),
                **options,
            )
            tqdm.write(f"[diagnostics] wrote images to {self.folder}")
        return paths
