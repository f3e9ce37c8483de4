"""pytest-benchmark over every workload: `pytest benchmarks/ --benchmark-enable`.

Each workload gives two benchmarks (minitorch and torch) in the same group, so
pytest-benchmark's table shows them side by side. Not collected by the default test run
(testpaths is tests/).
"""

from __future__ import annotations

import pytest

from benchmarks.registry import all_workloads
from benchmarks.timing import one_thread

WORKLOADS = all_workloads()


@pytest.mark.parametrize("engine", ["minitorch", "torch"])
@pytest.mark.parametrize("work", WORKLOADS, ids=[w.name for w in WORKLOADS])
def test_workload(benchmark, work, engine):
    benchmark.group = work.name
    with one_thread():
        minitorch_fn, torch_fn = work.setup()
        benchmark(minitorch_fn if engine == "minitorch" else torch_fn)
