"""Gradient flow and activation health: the numbers that tell a healthy network from a sick one.

Measured on a training step, per layer:

- gradients of each parameter ``g``: ``mean |g|``, ``max |g|`` and ``||g||_2``. In a healthy net
  they are of similar size in every layer; shrinking toward the input means vanishing gradients,
  huge values mean exploding ones;
- activations (each layer's output ``a``): ``mean(a)`` and ``std(a)``; a std collapsing toward 0
  (or blowing up) with depth means a bad initialization or normalization;
- dead-ReLU fraction of a ReLU layer: the fraction of its units (every output position but the
  batch one) that are 0 for *every* example of the batch; a dead unit passes no gradient;
- update-to-weight ratio of each parameter: ``||w_after - w_before|| / ||w_before||`` for one
  optimizer step; about 1e-3 is the usual healthy value (much smaller: learning too slowly,
  much larger: the learning rate is too high).

:class:`HealthTracker` collects one :class:`HealthRecord` per measured step (torch or minitorch
model); the ``plot_*`` functions draw the history as PNGs and :func:`log_health` writes it to
TensorBoard.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from projects.diagnostics.engine import engine_of
from projects.diagnostics.figures import plt, save_figure
from projects.diagnostics.hooks import forward_hooks

PASS_THROUGH = ("Flatten", "Dropout", "Identity")  # outputs equal (or scale) their input: skipped
HISTOGRAM_SAMPLES = 4096


@dataclass
class GradStat:
    mean_abs: float
    max_abs: float
    norm: float
    ndim: int  # of the parameter: > 1 for weight matrices and kernels, 1 for biases and norms


@dataclass
class ActivationStat:
    mean: float
    std: float
    dead: float | None  # dead-unit fraction, for ReLU layers only
    kind: str  # the layer's class name
    sample: np.ndarray = field(repr=False)  # a strided subsample of the values, for histograms


@dataclass
class HealthRecord:
    step: int
    grads: dict[str, GradStat] = field(default_factory=dict)
    activations: dict[str, ActivationStat] = field(default_factory=dict)
    updates: dict[str, float] = field(default_factory=dict)


def gradient_stats(model: Any) -> dict[str, GradStat]:
    """``mean |g|``, ``max |g|`` and ``||g||`` of every parameter that has a gradient."""
    engine = engine_of(model)
    stats = {}
    for name, p in model.named_parameters():
        if p.grad is not None:
            g = np.abs(engine.to_numpy(p.grad).astype(np.float64))
            stats[name] = GradStat(float(g.mean()), float(g.max()), float(np.sqrt((g * g).sum())), g.ndim)
    return stats


def dead_fraction(a: np.ndarray) -> float:
    """The fraction of units (positions of ``a[0]``) that are <= 0 for every example of the batch."""
    return float(np.all(a <= 0, axis=0).mean())


def activation_stat(a: np.ndarray, kind: str) -> ActivationStat:
    """Mean, std (population) and, for the output of a ``ReLU`` layer, the dead-unit fraction of
    ``a`` (N, ...), the output of a layer of class ``kind``."""
    a = np.asarray(a, dtype=np.float64)
    flat = a.ravel()
    sample = flat[:: max(1, flat.size // HISTOGRAM_SAMPLES)].astype(np.float32)
    dead = dead_fraction(a) if kind == "ReLU" else None
    return ActivationStat(float(a.mean()), float(a.std()), dead, kind, sample)


def parameter_snapshot(model: Any) -> dict[str, np.ndarray]:
    """A copy of every parameter's values, by name."""
    engine = engine_of(model)
    return {name: engine.to_numpy(p).astype(np.float64) for name, p in model.named_parameters()}


def update_ratios(before: dict[str, np.ndarray], model: Any) -> dict[str, float]:
    """``||w_after - w_before|| / ||w_before||`` per parameter (parameters that were all zero are
    skipped: the ratio has no meaning for them)."""
    after = parameter_snapshot(model)
    ratios = {}
    for name, w0 in before.items():
        norm = np.linalg.norm(w0)
        if norm > 0 and name in after:
            ratios[name] = float(np.linalg.norm(after[name] - w0) / norm)
    return ratios


