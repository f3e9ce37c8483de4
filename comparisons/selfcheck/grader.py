"""Grade a learner's function: run it on every case, compare with PyTorch, explain failures.

For each case the grader computes the expected output (PyTorch), gets the learner's output
(from a worker process with a time limit, or in-process for the library's own reference), and
compares them element by element with `np.allclose`. The first failing case is reported with
its label, the input shapes, the first mismatching index, the expected and actual values, and,
when the learner's output equals the wrong answer of a known classic mistake, that mistake's
hint.
"""

from __future__ import annotations

import contextlib
import copy
import os
import signal
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from comparisons.selfcheck import worker
from comparisons.selfcheck.exercise import Case, Exercise

DEFAULT_TIME_LIMIT = 10.0
PRINTED_LINES = 10


@dataclass
class Report:
    """The verdict on one exercise. `status` is "done", "failing" or "todo" (still a stub)."""

    exercise: str
    status: str
    cases_passed: int = 0
    cases_total: int = 0
    messages: list[str] = field(default_factory=list)
    printed: str = ""  # what the learner's code printed (and its warnings), for a failing attempt

    @property
    def passed(self) -> bool:
        return self.status == "done"

    def text(self, shown: int = 3) -> str:
        """The verdict line, then the first `shown` failure messages (indented)."""
        head = {"done": "PASS", "failing": "FAIL", "todo": "TODO"}[self.status]
        lines = [f"{head} {self.exercise}: {self.cases_passed}/{self.cases_total} cases passed"]
        lines += ["  " + m.replace("\n", "\n  ") for m in self.messages[:shown]]
        if len(self.messages) > shown:
            lines.append(f"  ... and {len(self.messages) - shown} more failing cases")
        if self.printed and not self.passed:
            tail = self.printed.splitlines()[-PRINTED_LINES:]
            lines.append(f"  what your code printed (last {len(tail)} lines):")
            lines += ["    " + line for line in tail]
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Comparing outputs
# ---------------------------------------------------------------------------------------------

