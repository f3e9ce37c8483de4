"""Shared test setup: deterministic seeds; the data setting pointed at ../shared/data when it
exists and nothing else was chosen (CI sets MINITORCH_DATA itself); and, on a machine without
a CUDA GPU, Triton's CPU interpreter.

TRITON_INTERPRET must be set before anything imports `triton.language` (its helpers, such as
`tl.cdiv`, are decorated at import time), and other test folders can import it indirectly
through torch, so it is set here, in the conftest pytest loads first. Importing torch to ask
for a GPU does not import triton."""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pytest
import torch

if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")

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
    torch.manual_seed(0)
