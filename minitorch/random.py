"""The global random generator behind `rand`, `randn`, dropout and weight init.

`manual_seed(s)` makes every later random draw repeatable. (The numbers differ from torch's
for the same seed: the parity harness copies values across instead of sharing seeds.)
PyTorch equivalent: `torch.manual_seed`, `torch.Generator`.
"""

from __future__ import annotations

import numpy as np


class _DefaultGenerator:
    rng: np.random.Generator = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator; returns it."""
    _DefaultGenerator.rng = np.random.default_rng(seed)
    return _DefaultGenerator.rng


def default_generator() -> np.random.Generator:
    """The global generator (use it for any random draw inside minitorch)."""
    return _DefaultGenerator.rng
