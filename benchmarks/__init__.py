"""Speed of minitorch against torch, measured in one process, one thread each.

`python -m benchmarks` prints the ratio table (minitorch time / torch time) for every workload
in `benchmarks.workloads`; `pytest benchmarks/` runs the same workloads under pytest-benchmark.
Never part of the pass/fail test run: these machines are shared and noisy.
"""
