"""Run cases and measure the errors.

A check passes when every element satisfies |actual - expected| <= atol + rtol * |expected|
(`np.allclose`, NaNs equal; `atol=None` is rtol * max|expected|), the shapes are equal, and
(unless the case says otherwise) the dtypes correspond. A float64 check looser than
FLOAT64_RTOL fails unless its case says why (`Case.looser_because`). The report gives the
largest absolute error and the largest error relative to the size of the expected values,
max|a - e| / max|e|.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field

import numpy as np

from comparisons.registry import FLOAT64_RTOL, Case, Check


@dataclass
class Result:
    name: str
    group: str
    forward_abs: float = 0.0
    forward_rel: float = 0.0
    grad_abs: float = 0.0
    grad_rel: float = 0.0
    state_abs: float = 0.0
    checks: int = 0
    minitorch_seconds: float = float("nan")
    torch_seconds: float = float("nan")
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures and self.checks > 0


def errors(actual: np.ndarray, expected: np.ndarray) -> tuple[float, float]:
    """(max absolute error, max absolute error / max |expected|), NaN-aware."""
    if actual.size == 0:
        return 0.0, 0.0
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    both_nan = np.isnan(a) & np.isnan(e)
    both_same_inf = np.isinf(a) & (a == e)
    with np.errstate(invalid="ignore"):  # inf - inf is NaN, counted as a mismatch below
        diff = np.where(both_nan | both_same_inf, 0.0, np.abs(a - e))
    diff = np.where(np.isnan(diff), np.inf, diff)
    scale = np.max(np.abs(np.where(np.isfinite(e), e, 0.0)), initial=0.0)
    worst = float(np.max(diff))
    return worst, worst / scale if scale > 0 else worst


def absolute_tolerance(check: Check, expected: np.ndarray) -> float:
    """The check's atol; for `atol=None`, rtol times the largest finite |expected|."""
    if check.atol is not None:
        return check.atol
    finite = np.abs(expected[np.isfinite(expected)])
    return check.rtol * float(np.max(finite, initial=0.0))


def looser_than_float64(check: Check, expected: np.ndarray) -> bool:
    """Whether a float64 check allows more than FLOAT64_RTOL, relative."""
    if expected.dtype != np.float64:
        return False
    scale = FLOAT64_RTOL * float(np.max(np.abs(expected[np.isfinite(expected)]), initial=0.0))
    return check.rtol > FLOAT64_RTOL or absolute_tolerance(check, expected) > scale


def _describe_mismatch(label: str, a: np.ndarray, e: np.ndarray, atol: float, rtol: float) -> str:
    bad = ~np.isclose(a, e, atol=atol, rtol=rtol, equal_nan=True)
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    return (
        f"{label}: {int(bad.sum())} of {bad.size} values differ beyond atol={atol:g}, "
        f"rtol={rtol:g}; first at {index}: minitorch {a[index]:.8g}, torch {e[index]:.8g}"
    )


def evaluate(check: Check, looser_because: str = "") -> tuple[float, float, str | None]:
    """The check's errors and, if it fails, why."""
    actual, expected = np.asarray(check.actual), np.asarray(check.expected)
    if actual.shape != expected.shape:
        return np.inf, np.inf, f"{check.label}: shape {actual.shape} != torch's {expected.shape}"
    if check.check_dtype and actual.dtype != expected.dtype:
        return np.inf, np.inf, f"{check.label}: dtype {actual.dtype} != torch's {expected.dtype}"
    if actual.dtype == np.bool_ or actual.dtype.kind in "iu":
        mismatch = int(np.sum(actual != expected))
        reason = f"{check.label}: {mismatch} of {actual.size} values differ" if mismatch else None
        return float(mismatch > 0), float(mismatch > 0), reason
    abs_err, rel_err = errors(actual, expected)
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    atol = absolute_tolerance(check, e)
    if not np.allclose(a, e, atol=atol, rtol=check.rtol, equal_nan=True):
        return abs_err, rel_err, _describe_mismatch(check.label, a, e, atol, check.rtol)
    if not looser_because and looser_than_float64(check, expected):
        return abs_err, rel_err, (
            f"{check.label}: a float64 check with atol={check.atol}, rtol={check.rtol:g} is looser than "
            f"{FLOAT64_RTOL:g} relative, and the case gives no reason (Case.looser_because)")
    return abs_err, rel_err, None


def run_case(case: Case) -> Result:
    """Run one case and summarize its checks; an exception inside is a failure, not a crash."""
    result = Result(case.name, case.group)
    try:
        outcome = case.run(np.random.default_rng(case.seed))
    except Exception:  # the report must show every case, including broken ones
        result.failures.append("raised:\n" + traceback.format_exc(limit=6))
        return result
    result.minitorch_seconds = outcome.minitorch_seconds
    result.torch_seconds = outcome.torch_seconds
    result.checks = len(outcome.checks)
    if not outcome.checks:
        result.failures.append("the case produced no checks")
    for check in outcome.checks:
        abs_err, rel_err, failure = evaluate(check, case.looser_because)
        if failure:
            result.failures.append(failure)
        if check.kind == "forward":
            result.forward_abs = max(result.forward_abs, abs_err)
            result.forward_rel = max(result.forward_rel, rel_err)
        elif check.kind == "grad":
            result.grad_abs = max(result.grad_abs, abs_err)
            result.grad_rel = max(result.grad_rel, rel_err)
        else:
            result.state_abs = max(result.state_abs, abs_err)
    return result