def describe(value: Any) -> str:
    """A short description of an argument: an array's shape and dtype, a scalar's value."""
    if isinstance(value, np.ndarray):
        return f"array{value.shape} {value.dtype}"
    if isinstance(value, list | tuple) and len(value) > 4:
        return f"{type(value).__name__} of {len(value)}"
    if isinstance(value, list | tuple):
        inner = ", ".join(describe(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, dict):
        return f"dict of {len(value)}"
    return repr(value)


def _kind(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an np.ndarray of shape {value.shape}"
    if isinstance(value, worker.Unsupported):
        return f"a {value.type_name}"
    return f"a {type(value).__name__}" if value is not None else "None"


def mismatch(expected: Any, actual: Any, name: str, atol: float, rtol: float) -> str | None:
    """Why `actual` differs from `expected` (None when they agree within tolerance)."""
    if isinstance(expected, list) and isinstance(actual, np.ndarray) and actual.ndim >= 1:
        actual = list(actual)  # an array of numbers is as good as a list of them
    if isinstance(expected, tuple | list):
        if not isinstance(actual, tuple | list) or len(actual) != len(expected):
            count = f" of {len(actual)}" if isinstance(actual, tuple | list) else ""
            return (f"{name}: expected a {type(expected).__name__} of {len(expected)} values, "
                    f"got {_kind(actual)}{count}")
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            reason = mismatch(e, a, f"{name}[{i}]", atol, rtol)
            if reason:
                return reason
        return None
    if isinstance(expected, str | bool):
        if isinstance(actual, np.ndarray | np.generic) and np.ndim(actual) == 0:
            actual = actual.item()  # a NumPy scalar (np.True_) arrives as a 0-d array
        same = type(actual) is type(expected)
        return None if same and actual == expected else f"{name}: expected {expected!r}, got {actual!r}"
    if isinstance(actual, bool) or not isinstance(actual, np.ndarray | int | float | np.generic):
        return f"{name}: expected {_kind(np.asarray(expected))}, got {_kind(actual)}"
    e, a = np.asarray(expected), np.asarray(actual)
    if a.dtype.kind not in "biuf":
        return f"{name}: expected numbers, got an array of dtype {a.dtype}"
    if a.shape != e.shape:
        return f"{name}: expected shape {e.shape}, got shape {a.shape}"
    if e.dtype.kind in "biu" and a.dtype.kind == "f":
        return f"{name}: expected integers (dtype {e.dtype}), got floats (dtype {a.dtype})"
    e64, a64 = e.astype(np.float64), a.astype(np.float64)
    bad = ~np.isclose(a64, e64, atol=atol, rtol=rtol, equal_nan=True)
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    where = f" at index {index}" if index else ""
    nonfinite = " (your output has NaN/inf where the answer is finite)" if (
        ~np.isfinite(a64) & np.isfinite(e64)).any() else ""
    return (f"{name}{where}: expected {e64[index]:.8g}, got {a64[index]:.8g}; "
            f"{int(bad.sum())} of {bad.size} values differ{nonfinite}")


def classic_hint(exercise: Exercise, case: Case, expected: Any, actual: Any) -> str | None:
    """The hint of the first classic mistake whose wrong answer the learner's output matches
    (a classic counts on a case only where its answer really is wrong)."""
    tolerances = (exercise.atol, exercise.rtol)
    for classic in exercise.classics:
        try:
            wrong = classic.wrong(*copy.deepcopy(case.args))
        except Exception:  # noqa: BLE001 (a classic may not apply to every case, e.g. a shape error)
            continue
        if _verdict(exercise, case, expected, wrong) and not mismatch(wrong, actual, "", *tolerances):
            return classic.hint
    return None


def _verdict(exercise: Exercise, case: Case, expected: Any, actual: Any) -> str | None:
    """Why `actual` is not a right answer for `case` (None when it is)."""
    if exercise.validate is not None:
        return exercise.validate(case, actual)
    reason = mismatch(expected, actual, "output", exercise.atol, exercise.rtol)
    return _rename(reason, exercise) if reason else None


# ---------------------------------------------------------------------------------------------
# Running the learner's function
# ---------------------------------------------------------------------------------------------

Outcome = dict[str, Any]  # {"value": v} | {"raised": traceback} | {"not_implemented": True}


def run_in_process(fn: Callable[..., Any], cases: list[Case]) -> list[Outcome]:
    """Call `fn` here: for the library's reference (trusted and fast) and the classic mistakes."""
    outcomes: list[Outcome] = []
    for case in cases:
        try:
            outcomes.append({"value": fn(*copy.deepcopy(case.args))})
        except Exception as err:  # noqa: BLE001 (reported like a learner's exception)
            outcomes.append({"raised": "".join(traceback.format_exception_only(type(err), err)).rstrip()})
    return outcomes


def run_in_worker(path: Path, function: str, cases: list[Case],
                  time_limit: float) -> tuple[list[Outcome] | str, str]:
    """Run the learner's file in a worker process. Returns (the outcomes, or one message when the
    whole attempt failed, and what the learner's code printed)."""
    with tempfile.TemporaryDirectory(prefix="selfcheck-") as tmp:
        job = Path(tmp)
        worker.save(job / "inputs", [case.args for case in cases])
        command = [sys.executable, worker.__file__, str(path), function, str(job)]
        env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        # A session of its own, so that a timeout also stops any process the learner's code started.
        with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env={**_base_env(), **env}, start_new_session=True) as proc:
            timed_out = False
            try:
                printed = proc.communicate(timeout=time_limit)[1]
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                if proc.poll() is None:  # timed out, or the user pressed Ctrl-C: stop it all
                    _kill_session(proc)
            if timed_out:
                printed = _remaining_output(proc)
        if timed_out and not (job / "outputs.json").exists():
            progress = job / "progress"
            if not progress.exists():
                return (f"time limit: importing your file did not finish within {time_limit:g} s "
                        f"(code at the top level of the file runs on import)."), printed
            case = cases[int(progress.read_text())]
            return (f"time limit: your function did not return within {time_limit:g} s on case "
                    f"'{case.label}' ({_shapes(case)}). Is there an infinite loop, or a Python loop "
                    f"over every element of a large array?"), printed
        if not (job / "outputs.json").exists():
            return f"your code stopped the checker's worker process (exit code {proc.returncode}).", printed
        result = worker.load(job / "outputs")
    return result.get("error") or result["results"], printed


def _remaining_output(proc: subprocess.Popen) -> str:
    """What the killed worker printed; empty if a process that escaped its session still holds
    the pipe open (then waiting for the end of its output would wait forever)."""
    try:
        return proc.communicate(timeout=2)[1]
    except subprocess.TimeoutExpired:
        return ""


def _kill_session(proc: subprocess.Popen) -> None:
    """Kill the worker and everything it started (POSIX); just the worker elsewhere."""
    if hasattr(os, "killpg"):
        with contextlib.suppress(ProcessLookupError):  # it may have ended on its own meanwhile
            os.killpg(proc.pid, signal.SIGKILL)
    else:
        proc.kill()


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("OPENBLAS_", "OMP_", "MKL_"))}


