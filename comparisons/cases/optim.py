"""Parity cases for minitorch.optim: every optimizer in every option, step by step against torch.

Each case builds the same parameters in both engines, then for N steps gives both the same
synthetic gradients (drawn from the case's seed; one parameter gets none on some steps, so
skipping works too) and compares, after every step, every parameter, every group's lr and
every entry of the optimizer state. Halfway through, each engine swaps in a fresh optimizer
loaded from the *other* engine's state dict (converted to its arrays), which proves the two
state dicts have the same structure and that loading restores the run exactly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import minitorch as mt
import minitorch.optim
from comparisons.registry import FLOAT64_RTOL, Case, Check, Outcome, register
from minitorch.nn import Parameter

SHAPES = [(3, 4), (4,), (2, 3)]
TORCH_ONLY_OPTIONS = ("foreach", "fused", "differentiable", "capturable")
# make(optim_module, params) -> optimizer; the same code builds both sides (torch.optim or minitorch.optim).
Factory = Callable[[Any, list[Any]], Any]


def twin_parameters(rng: np.random.Generator, shapes: list[tuple[int, ...]],
                    dtype: str) -> tuple[list[Parameter], list[torch.nn.Parameter]]:
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    return ([Parameter(a.copy()) for a in arrays],
            [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in arrays])


def state_checks(step: int, mt_opt: Any, torch_opt: Any, atol: float | None, rtol: float) -> list[Check]:
    """Compare lrs, and each parameter's optimizer state entry by entry (same keys required)."""
    checks = [
        Check(f"step {step} group {i} lr", "state", np.float64(m["lr"]), np.float64(t["lr"]), 0.0, 1e-15)
        for i, (m, t) in enumerate(zip(mt_opt.param_groups, torch_opt.param_groups, strict=True))
    ]
    mt_indices, torch_indices = sorted(mt_opt.state_dict()["state"]), sorted(torch_opt.state_dict()["state"])
    if mt_indices != torch_indices:
        raise AssertionError(f"step {step}: state for parameters {mt_indices}, torch's {torch_indices}")
    mt_params = [p for g in mt_opt.param_groups for p in g["params"]]
    torch_params = [p for g in torch_opt.param_groups for p in g["params"]]
    for i, (mp, tp) in enumerate(zip(mt_params, torch_params, strict=True)):
        mt_state, torch_state = mt_opt.state.get(mp, {}), torch_opt.state.get(tp, {})
        if set(mt_state) != set(torch_state):
            raise AssertionError(
                f"step {step} param {i}: state keys {sorted(mt_state)} != torch's {sorted(torch_state)}"
            )
        for key, value in torch_state.items():
            # copies: the optimizers update these buffers in place, and checks are evaluated at the end
            expected = value.detach().numpy().copy()
            entry = mt_state[key]
            actual = np.array(entry.data if isinstance(entry, mt.Tensor) else entry, copy=True)
            label = f"step {step} param {i} state {key}"
            if key == "step":  # a count: torch keeps a float32 tensor, minitorch a Python int
                checks.append(Check(label, "state", actual.astype(np.float64), expected.astype(np.float64),
                                    0.0, 0.0))
            else:
                checks.append(Check(label, "state", actual, expected, atol, rtol))
    return checks


def torch_state_to_minitorch(state_dict: dict[str, Any]) -> dict[str, Any]:
    """torch's optimizer state dict as minitorch holds it: arrays, an int step, no torch-only options."""
    def convert(key: str, value: Any) -> Any:
        if key == "step":
            return int(value.item())
        return mt.Tensor(value.detach().numpy().copy()) if isinstance(value, torch.Tensor) else value

    return {
        "state": {i: {k: convert(k, v) for k, v in s.items()} for i, s in state_dict["state"].items()},
        "param_groups": [{k: v for k, v in g.items() if k not in TORCH_ONLY_OPTIONS}
                         for g in state_dict["param_groups"]],
    }


