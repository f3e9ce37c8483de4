"""Mixed precision: ``torch.autocast`` plus a ``GradScaler`` for fp16.

``fp16`` (CUDA only) needs loss scaling: small fp16 gradients underflow to zero, so the loss is
multiplied by a large factor before backward and the gradients divided before the step (the
scaler skips steps whose gradients overflowed). ``bf16`` has fp32's exponent range and needs no
scaling; it is the mode for CPUs.
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager

import torch

AMP_MODES = ("off", "bf16", "fp16")


def check_amp(mode: str, device: torch.device) -> None:
    """Raise for a mode the device cannot run."""
    if mode not in AMP_MODES:
        raise ValueError(f"amp: mode {mode!r} is not one of {AMP_MODES}")
    if mode == "fp16" and device.type != "cuda":
        raise ValueError(f"amp: fp16 needs a CUDA device (got {device}); use --amp bf16 on CPU")


def autocast(mode: str, device: torch.device) -> AbstractContextManager:
    """The autocast context for ``mode`` (a no-op context for ``off``)."""
    check_amp(mode, device)
    if mode == "off":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if mode == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)


def make_scaler(mode: str, device: torch.device) -> torch.amp.GradScaler:
    """A GradScaler that is active only for fp16 (otherwise its methods pass values through)."""
    check_amp(mode, device)
    return torch.amp.GradScaler(device.type, enabled=mode == "fp16")
