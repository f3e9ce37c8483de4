"""The diagnostics as callbacks of the projects' training loop (``projects.common.callbacks``).

- :class:`HealthCallback`: every ``every`` steps, gradient flow and activation health
  (TensorBoard scalars and histograms); at the end, PNG plots in ``<run>/diagnostics/``.
- :class:`DetectorCallback`: NaN/inf loss (step and first bad layer), exploding/vanishing
  gradients, loss plateaus; printed, written to TensorBoard text and ``diagnostics/alarms.json``.
- :class:`ImageDiagnosticsCallback`: feature maps and Grad-CAM for sample evaluation images,
  from the final weights.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from projects.common.callbacks import Callback, TrainState
from projects.common.run_outputs import write_json_atomic
from projects.diagnostics.detectors import Alarm, GradientWatch, NonFiniteWatch, PlateauWatch
from projects.diagnostics.gradient_flow import (
    HealthTracker,
    log_health,
    plot_activation_health,
    plot_gradient_flow,
    plot_update_ratios,
)
from projects.diagnostics.image_report import sample_images, save_image_diagnostics

FOLDER = "diagnostics"


class HealthCallback(Callback):
    """Measure every ``every``-th optimizer step (the forward, the gradients, the update)."""

    def __init__(self, every: int = 50) -> None:
        if every < 1:
            raise ValueError(f"HealthCallback: every must be >= 1, got {every}")
        self.every = every
        self.tracker: HealthTracker | None = None
        self.measuring = False

    def on_train_begin(self, state: TrainState) -> None:
        self.tracker = HealthTracker(state.model)

    def on_batch_begin(self, state: TrainState) -> None:
        self.measuring = state.step % self.every == 0
        if self.measuring:
            self.tracker.begin_step(state.step)

    def on_before_optimizer_step(self, state: TrainState) -> None:
        if self.measuring:
            self.tracker.after_backward()

    def on_batch_end(self, state: TrainState) -> None:
        if self.measuring:
            record = self.tracker.end_step()
            if state.writer is not None:
                log_health(state.writer, record)
            for stat in record.activations.values():  # the plots need no raw values: keep memory flat
                stat.sample = stat.sample[:0]
            self.measuring = False

    def on_train_end(self, state: TrainState) -> None:
        self.tracker.close()
        if state.is_main and self.tracker.history:
            folder = state.out_dir / FOLDER
            history = self.tracker.history
            plot_gradient_flow(history, folder / "gradient_flow.png")
            plot_activation_health(history, folder / "activation_health.png")
            plot_update_ratios(history, folder / "update_ratios.png")


class DetectorCallback(Callback):
    """Run the detectors on every step; each kind of alarm on a layer is printed at most
    ``max_repeats`` times (all are kept in ``alarms.json``)."""

    def __init__(
        self,
        gradients: GradientWatch | None = None,
        patience: int = 3,
        stop_on_nan: bool = False,
        max_repeats: int = 3,
    ) -> None:
        self.gradients = gradients or GradientWatch()
        self.val_plateau = PlateauWatch(patience, what="validation loss")
        self.stop_on_nan = stop_on_nan
        self.max_repeats = max_repeats
        self.watch: NonFiniteWatch | None = None
        self.alarms: list[Alarm] = []
        self.counts: Counter[tuple[str, str | None]] = Counter()

    def report(self, state: TrainState, alarm: Alarm) -> None:
        self.alarms.append(alarm)
        key = (alarm.kind, alarm.layer)
        self.counts[key] += 1
        if self.counts[key] <= self.max_repeats and state.is_main:
            more = " (further ones not printed)" if self.counts[key] == self.max_repeats else ""
            tqdm.write(f"[diagnostics] {alarm.kind}: {alarm.message}{more}")
            if state.writer is not None:
                state.writer.add_text(f"diagnostics/{alarm.kind}", alarm.message, alarm.step)

    def on_train_begin(self, state: TrainState) -> None:
        self.watch = NonFiniteWatch(state.model).__enter__()

    def on_batch_begin(self, state: TrainState) -> None:
        self.watch.reset()

    def on_before_optimizer_step(self, state: TrainState) -> None:
        alarm = self.watch.check_loss(state.loss.item(), state.step)
        if alarm:
            self.report(state, alarm)
            state.stop_training = state.stop_training or self.stop_on_nan
        skipping = state.scaler is not None and state.scaler.is_enabled()  # fp16: inf grads are expected
        for a in self.gradients.check_model(state.model, state.step):
            if not (skipping and a.kind == "non-finite gradient"):
                self.report(state, a)

    def on_epoch_end(self, state: TrainState) -> None:
        alarm = self.val_plateau.update(state.metrics["val_loss"], state.step)
        if alarm:
            self.report(state, alarm)

    def on_train_end(self, state: TrainState) -> None:
        self.watch.__exit__(None, None, None)
        if state.is_main:
            write_json_atomic([asdict(a) for a in self.alarms], state.out_dir / FOLDER / "alarms.json")


class ImageDiagnosticsCallback(Callback):
    """At the end of training: feature maps and Grad-CAM of the first ``samples`` evaluation
    images, in ``<run>/diagnostics/``."""

    def __init__(
        self,
        samples: int = 8,
        feature_maps: bool = True,
        gradcam: bool = True,
        feature_layers: Sequence[str] | None = None,
        gradcam_layer: str | None = None,
    ) -> None:
        self.samples = samples
        self.feature_maps = feature_maps
        self.gradcam = gradcam
        self.feature_layers = feature_layers
        self.gradcam_layer = gradcam_layer
        self.paths: list[Path] = []

    def on_train_end(self, state: TrainState) -> None:
        if not state.is_main or state.eval_loader is None:
            return
        images, labels = sample_images(state.eval_loader.dataset, self.samples)
        self.paths = save_image_diagnostics(
            state.model,
            images.to(state.device),
            labels,
            state.class_names,
            state.out_dir / FOLDER,
            self.feature_layers,
            self.gradcam_layer,
            feature_maps=self.feature_maps,
            gradcam=self.gradcam,
        )
        tqdm.write(f"[diagnostics] wrote {len(self.paths)} images to {state.out_dir / FOLDER}")
