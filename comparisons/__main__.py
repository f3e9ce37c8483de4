"""`python -m comparisons`: run every parity case and print the table.

Options: `--filter PATTERN` (substring or glob on case names, any case), `--group GROUP`,
`--markdown FILE` (also write the table as Markdown), `--list`, `--verbose` (print every
failing check). Exits 1 if any case fails.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys
import tempfile
from pathlib import Path

import torch

from comparisons.registry import all_cases
from comparisons.report import markdown_table, summary, text_table
from comparisons.runner import run_case


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as f:
        f.write(text)
    os.replace(f.name, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m comparisons", description=__doc__.split("\n")[0])
    parser.add_argument("--filter", help="only cases whose name contains (or glob-matches) this, any case")
    parser.add_argument("--group", help="run only this group (op, layer, loss, model, optim, ...)")
    parser.add_argument("--markdown", type=Path, help="also write the table to this Markdown file")
    parser.add_argument("--list", action="store_true", help="list the case names and exit")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every failing check")
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    cases = all_cases()
    if args.filter:
        pattern = args.filter.lower()
        cases = [c for c in cases if pattern in c.name.lower() or fnmatch.fnmatch(c.name.lower(), pattern)]
    if args.group:
        cases = [c for c in cases if c.group == args.group]
    if not cases:
        print(f"no case matches filter={args.filter!r} group={args.group!r}", file=sys.stderr)
        return 2
    if args.list:
        print("\n".join(f"{c.group:10s} {c.name}" for c in cases))
        return 0

    results = [run_case(c) for c in cases]
    print(text_table(results))
    failed = [r for r in results if not r.passed]
    for r in failed:
        shown = r.failures if args.verbose else r.failures[:3]
        print(f"\nFAIL {r.name}:\n  " + "\n  ".join(shown))
    print("\n" + summary(results))
    if args.markdown:
        _write_atomically(args.markdown, markdown_table(results) + "\n" + summary(results) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
