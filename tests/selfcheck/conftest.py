"""Self-check tests: `attempt` writes a learner's file into a temporary workspace and grades it
through the worker process, exactly as `python -m comparisons.selfcheck check` does. Every test
runs in English (whatever the machine's locale) and signs progress records with a key of its own."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from comparisons.selfcheck.exercise import get_exercise
from comparisons.selfcheck.grader import Limits, Report, check_file

TIME_LIMIT = 20.0  # generous for a loaded 2-core machine; the hanging tests pass a short one

Attempt = Callable[..., Report]


@pytest.fixture(autouse=True)
def english_and_a_private_key(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("MINITORCH_SELFCHECK_KEY", str(tmp_path_factory.mktemp("key") / "selfcheck.key"))


@pytest.fixture
def attempt(tmp_path: Path) -> Attempt:
    def grade(name: str, source: str, time_limit: float = TIME_LIMIT, **limits: int) -> Report:
        path = tmp_path / f"{name}.py"
        path.write_text("import numpy as np\n\n" + textwrap.dedent(source), encoding="utf-8")
        return check_file(get_exercise(name), path, Limits(time_limit, **limits))

    return grade
