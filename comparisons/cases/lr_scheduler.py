"""Parity cases for minitorch.optim.lr_scheduler: the learning rate at every step against torch.

Each case builds the same optimizer (two parameter groups with different learning rates) and
scheduler in both engines, steps them together (optimizer, then scheduler, as in training) and
compares every group's lr, `get_last_lr()`, and the momentum or beta1 that OneCycleLR cycles.
Halfway through, both sides checkpoint and restore, the way a resumed run does: a fresh
optimizer and scheduler load the saved state dicts. Scalars are computed with the same
formulas as torch, so they must agree to the last bit (rtol 1e-15).
"""

from __future__ import annotations

import copy
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import minitorch.optim
from comparisons.cases.optim import twin_parameters
from comparisons.registry import Case, Check, Outcome, register

# make(optim_module, params) -> (optimizer, scheduler); the same code builds both engines' pair.
Factory = Callable[[Any, list[Any]], tuple[Any, Any]]


def two_groups(optim: Any, params: list[Any], name: str = "SGD", **options: Any) -> Any:
    """An optimizer whose two groups start at lr 0.1 and 0.05."""
    groups = [{"params": params[:1]}, {"params": params[1:], "lr": 0.05}]
    return getattr(optim, name)(groups, lr=0.1, **options)


def lr_checks(step: int, mt_opt: Any, mt_sched: Any, torch_opt: Any, torch_sched: Any) -> list[Check]:
    def values(opt: Any, sched: Any) -> np.ndarray:
        groups = opt.param_groups
        momenta = [g["betas"][0] if "betas" in g else g.get("momentum", 0.0) for g in groups]
        return np.array([g["lr"] for g in groups] + list(sched.get_last_lr()) + momenta, dtype=np.float64)

    return [Check(f"step {step} lrs, last lrs, momenta", "state", values(mt_opt, mt_sched),
                  values(torch_opt, torch_sched), 0.0, 1e-15)]


def scheduler_case(name: str, make: Factory, *, steps: int = 30, metrics: Sequence[float] | None = None,
                   seed: int = 0) -> Case:
    """Register a case stepping `make(engine.optim, params)`'s scheduler `steps` times on both sides.

    With `metrics`, the scheduler is ReduceLROnPlateau and step e passes metrics[e].
    """
    steps = len(metrics) if metrics is not None else steps

    def restore(engine: Any, params: list[Any], optimizer: Any, scheduler: Any) -> tuple[Any, Any]:
        saved_opt, saved_sched = copy.deepcopy(optimizer.state_dict()), copy.deepcopy(scheduler.state_dict())
        optimizer, scheduler = make(engine, params)
        optimizer.load_state_dict(saved_opt)
        scheduler.load_state_dict(saved_sched)
        return optimizer, scheduler

    def run(rng: np.random.Generator) -> Outcome:
        mt_params, torch_params = twin_parameters(rng, [(2,), (3,)], "float64")
        (mt_opt, mt_sched), (torch_opt, torch_sched) = make(minitorch.optim, mt_params), make(torch.optim,
                                                                                              torch_params)
        checks = lr_checks(0, mt_opt, mt_sched, torch_opt, torch_sched)
        mt_seconds = torch_seconds = 0.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's note about OneCycle/Sequential epoch arguments
            for step in range(1, steps + 1):
                if step == steps // 2:
                    mt_opt, mt_sched = restore(minitorch.optim, mt_params, mt_opt, mt_sched)
                    torch_opt, torch_sched = restore(torch.optim, torch_params, torch_opt, torch_sched)
                args = () if metrics is None else (metrics[step - 1],)
                start = time.perf_counter()
                mt_opt.step()
                mt_sched.step(*args)
                mt_seconds += time.perf_counter() - start
                start = time.perf_counter()
                torch_opt.step()
                torch_sched.step(*args)
                torch_seconds += time.perf_counter() - start
                checks += lr_checks(step, mt_opt, mt_sched, torch_opt, torch_sched)
        return Outcome(checks, mt_seconds, torch_seconds)

    return register(Case(f"scheduler_{name}", "scheduler", run, seed))