def minitorch_state_to_torch(state_dict: dict[str, Any]) -> dict[str, Any]:
    """minitorch's optimizer state dict as torch holds it (step as a float32 tensor)."""
    def convert(key: str, value: Any) -> Any:
        if key == "step":
            return torch.tensor(float(value))
        return torch.from_numpy(value.data.copy()) if isinstance(value, mt.Tensor) else value

    return {
        "state": {i: {k: convert(k, v) for k, v in s.items()} for i, s in state_dict["state"].items()},
        "param_groups": [dict(g) for g in state_dict["param_groups"]],
    }


def optimizer_case(name: str, make: Factory, *, steps: int = 6, dtype: str = "float64",
                   atol: float | None = None, rtol: float | None = None, seed: int = 0) -> Case:
    """Register a case running `make(engine.optim, params)` for `steps` steps on both engines."""
    if dtype != "float64":
        atol, rtol = (1e-6 if atol is None else atol), (1e-5 if rtol is None else rtol)
    rtol = FLOAT64_RTOL if rtol is None else rtol

    def run(rng: np.random.Generator) -> Outcome:
        mt_params, torch_params = twin_parameters(rng, SHAPES, dtype)
        mt_opt, torch_opt = make(minitorch.optim, mt_params), make(torch.optim, torch_params)
        checks: list[Check] = []
        mt_seconds = torch_seconds = 0.0
        for step in range(1, steps + 1):
            if step == steps // 2 + 1:  # swap in fresh optimizers loaded from the other engine
                mt_saved, torch_saved = mt_opt.state_dict(), torch_opt.state_dict()
                mt_opt, torch_opt = make(minitorch.optim, mt_params), make(torch.optim, torch_params)
                mt_opt.load_state_dict(torch_state_to_minitorch(torch_saved))
                torch_opt.load_state_dict(minitorch_state_to_torch(mt_saved))
            for i, (mp, tp) in enumerate(zip(mt_params, torch_params, strict=True)):
                if i == 2 and step % 3 == 2:  # no gradient: the optimizer must leave it alone
                    mp.grad, tp.grad = None, None
                    continue
                grad = rng.standard_normal(mp.shape).astype(dtype)
                mp.grad, tp.grad = mt.Tensor(grad.copy()), torch.from_numpy(grad.copy())
            start = time.perf_counter()
            mt_opt.step()
            mt_seconds += time.perf_counter() - start
            start = time.perf_counter()
            torch_opt.step()
            torch_seconds += time.perf_counter() - start
            checks += [
                Check(f"step {step} param {i}", "state", mp.data.copy(), tp.detach().numpy().copy(),
                      atol, rtol)
                for i, (mp, tp) in enumerate(zip(mt_params, torch_params, strict=True))
            ]
            checks += state_checks(step, mt_opt, torch_opt, atol, rtol)
        return Outcome(checks, mt_seconds, torch_seconds)

    return register(Case(f"optim_{name}", "optim", run, seed))


def _groups(first: dict[str, Any], second: dict[str, Any]) -> Callable[[list[Any]], list[dict[str, Any]]]:
    """Two parameter groups: the first parameter with `first`'s options, the rest with `second`'s."""
    return lambda params: [{"params": params[:1], **first}, {"params": params[1:], **second}]


# -- SGD -----------------------------------------------------------------------------------------
optimizer_case("sgd", lambda o, p: o.SGD(p, lr=0.1))
optimizer_case("sgd_momentum", lambda o, p: o.SGD(p, lr=0.1, momentum=0.9))
optimizer_case("sgd_momentum_dampening", lambda o, p: o.SGD(p, lr=0.05, momentum=0.8, dampening=0.3))
optimizer_case("sgd_nesterov", lambda o, p: o.SGD(p, lr=0.1, momentum=0.9, nesterov=True))
optimizer_case("sgd_weight_decay", lambda o, p: o.SGD(p, lr=0.1, momentum=0.5, weight_decay=0.01))
optimizer_case("sgd_weight_decay_no_momentum", lambda o, p: o.SGD(p, lr=0.1, weight_decay=0.1))
optimizer_case("sgd_maximize", lambda o, p: o.SGD(p, lr=0.1, momentum=0.9, nesterov=True, maximize=True))
optimizer_case("sgd_param_groups", lambda o, p: o.SGD(
    _groups({"lr": 0.01, "nesterov": True}, {"momentum": 0.5, "weight_decay": 0.1})(p), lr=0.1, momentum=0.9))