def monitored_layers(model: Any) -> list[str]:
    """The leaf layers whose outputs are worth watching (pass-through layers are skipped)."""
    return [
        name
        for name, m in model.named_modules()
        if name and next(iter(m.children()), None) is None and type(m).__name__ not in PASS_THROUGH
    ]


class HealthTracker:
    """Measures the health of chosen training steps. Around one step::

        tracker.begin_step(step)       # before the forward: activation hooks go on
        loss.backward()
        tracker.after_backward()       # gradient statistics, and a copy of the weights
        optimizer.step()
        record = tracker.end_step()    # update ratios; the hooks come off

    ``layers`` defaults to :func:`monitored_layers`.
    """

    def __init__(self, model: Any, layers: Sequence[str] | None = None) -> None:
        self.model = model
        self.engine = engine_of(model)
        self.layers = list(layers) if layers is not None else monitored_layers(model)
        self.history: list[HealthRecord] = []
        self._record: HealthRecord | None = None
        self._before: dict[str, np.ndarray] = {}
        self._hooks: contextlib.ExitStack | None = None

    def begin_step(self, step: int) -> None:
        self.close()
        self._record = HealthRecord(step)
        modules = dict(self.model.named_modules())
        record = self._record

        def measure(name: str, _inputs: tuple, output: Any) -> None:
            if self.engine.is_tensor(output):
                kind = type(modules[name]).__name__
                record.activations[name] = activation_stat(self.engine.to_numpy(output), kind)

        self._hooks = contextlib.ExitStack()
        self._hooks.enter_context(forward_hooks(self.model, {n: measure for n in self.layers}))

    def after_backward(self) -> None:
        if self._record is None:
            raise RuntimeError("HealthTracker.after_backward: begin_step() was not called")
        self._remove_hooks()  # only the training forward is measured
        self._record.grads = gradient_stats(self.model)
        self._before = parameter_snapshot(self.model)

    def end_step(self) -> HealthRecord:
        if self._record is None:
            raise RuntimeError("HealthTracker.end_step: begin_step() was not called")
        record, self._record = self._record, None
        if self._before:
            record.updates = update_ratios(self._before, self.model)
        self._before = {}
        self._remove_hooks()
        self.history.append(record)
        return record

    def _remove_hooks(self) -> None:
        if self._hooks is not None:
            self._hooks.close()
            self._hooks = None

    def close(self) -> None:
        """Remove any hook still registered (a step that was begun and never ended)."""
        self._remove_hooks()
        self._record = None
        self._before = {}


def log_health(writer: Any, record: HealthRecord) -> None:
    """Write a record to a TensorBoard ``SummaryWriter``: one scalar per layer and metric, and
    a histogram of each layer's activations."""
    for name, g in record.grads.items():
        writer.add_scalar(f"grad_norm/{name}", g.norm, record.step)
        writer.add_scalar(f"grad_mean_abs/{name}", g.mean_abs, record.step)
        writer.add_scalar(f"grad_max_abs/{name}", g.max_abs, record.step)
    for name, a in record.activations.items():
        writer.add_scalar(f"activation_mean/{name}", a.mean, record.step)
        writer.add_scalar(f"activation_std/{name}", a.std, record.step)
        if a.dead is not None:
            writer.add_scalar(f"dead_relu_fraction/{name}", a.dead, record.step)
        writer.add_histogram(f"activations/{name}", a.sample, record.step)
    for name, r in record.updates.items():
        writer.add_scalar(f"update_ratio/{name}", r, record.step)


def _weight_names(history: Sequence[HealthRecord], weights_only: bool) -> list[str]:
    """Parameter names in model order; only matrices and kernels (ndim > 1) when ``weights_only``."""
    ndim: dict[str, int] = {}
    for rec in history:
        ndim.update({n: g.ndim for n, g in rec.grads.items() if n not in ndim})
    return [n for n, d in ndim.items() if d > 1 or not weights_only]


def _series(history: Sequence[HealthRecord], get: Any) -> tuple[np.ndarray, np.ndarray]:
    values = [(rec.step, get(rec)) for rec in history if get(rec) is not None]
    return np.array([s for s, _ in values]), np.array([v for _, v in values], dtype=np.float64)