def with_scheduler(scheduler: str, optimizer: str = "SGD", options: dict[str, Any] | None = None,
                   **kwargs: Any) -> Factory:
    """A factory: the two-group optimizer, then `lr_scheduler.<scheduler>(optimizer, **kwargs)`."""
    def make(optim: Any, params: list[Any]) -> tuple[Any, Any]:
        opt = two_groups(optim, params, optimizer, **(options or {}))
        return opt, getattr(optim.lr_scheduler, scheduler)(opt, **kwargs)

    return make


def sequential(*parts: tuple[str, dict[str, Any]], milestones: list[int]) -> Factory:
    """SequentialLR over schedulers given as (class name, options)."""
    def make(optim: Any, params: list[Any]) -> tuple[Any, Any]:
        opt = two_groups(optim, params)
        schedulers = [getattr(optim.lr_scheduler, cls)(opt, **kw) for cls, kw in parts]
        return opt, optim.lr_scheduler.SequentialLR(opt, schedulers, milestones=milestones)

    return make


scheduler_case("step", with_scheduler("StepLR", step_size=4, gamma=0.5))
scheduler_case("multistep", with_scheduler("MultiStepLR", milestones=[3, 8, 8, 20], gamma=0.3))
scheduler_case("exponential", with_scheduler("ExponentialLR", gamma=0.9))
scheduler_case("cosine", with_scheduler("CosineAnnealingLR", T_max=10), steps=45)
scheduler_case("cosine_eta_min", with_scheduler("CosineAnnealingLR", T_max=7, eta_min=0.01), steps=30)
scheduler_case("linear_warmup", with_scheduler("LinearLR", start_factor=0.1, total_iters=6), steps=12)
scheduler_case("linear_decay", with_scheduler("LinearLR", start_factor=1.0, end_factor=0.2, total_iters=9))
scheduler_case("onecycle_cos_sgd_momentum", with_scheduler(
    "OneCycleLR", options={"momentum": 0.9}, max_lr=1.0, total_steps=40), steps=40)
scheduler_case("onecycle_linear_three_phase_adam", with_scheduler(
    "OneCycleLR", "Adam", max_lr=[0.5, 0.2], total_steps=33, anneal_strategy="linear", three_phase=True,
    pct_start=0.25, div_factor=10.0, final_div_factor=100.0), steps=33)
scheduler_case("onecycle_no_momentum_cycle", with_scheduler(
    "OneCycleLR", max_lr=0.3, epochs=4, steps_per_epoch=5, cycle_momentum=False), steps=20)
scheduler_case("sequential_warmup_cosine", sequential(
    ("LinearLR", {"start_factor": 0.2, "total_iters": 5}), ("CosineAnnealingLR", {"T_max": 20}),
    milestones=[5]))
scheduler_case("sequential_three", sequential(
    ("ExponentialLR", {"gamma": 0.8}), ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [4, 6]}), milestones=[6, 14]))

PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.95, 0.9, 0.96, 0.899, 0.8999, 0.8999, 0.9, 0.9, 0.7,
                   0.71, 0.72, 0.73, 0.74, 0.75, 0.75, 0.75, 0.6, 0.6, 0.6, 0.6, 0.6]
scheduler_case("plateau_min_rel", with_scheduler("ReduceLROnPlateau", patience=2), metrics=PLATEAU_METRICS)
scheduler_case("plateau_min_abs_cooldown", with_scheduler(
    "ReduceLROnPlateau", patience=1, threshold=0.05, threshold_mode="abs", cooldown=2, factor=0.5),
    metrics=PLATEAU_METRICS)
scheduler_case("plateau_max_min_lr", with_scheduler(
    "ReduceLROnPlateau", mode="max", patience=0, factor=0.3, min_lr=[0.01, 0.004]),
    metrics=[-m for m in PLATEAU_METRICS])
scheduler_case("plateau_max_rel_threshold", with_scheduler(
    "ReduceLROnPlateau", "Adam", mode="max", patience=1, threshold=0.1, min_lr=1e-3),
    metrics=[0.1, 0.2, 0.21, 0.22, 0.5, 0.52, 0.53, 0.54, 0.9, 0.91, 0.92, 0.93])
