"""Fixtures for the projects' tests: the real data when present, else a synthetic stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from projects_testdata import make_data_root

from projects.common.data_root import data_root

REAL_ROOT = data_root()
REAL = all((REAL_ROOT / d).is_dir() for d in ("mnist", "cifar10_subset", "rt-polarity", "sst2"))


@pytest.fixture(scope="session")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data folder the tests train on: the real one, or a generated one of the same layout."""
    return REAL_ROOT if REAL else make_data_root(tmp_path_factory.mktemp("data"))


@pytest.fixture
def real_root() -> Path:
    """The real data folder; skips when it is absent."""
    if not REAL:
        pytest.skip(f"real data not found under {REAL_ROOT} (set MINITORCH_DATA)")
    return REAL_ROOT


@pytest.fixture(autouse=True)
def _threads_and_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Same thread count in every test (bitwise comparisons); downloads would go to tmp_path."""
    monkeypatch.setenv("MINITORCH_CACHE", str(tmp_path / "cache"))
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)
