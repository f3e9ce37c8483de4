"""Training diagnosis: detectors that say *when* and *where* training went wrong.

- :class:`NonFiniteWatch`: forward hooks on every layer note the first layer (in forward order)
  whose output holds a NaN or an inf; when the loss becomes non-finite, the alarm names the step
  and that layer, and says whether the layer made the bad values itself (its inputs were finite)
  or received them.
- :class:`GradientWatch`: exploding gradients (the total norm ``sqrt(sum_l ||g_l||^2)`` above a
  limit, or ``factor`` times its recent median; non-finite gradients) and vanishing ones (a
  weight's gradient norm below a floor), naming the layer.
- :class:`PlateauWatch`: the loss has not improved by a relative ``min_delta`` for ``patience``
  updates.
- :class:`ExplosionWatch`: the loss has grown to more than ``factor`` times its best value
  (a validation loss going from 0.3 to 793 is divergence, not noise).

Each returns :class:`Alarm` objects; ``training.TrainingDiagnostics`` prints and logs them.
"""

from __future__ import annotations

import contextlib
import math
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from projects.diagnostics.engine import engine_of
from projects.diagnostics.hooks import forward_hooks


@dataclass
class Alarm:
    step: int
    kind: (
        str  # "non-finite loss", "non-finite gradient", "exploding gradient", "vanishing gradient",
        # "exploding loss", "plateau"
    )
    message: str
    layer: str | None = None


@dataclass
class NonFinite:
    """The first layer whose output was not finite in a forward pass."""

    layer: str
    kind: str  # the layer's class name
    shape: tuple[int, ...]
    inputs_finite: bool


class NonFiniteWatch:
    """Context manager: while open, a forward hook on every layer checks its output (one
    ``isfinite`` reduction per layer, which on a GPU is one synchronization per layer)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.engine = engine_of(model)
        self.first: NonFinite | None = None
        self._stack = contextlib.ExitStack()

    def check(self, name: str, inputs: tuple, output: Any) -> None:
        if self.first is not None or not self.engine.is_tensor(output) or self.engine.all_finite(output):
            return
        inputs_finite = all(self.engine.all_finite(x) for x in inputs if self.engine.is_tensor(x))
        kind = type(dict(self.model.named_modules())[name]).__name__
        self.first = NonFinite(name, kind, tuple(output.shape), inputs_finite)

    def __enter__(self) -> NonFiniteWatch:
        names = [n for n, _ in self.model.named_modules() if n]
        self._stack.enter_context(forward_hooks(self.model, {n: self.check for n in names}))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def reset(self) -> None:
        """Forget the previous forward pass (call before each one)."""
        self.first = None

    def check_loss(self, loss: float, step: int) -> Alarm | None:
        """An alarm when ``loss`` is NaN or inf, naming the first non-finite layer."""
        if math.isfinite(loss):
            return None
        if self.first is None:
            where = "every layer's output was finite: the loss function made it (e.g. log(0))"
            return Alarm(step, "non-finite loss", f"step {step}: loss is {loss}; {where}")
        f = self.first
        origin = (
            "its inputs were finite, so this layer produced it"
            if f.inputs_finite
            else "its inputs were already non-finite: the values went bad in code between layers"
        )
        message = (
            f"step {step}: loss is {loss}; the first non-finite output is layer {f.layer!r} "
            f"({f.kind}, output shape {f.shape}); {origin}"
        )
        return Alarm(step, "non-finite loss", message, f.layer)


class GradientWatch:
    """Exploding and vanishing gradients, from the gradient norms of one step."""

    def __init__(
        self, explode: float = 1e3, vanish: float = 1e-8, factor: float = 20.0, window: int = 50
    ) -> None:
        self.explode, self.vanish, self.factor = explode, vanish, factor
        self.recent: deque[float] = deque(maxlen=window)

    def check_model(self, model: Any, step: int) -> list[Alarm]:
        """Read the gradients of ``model`` (parameters with a gradient) and check them."""
        params = [(n, p) for n, p in model.named_parameters() if p.grad is not None]
        norms = engine_of(model).norms([p.grad for _, p in params])
        return self.check({n: (g, p.ndim) for (n, p), g in zip(params, norms, strict=True)}, step)

    def check(self, norms: dict[str, tuple[float, int]], step: int) -> list[Alarm]:
        """``norms``: parameter name -> (gradient norm, parameter ndim)."""
        if not norms:
            return []
        bad = [n for n, (g, _) in norms.items() if not math.isfinite(g)]
        if bad:
            return [
                Alarm(
                    step, "non-finite gradient", f"step {step}: gradient of {bad[0]!r} is not finite", bad[0]
                )
            ]
        alarms = []
        total = math.sqrt(sum(g * g for g, _ in norms.values()))
        largest = max(norms, key=lambda n: norms[n][0])
        typical = float(np.median(self.recent)) if len(self.recent) >= 10 else None
        if total > self.explode or (typical is not None and total > self.factor * typical):
            reference = f" ({total / typical:.0f}x the recent median {typical:.3g})" if typical else ""
            alarms.append(
                Alarm(
                    step,
                    "exploding gradient",
                    f"step {step}: total gradient norm {total:.3g}{reference}; "
                    f"largest in {largest!r} ({norms[largest][0]:.3g})",
                    largest,
                )
            )
        for name, (g, ndim) in norms.items():
            if ndim > 1 and g < self.vanish:
                alarms.append(
                    Alarm(
                        step,
                        "vanishing gradient",
                        f"step {step}: gradient norm of {name!r} is {g:.3g} (< {self.vanish:g}): "
                        "this layer has stopped learning",
                        name,
                    )
                )
        self.recent.append(total)
        return alarms


class PlateauWatch:
    """Alarm when a loss has not improved on its best by more than ``min_delta`` (relative) for
    ``patience`` consecutive updates (then counts again from zero)."""

    def __init__(self, patience: int = 3, min_delta: float = 1e-3, what: str = "loss") -> None:
        self.patience, self.min_delta, self.what = patience, min_delta, what
        self.best = math.inf
        self.waited = 0

    def update(self, value: float, step: int) -> Alarm | None:
        if value < self.best - self.min_delta * abs(self.best) or not math.isfinite(self.best):
            self.best, self.waited = value, 0
            return None
        self.waited += 1
        if self.waited < self.patience:
            return None
        self.waited = 0
        return Alarm(
            step,
            "plateau",
            f"step {step}: {self.what} {value:.4g} has not improved on {self.best:.4g} "
            f"(by {self.min_delta:.0e} relative) for {self.patience} checks",
        )


class ExplosionWatch:
    """Alarm when a loss grows beyond ``factor`` times the best (lowest) value seen so far."""

    def __init__(self, factor: float = 3.0, what: str = "loss") -> None:
        if factor <= 1:
            raise ValueError(f"ExplosionWatch: factor must be > 1, got {factor}")
        self.factor, self.what = factor, what
        self.best = math.inf

    def update(self, value: float, step: int) -> Alarm | None:
        if not math.isfinite(value) or value > self.factor * self.best:
            return Alarm(
                step,
                "exploding loss",
                f"step {step}: {self.what} {value:.4g} is more than {self.factor:g}x its best "
                f"{self.best:.4g}: training is diverging (lower --lr, or set --grad-clip)",
            )
        self.best = min(self.best, value)
        return None
