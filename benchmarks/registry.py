"""Workloads: one task done by minitorch and by torch, to be timed side by side.

A workload's `setup()` builds both sides' inputs and models (outside the timing) and returns
two zero-argument callables, each doing the work once (e.g. one forward+backward). `target`
is the ratio the issue tracker asks for (None: reported only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Workload:
    name: str
    setup: Callable[[], tuple[Callable[[], object], Callable[[], object]]]
    target: float | None = None
    repeats: int = 15


_WORKLOADS: dict[str, Workload] = {}


def workload(name: str, target: float | None = None, repeats: int = 15):
    """Decorator: register `setup` as a workload."""

    def register(setup: Callable[[], tuple[Callable[[], object], Callable[[], object]]]) -> Callable:
        if name in _WORKLOADS:
            raise ValueError(f"workload: {name!r} is already registered")
        _WORKLOADS[name] = Workload(name, setup, target, repeats)
        return setup

    return register


def all_workloads() -> list[Workload]:
    """Every workload, after importing every module of `benchmarks.workloads`."""
    import importlib
    import pkgutil

    from benchmarks import workloads

    for module in pkgutil.iter_modules(workloads.__path__):
        importlib.import_module(f"{workloads.__name__}.{module.name}")
    return list(_WORKLOADS.values())
