"""Self-check tests: `attempt` writes a learner's file into a temporary workspace and grades it
through the worker process, exactly as `python -m comparisons.selfcheck check` does."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from comparisons.selfcheck.exercise import get_exercise
from comparisons.selfcheck.grader import Report, check_file

TIME_LIMIT = 8.0  # generous for a loaded 2-core machine; the hanging test passes a short one

Attempt = Callable[..., Report]


@pytest.fixture
def attempt(tmp_path: Path) -> Attempt:
    def grade(name: str, source: str, time_limit: float = TIME_LIMIT) -> Report:
        path = tmp_path / f"{name}.py"
        path.write_text("import numpy as np\n\n" + textwrap.dedent(source), encoding="utf-8")
        return check_file(get_exercise(name), path, time_limit)

    return grade
