"""Fair timing: both engines on one thread, in one process, runs interleaved, medians compared.

Interleaving (minitorch, torch, minitorch, torch, ...) means a burst of load from another
process on this shared machine slows both sides alike instead of skewing one of them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from threadpoolctl import threadpool_limits


@dataclass
class Timing:
    minitorch_ms: float
    torch_ms: float

    @property
    def ratio(self) -> float:
        return self.minitorch_ms / self.torch_ms


def one_thread() -> threadpool_limits:
    """Pin NumPy's BLAS and torch to one thread (use as a context manager)."""
    torch.set_num_threads(1)
    return threadpool_limits(limits=1)


def time_interleaved(minitorch_fn: Callable[[], object], torch_fn: Callable[[], object],
                     repeats: int = 15, warmup: int = 2) -> Timing:
    """Median milliseconds of each side over `repeats` interleaved runs, after `warmup`."""
    for _ in range(warmup):
        minitorch_fn()
        torch_fn()
    mt_times, torch_times = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        minitorch_fn()
        mt_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        torch_fn()
        torch_times.append(time.perf_counter() - start)
    return Timing(statistics.median(mt_times) * 1e3, statistics.median(torch_times) * 1e3)
