"""Formatting the results: a plain-text table for the terminal and a Markdown table."""

from __future__ import annotations

import math
from collections.abc import Sequence

from comparisons.runner import Result

COLUMNS = ("case", "group", "forward err", "grad err", "state err", "status",
           "minitorch ms", "torch ms")


def _err(abs_err: float, rel_err: float | None = None) -> str:
    if abs_err == 0 and (rel_err is None or rel_err == 0):
        return "0"
    if rel_err is None:
        return f"{abs_err:.1e}"
    return f"{abs_err:.1e} ({rel_err:.0e} rel)"


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1e3:.2f}"


def rows(results: Sequence[Result]) -> list[tuple[str, ...]]:
    return [
        (r.name, r.group, _err(r.forward_abs, r.forward_rel), _err(r.grad_abs, r.grad_rel),
         _err(r.state_abs), "pass" if r.passed else "FAIL", _ms(r.minitorch_seconds),
         _ms(r.torch_seconds))
        for r in results
    ]


def text_table(results: Sequence[Result]) -> str:
    table = [COLUMNS, *rows(results)]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(results: Sequence[Result]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row) + " |" for row in rows(results)]
    return "\n".join(lines) + "\n"


def summary(results: Sequence[Result]) -> str:
    failed = [r for r in results if not r.passed]
    counts: dict[str, int] = {}
    for r in results:
        counts[r.group] = counts.get(r.group, 0) + 1
    by_group = ", ".join(f"{n} {g}" for g, n in sorted(counts.items()))
    return f"{len(results) - len(failed)} passed, {len(failed)} failed ({by_group})"