optimizer_case("sgd_float32", lambda o, p: o.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3), dtype="float32")

# -- Adam and AdamW --------------------------------------------------------------------------------
optimizer_case("adam", lambda o, p: o.Adam(p, lr=0.01))
optimizer_case("adam_betas_eps", lambda o, p: o.Adam(p, lr=0.02, betas=(0.8, 0.9), eps=1e-3))
optimizer_case("adam_amsgrad", lambda o, p: o.Adam(p, lr=0.01, amsgrad=True), steps=8)
optimizer_case("adam_weight_decay", lambda o, p: o.Adam(p, lr=0.01, weight_decay=0.1))
optimizer_case("adam_maximize", lambda o, p: o.Adam(p, lr=0.01, maximize=True, amsgrad=True))
optimizer_case("adam_param_groups", lambda o, p: o.Adam(
    _groups({"lr": 0.1, "amsgrad": True}, {"betas": (0.5, 0.6), "weight_decay": 0.05})(p), lr=0.01))
optimizer_case("adam_float32", lambda o, p: o.Adam(p, lr=0.01, weight_decay=1e-2), dtype="float32")
optimizer_case("adamw", lambda o, p: o.AdamW(p, lr=0.01))
optimizer_case("adamw_amsgrad_decay", lambda o, p: o.AdamW(p, lr=0.05, weight_decay=0.3, amsgrad=True))
optimizer_case("adamw_param_groups", lambda o, p: o.AdamW(
    _groups({"weight_decay": 0.0}, {"lr": 0.1, "eps": 1e-4})(p), lr=0.01))
optimizer_case("adamw_float32", lambda o, p: o.AdamW(p, lr=0.01, amsgrad=True), dtype="float32")

# -- RMSprop ---------------------------------------------------------------------------------------
optimizer_case("rmsprop", lambda o, p: o.RMSprop(p, lr=0.01))
optimizer_case("rmsprop_alpha_eps", lambda o, p: o.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-3))
optimizer_case("rmsprop_momentum", lambda o, p: o.RMSprop(p, lr=0.01, momentum=0.9))
optimizer_case("rmsprop_centered", lambda o, p: o.RMSprop(p, lr=0.01, centered=True))
optimizer_case("rmsprop_centered_momentum_decay", lambda o, p: o.RMSprop(
    p, lr=0.01, centered=True, momentum=0.5, weight_decay=0.1, maximize=True))
optimizer_case("rmsprop_param_groups", lambda o, p: o.RMSprop(
    _groups({"centered": True}, {"momentum": 0.9, "lr": 0.001})(p), lr=0.01))
optimizer_case("rmsprop_float32", lambda o, p: o.RMSprop(p, lr=0.01, momentum=0.9, centered=True),
               dtype="float32")

# -- Adagrad ---------------------------------------------------------------------------------------
optimizer_case("adagrad", lambda o, p: o.Adagrad(p, lr=0.1))
optimizer_case("adagrad_lr_decay", lambda o, p: o.Adagrad(p, lr=0.1, lr_decay=0.1))
optimizer_case("adagrad_initial_accumulator", lambda o, p: o.Adagrad(
    p, lr=0.1, initial_accumulator_value=0.5))
optimizer_case("adagrad_weight_decay_eps", lambda o, p: o.Adagrad(
    p, lr=0.1, weight_decay=0.1, eps=1e-3, maximize=True))
optimizer_case("adagrad_param_groups", lambda o, p: o.Adagrad(
    _groups({"lr_decay": 0.5}, {"initial_accumulator_value": 1.0, "lr": 0.3})(p), lr=0.1))
optimizer_case("adagrad_float32", lambda o, p: o.Adagrad(p, lr=0.1, lr_decay=0.01), dtype="float32")
