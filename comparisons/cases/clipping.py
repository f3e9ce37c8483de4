"""Parity cases for gradient clipping: the total norm returned and the clipped gradients.

Each case gives the same gradients to parameters in both engines (one parameter has none, as
a frozen layer would), clips, and compares the returned total norm and every gradient after.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import minitorch
from comparisons.cases.optim import twin_parameters
from comparisons.registry import FLOAT64_RTOL, Case, Check, Outcome, register

SHAPES = [(3, 4), (5,), (2, 2, 3), (4,)]


def clipping_case(name: str, clip: Callable[[Any, list[Any]], Any], *, dtype: str = "float64",
                  scale: float = 1.0, special: dict[int, float] | None = None, seed: int = 0) -> Case:
    """Register a case running `clip(engine.nn.utils, params)` on the same gradients in both engines.

    `scale` multiplies the gradients (to land above or below max_norm); `special` puts a value
    (inf, nan) at the first entry of the given parameters' gradients.
    """
    atol, rtol = (None, FLOAT64_RTOL) if dtype == "float64" else (1e-6, 1e-5)

    def run(rng: np.random.Generator) -> Outcome:
        mt_params, torch_params = twin_parameters(rng, SHAPES, dtype)
        for i, (mp, tp) in enumerate(zip(mt_params, torch_params, strict=True)):
            if i == 3:
                continue  # a parameter without a gradient is ignored
            grad = (rng.standard_normal(mp.shape) * scale).astype(dtype)
            if special and i in special:
                grad.flat[0] = special[i]
            mp.grad, tp.grad = minitorch.Tensor(grad.copy()), torch.from_numpy(grad.copy())
        start = time.perf_counter()
        mt_total = clip(minitorch.nn.utils, mt_params)
        mt_seconds = time.perf_counter() - start
        start = time.perf_counter()
        torch_total = clip(torch.nn.utils, torch_params)
        torch_seconds = time.perf_counter() - start
        checks = []
        if torch_total is not None:
            checks.append(Check("total norm", "forward", mt_total.data, torch_total.numpy(), atol, rtol))
        for i, (mp, tp) in enumerate(zip(mt_params, torch_params, strict=True)):
            if tp.grad is None:
                if mp.grad is not None:
                    raise AssertionError(f"param {i}: minitorch made a gradient where torch has none")
                continue
            checks.append(Check(f"grad {i} after clipping", "grad", mp.grad.data, tp.grad.numpy(),
                                atol, rtol))
        return Outcome(checks, mt_seconds, torch_seconds)

    return register(Case(f"clip_{name}", "clipping", run, seed))


for norm_type, label in [(1.0, "1"), (2.0, "2"), (float("inf"), "inf"), (3.5, "3_5")]:
    clipping_case(f"norm_{label}_clipped", lambda u, p, n=norm_type: u.clip_grad_norm_(p, 0.5, norm_type=n))
    clipping_case(f"norm_{label}_under_max", lambda u, p, n=norm_type: u.clip_grad_norm_(p, 1e3, norm_type=n))
    clipping_case(f"norm_{label}_float32", lambda u, p, n=norm_type: u.clip_grad_norm_(p, 1.0, norm_type=n),
                  dtype="float32", scale=3.0)
clipping_case("norm_single_tensor", lambda u, p: u.clip_grad_norm_(p[0], 0.1))
clipping_case("norm_with_inf", lambda u, p: u.clip_grad_norm_(p, 1.0), special={1: float("inf")})
clipping_case("norm_with_nan", lambda u, p: u.clip_grad_norm_(p, 1.0), special={0: float("nan")})
clipping_case("value", lambda u, p: u.clip_grad_value_(p, 0.3))
clipping_case("value_float32", lambda u, p: u.clip_grad_value_(p, 1.5), dtype="float32", scale=2.0)