def _shapes(case: Case) -> str:
    return ", ".join(describe(a) for a in case.args)


# ---------------------------------------------------------------------------------------------
# Grading
# ---------------------------------------------------------------------------------------------

def expected_output(exercise: Exercise, case: Case) -> Any:
    return case.expected if case.expected is not None else exercise.expected(*copy.deepcopy(case.args))


def grade(exercise: Exercise, outcomes: list[Outcome] | str, cases: list[Case]) -> Report:
    """Compare the outcomes with PyTorch's answers, case by case; report the first failure."""
    report = Report(exercise.name, "failing", cases_total=len(cases))
    if isinstance(outcomes, str):
        report.messages.append(outcomes)
        return report
    if all(o.get("not_implemented") for o in outcomes):
        report.status = "todo"
        report.messages.append("not implemented yet: replace `raise NotImplementedError` with your code.")
        return report
    shown: set[str] = set()
    for case, outcome in zip(cases, outcomes, strict=True):
        failure = _case_failure(exercise, case, outcome)
        if failure is None:
            report.cases_passed += 1
            continue
        reason, hint = failure
        if hint and hint not in shown:  # each hint once, at its first failing case
            reason += f"\nHint: {hint}"
            shown.add(hint)
        report.messages.append(f"case '{case.label}' (inputs: {_shapes(case)}):\n{reason}")
    if report.cases_passed == len(cases):
        report.status = "done"
    return report


def _case_failure(exercise: Exercise, case: Case, outcome: Outcome) -> tuple[str, str | None] | None:
    """None if the case passed, else (what is wrong, the classic mistake's hint if one matches)."""
    if outcome.get("not_implemented"):
        return "raised NotImplementedError", None
    if "raised" in outcome:
        return "your function raised an exception:\n" + outcome["raised"], None
    expected = None if exercise.validate else expected_output(exercise, case)
    reason = _verdict(exercise, case, expected, outcome["value"])
    if reason is None:
        return None
    return reason, classic_hint(exercise, case, expected, outcome["value"])


def _rename(reason: str, exercise: Exercise) -> str:
    """`output[1]` becomes the output's name (`dw`) when the exercise returns several."""
    if len(exercise.outputs) == 1:
        return exercise.outputs[0] + reason.removeprefix("output")
    for i, name in enumerate(exercise.outputs):
        if reason.startswith(f"output[{i}]"):
            return name + reason.removeprefix(f"output[{i}]")
    return reason


def check_reference(exercise: Exercise) -> Report:
    """Grade the library's own solution (in-process)."""
    cases = exercise.make_cases(np.random.default_rng(exercise.seed))
    return grade(exercise, run_in_process(exercise.reference, cases), cases)


def check_file(exercise: Exercise, path: Path, time_limit: float = DEFAULT_TIME_LIMIT) -> Report:
    """Grade the learner's file, running it in a worker process with a time limit."""
    cases = exercise.make_cases(np.random.default_rng(exercise.seed))
    outcomes, printed = run_in_worker(path.resolve(), exercise.name, cases, time_limit)
    report = grade(exercise, outcomes, cases)
    report.printed = printed.strip()
    return report
