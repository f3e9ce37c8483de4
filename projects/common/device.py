"""Device choice (cuda, mps, cpu) and the CPU thread count."""

from __future__ import annotations

import os

import torch


def choose_device(name: str = "auto", local_rank: int = 0) -> torch.device:
    """Return ``cuda`` (this process's GPU), ``mps`` or ``cpu``; ``auto`` takes the first present."""
    if name == "auto":
        if torch.cuda.is_available():
            name = "cuda"
        elif torch.backends.mps.is_available():
            name = "mps"
        else:
            name = "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("device: 'cuda' was asked for but torch.cuda.is_available() is False")
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    if name == "mps" and not torch.backends.mps.is_available():
        raise RuntimeError("device: 'mps' was asked for but torch.backends.mps.is_available() is False")
    return torch.device(name)


def available_cores() -> int:
    """CPU cores this process may run on (respects affinity masks and containers)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def configure_threads(threads: int | None = None, processes_per_machine: int = 1) -> int:
    """Give torch ``threads`` intra-op threads (default: the cores shared between the processes)."""
    n = threads or max(1, available_cores() // processes_per_machine)
    torch.set_num_threads(n)
    return n