def _legend(ax: Any, count: int) -> None:
    if count:
        ax.legend(fontsize=6, ncol=1 + count // 12, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def plot_gradient_flow(history: Sequence[HealthRecord], path: str | Path, weights_only: bool = True) -> Path:
    """Top: per layer, ``max |g|`` and ``mean |g|`` averaged over the recorded steps (log scale;
    the classic gradient-flow bar chart). Bottom: each layer's ``||g||`` over training."""
    names = _weight_names(history, weights_only)
    if not names:
        raise ValueError("plot_gradient_flow: the history holds no gradient statistics")
    mean_abs = [np.mean([r.grads[n].mean_abs for r in history if n in r.grads]) for n in names]
    max_abs = [np.mean([r.grads[n].max_abs for r in history if n in r.grads]) for n in names]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 8))
    bottom.set_prop_cycle(color=plt.get_cmap("tab20").colors)
    x = np.arange(len(names))
    top.bar(x, max_abs, color="c", alpha=0.5, label="max |grad|")
    top.bar(x, mean_abs, color="b", alpha=0.8, label="mean |grad|")
    top.set_yscale("log")
    top.set_xticks(x, names, rotation=60, ha="right", fontsize=7)
    top.set_ylabel("gradient (mean over steps)")
    top.set_title(f"gradient flow, input (left) to output (right), {len(history)} steps")
    top.legend(fontsize=8)
    top.grid(alpha=0.3, axis="y")
    for n in names:
        steps, norms = _series(history, lambda r, n=n: r.grads[n].norm if n in r.grads else None)
        bottom.plot(steps, norms, label=n)
    bottom.set_yscale("log")
    bottom.set_xlabel("step")
    bottom.set_ylabel("||grad||")
    bottom.grid(alpha=0.3)
    _legend(bottom, len(names))
    fig.tight_layout()
    return save_figure(fig, path)


def plot_activation_health(history: Sequence[HealthRecord], path: str | Path) -> Path:
    """Per layer over training: activation mean, activation std, and the dead-ReLU fraction."""
    kinds: dict[str, str] = {}
    for rec in history:
        kinds.update({n: a.kind for n, a in rec.activations.items() if n not in kinds})
    if not kinds:
        raise ValueError("plot_activation_health: the history holds no activation statistics")
    fig, axes = plt.subplots(3, 1, figsize=(9, 10), sharex=True)
    for ax in axes:
        ax.set_prop_cycle(color=plt.get_cmap("tab20").colors)
    for n, kind in kinds.items():
        for ax, key in zip(axes[:2], ("mean", "std"), strict=True):
            steps, v = _series(
                history, lambda r, n=n, k=key: getattr(r.activations[n], k) if n in r.activations else None
            )
            ax.plot(steps, v, label=f"{n} ({kind})")
        steps, dead = _series(history, lambda r, n=n: r.activations[n].dead if n in r.activations else None)
        if len(steps):
            axes[2].plot(steps, dead, label=f"{n} ({kind})")
    for ax, label in zip(axes, ("activation mean", "activation std", "dead-ReLU fraction"), strict=True):
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        _legend(ax, len(ax.get_lines()))
    axes[2].set_ylim(-0.02, 1.02)
    axes[2].set_xlabel("step")
    axes[0].set_title("activation health per layer")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_update_ratios(history: Sequence[HealthRecord], path: str | Path, weights_only: bool = True) -> Path:
    """``||update|| / ||weight||`` per parameter over training (log scale), with the usual 1e-3 mark."""
    names = [n for n in _weight_names(history, weights_only) if any(n in r.updates for r in history)]
    if not names:
        raise ValueError("plot_update_ratios: the history holds no update ratios")
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.set_prop_cycle(color=plt.get_cmap("tab20").colors)
    for n in names:
        steps, r = _series(history, lambda rec, n=n: rec.updates.get(n))
        ax.plot(steps, r, label=n)
    ax.axhline(1e-3, color="k", linestyle="--", linewidth=1, label="1e-3")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("||update|| / ||weight||")
    ax.set_title("update-to-weight ratio per parameter")
    ax.grid(alpha=0.3)
    _legend(ax, len(names) + 1)
    fig.tight_layout()
    return save_figure(fig, path)
