"""`GradScaler`: dynamic loss scaling, so that small float16 gradients do not underflow to zero.

One training step with it:

    with autocast():
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()   # backward of loss * S: every gradient is S times larger
    scaler.unscale_(optimizer)      # optional, e.g. before clipping: grads /= S, look for inf/NaN
    scaler.step(optimizer)          # unscale if not done yet; skip the step if any inf/NaN
    scaler.update()                 # inf/NaN seen: S *= backoff_factor (0.5);
                                    # else after growth_interval good steps in a row: S *= growth_factor

A scale that is too large makes gradients overflow to inf: that step is skipped and the scale
halves, so the scale settles just below the overflow point, as large as is safe.
The scale is a float32 number, as in torch, so it changes by exactly the same factors.

PyTorch equivalent: `torch.amp.GradScaler`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minitorch.tensor import Tensor

READY, UNSCALED, STEPPED = "ready", "unscaled", "stepped"


class GradScaler:
    """Scale the loss, unscale the gradients, skip steps with inf/NaN, adapt the scale."""

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        if growth_factor <= 1.0:
            raise ValueError(f"GradScaler: growth_factor should be > 1, got {growth_factor}")
        if not 0.0 < backoff_factor < 1.0:
            raise ValueError(f"GradScaler: backoff_factor should be in (0, 1), got {backoff_factor}")
        if growth_interval <= 0 or not isinstance(growth_interval, int):
            raise ValueError(
                f"GradScaler: growth_interval should be a positive integer, got {growth_interval}"
            )
        self._enabled = enabled
        self._scale = np.float32(init_scale)
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = growth_interval
        self._growth_tracker = 0
        self._per_optimizer: dict[int, dict[str, Any]] = {}

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        """The current scale S (1.0 when disabled)."""
        return float(self._scale) if self._enabled else 1.0

    def _state(self, optimizer: Any) -> dict[str, Any]:
        return self._per_optimizer.setdefault(id(optimizer), {"stage": READY, "found_inf": None})

    def scale(self, outputs: Any) -> Any:
        """outputs * S (a tensor, or a list/tuple of them); the dtype of each output is kept."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * float(self._scale)
        if isinstance(outputs, list | tuple):
            return type(outputs)(self.scale(o) for o in outputs)
        raise TypeError(
            f"GradScaler.scale: outputs must be a Tensor or a list or tuple, not {type(outputs).__name__}"
        )

    def unscale_(self, optimizer: Any) -> None:
        """Divide this optimizer's gradients by S (in place) and record whether any is inf/NaN.

        At most once per optimizer between two `update()` calls, and before `step()`.
        """
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["stage"] == UNSCALED:
            raise RuntimeError(
                "unscale_() has already been called on this optimizer since the last update()."
            )
        if state["stage"] == STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = np.float32(1.0 / np.float64(self._scale))
        found_inf = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.dtype == np.float16:
                    raise ValueError("GradScaler.unscale_: attempting to unscale FP16 gradients (keep the "
                                     "master weights in float32 and use autocast for the forward pass)")
                found_inf = found_inf or not bool(np.isfinite(p.grad.data).all())
                p.grad.data *= inv_scale.astype(p.grad.dtype)
                p.grad._increment_version()
        state.update(stage=UNSCALED, found_inf=found_inf)

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """`optimizer.step()` unless the (unscaled) gradients hold inf/NaN; returns its result or None."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._state(optimizer)
        if state["stage"] == STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == READY:
            self.unscale_(optimizer)
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = STEPPED
        return result

    def update(self, new_scale: float | None = None) -> None:
        """Adapt S from this iteration's inf checks (or set it to `new_scale`), then start afresh."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = np.float32(new_scale)
        else:
            found = [s["found_inf"] for s in self._per_optimizer.values() if s["found_inf"] is not None]
            if not found:
                raise RuntimeError("GradScaler.update: no inf checks were recorded prior to update() "
                                   "(call step() or unscale_() first).")
            if any(found):
                self._scale = np.float32(float(self._scale) * self._backoff_factor)  # in double, as torch
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    grown = np.float32(float(self._scale) * self._growth_factor)
                    if np.isfinite(grown):
                        self._scale = grown
                    self._growth_tracker = 0
        self._per_optimizer = {}

    def state_dict(self) -> dict[str, Any]:
        """scale, growth_factor, backoff_factor, growth_interval, _growth_tracker (empty if disabled)."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not self._enabled:
            return
        if not state_dict:
            raise RuntimeError(
                "GradScaler.load_state_dict: the state_dict is empty (saved from a disabled scaler)"
            )
        self._scale = np.float32(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])
