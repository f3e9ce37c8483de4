"""The registry of parity cases.

A *case* is anything that runs minitorch and PyTorch side by side and returns *checks*: pairs
of arrays (minitorch's result, torch's result) that must agree within tolerances. Most cases
are built by the helpers in `comparisons.builders` (an op, a layer, a loss, a model); cases
with their own shape (optimizer trajectories, training runs) write `run` themselves.

Cases live in the modules of `comparisons/cases/`, one module per family; importing the
package registers them all.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

CheckKind = Literal["forward", "grad", "state"]

FLOAT64_RTOL = 1e-12
"""The two engines' float64 results agree to ~1e-15, so a float64 check allows at most 1e-12,
relative (see `Check`). A case that needs more says why in `Case.looser_because`."""


@dataclass
class Check:
    """One comparison: `actual` (minitorch) must equal `expected` (torch) within tolerance.

    `kind` says which column of the report it belongs to: forward values, gradients, or
    state (optimizer state, learning rates, running statistics, losses over training).

    Every element must satisfy |actual - expected| <= atol + rtol * |expected|. `atol=None`
    means `rtol * max|expected|`: an element near zero (where cancellation leaves only
    absolute accuracy) is judged on the scale of its array, so the check is relative at
    every scale. This is the float64 default, with rtol = FLOAT64_RTOL.
    """

    label: str
    kind: CheckKind
    actual: np.ndarray
    expected: np.ndarray
    atol: float | None
    rtol: float
    check_dtype: bool = True


@dataclass
class Outcome:
    """What running a case produced: its checks and the time each engine took."""

    checks: list[Check]
    minitorch_seconds: float = float("nan")
    torch_seconds: float = float("nan")


@dataclass
class Case:
    """A named parity case. `run(rng)` does the work; `group` sorts the report.

    `looser_because`: why this case's float64 checks may allow more than FLOAT64_RTOL
    (the runner fails a looser float64 check of a case that gives no reason).
    """

    name: str
    group: str
    run: Callable[[np.random.Generator], Outcome]
    seed: int = 0
    # For op cases, kept so tests can run the finite-difference check on the minitorch side.
    minitorch_fn: Callable[..., Any] | None = None
    make_inputs: Callable[[np.random.Generator], list[np.ndarray]] | None = None
    grad_mask: list[bool] = field(default_factory=list)
    gradcheck: bool = False
    looser_because: str = ""


_REGISTRY: dict[str, Case] = {}


def register(case: Case) -> Case:
    """Add a case; names are unique (a duplicate is a mistake, so it raises)."""
    if case.name in _REGISTRY:
        raise ValueError(f"register: a case named {case.name!r} is already registered")
    _REGISTRY[case.name] = case
    return case


def all_cases() -> list[Case]:
    """Every registered case, after importing every module of `comparisons.cases`."""
    from comparisons import cases

    for module in pkgutil.iter_modules(cases.__path__):
        importlib.import_module(f"{cases.__name__}.{module.name}")
    return list(_REGISTRY.values())
