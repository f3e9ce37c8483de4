"""Shared test setup: deterministic seeds, and the data setting pointed at ../shared/data when
it exists and nothing else was chosen (CI sets MINITORCH_DATA itself)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pytest

_SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if "MINITORCH_DATA" not in os.environ and _SHARED_DATA.is_dir():
    os.environ["MINITORCH_DATA"] = str(_SHARED_DATA)


@pytest.fixture(autouse=True)
def _seed_everything() -> None:
    """Every test starts from the same seeds: numpy, Python's random, torch and minitorch."""
    import minitorch

    random.seed(0)
    np.random.seed(0)
    minitorch.manual_seed(0)
    try:
        import torch

        torch.manual_seed(0)
    except ImportError:  # pragma: no cover - torch is a dependency, but keep the engine tests standalone
        pass
