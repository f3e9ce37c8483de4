"""`python -m benchmarks [--filter PATTERN] [--repeats N]`: the minitorch/torch ratio table.

Both sides run float32 on one thread in this process, interleaved; the table gives the median
time of each and their ratio, with the target where the issue sets one.
"""

from __future__ import annotations

import argparse
import sys

from benchmarks.registry import all_workloads
from benchmarks.timing import one_thread, time_interleaved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--filter", default="", help="only workloads whose name contains this (any case)")
    parser.add_argument("--repeats", type=int, help="override each workload's number of runs")
    args = parser.parse_args(argv)
    chosen = [w for w in all_workloads() if args.filter.lower() in w.name.lower()]
    if not chosen:
        print(f"no workload matches {args.filter!r}", file=sys.stderr)
        return 2
    header = f"{'workload':72s} {'minitorch ms':>12s} {'torch ms':>10s} {'ratio':>7s} {'target':>7s}"
    print(header + "\n" + "-" * len(header))
    with one_thread():
        for w in chosen:
            minitorch_fn, torch_fn = w.setup()
            t = time_interleaved(minitorch_fn, torch_fn, repeats=args.repeats or w.repeats)
            target = "-" if w.target is None else f"<={w.target:.2f}"
            verdict = "" if w.target is None else ("  ok" if t.ratio <= w.target else "  over")
            row = f"{w.name:72s} {t.minitorch_ms:12.2f} {t.torch_ms:10.2f} {t.ratio:7.2f} {target:>7s}"
            print(row + verdict, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
