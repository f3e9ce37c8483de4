"""Grade a learner's function: run it on every case, compare with PyTorch, explain failures.

For each case the grader computes the expected output (PyTorch, in this process), gets the
learner's output (from a worker process that receives only the inputs, under a time and a memory
limit; or in-process for the library's own reference), and compares them element by element
with `np.allclose`. The first failing case is reported with its label, the input shapes, the
first mismatching index, the expected and actual values, and, when the learner's output equals
the wrong answer of a known classic mistake, that mistake's hint. Messages come in the language
`i18n` chooses.
"""

from __future__ import annotations

import copy
import json
import math
import os
import shutil
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

from comparisons.selfcheck import processes, worker
from comparisons.selfcheck.capture import BoundedOutput
from comparisons.selfcheck.exercise import Case, Exercise
from comparisons.selfcheck.i18n import hint, t

DEFAULT_TIME_LIMIT = 10.0
DEFAULT_MEMORY_LIMIT = 4 << 30
MIN_MEMORY_LIMIT = 128 << 20  # below this NumPy itself cannot start
_WORKER_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT")


def format_bytes(n: int) -> str:
    """4294967296 -> "4 GiB"; 536870912 -> "512 MiB"."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


@dataclass(frozen=True)
class Limits:
    """What one attempt may use: `time` seconds for the whole exercise, `memory` bytes."""

    time: float = DEFAULT_TIME_LIMIT
    memory: int = DEFAULT_MEMORY_LIMIT

    def __post_init__(self) -> None:
        if isinstance(self.time, bool) or not isinstance(self.time, int | float) or not (
                math.isfinite(self.time) and self.time > 0):
            raise ValueError(t("time limit: expected a positive finite number of seconds, got {value!r}",
                               value=self.time))
        memory = self.memory
        if isinstance(memory, bool) or not isinstance(memory, int) or memory < MIN_MEMORY_LIMIT:
            raise ValueError(t("memory limit: expected at least {least} (in bytes), got {value!r}",
                               least=format_bytes(MIN_MEMORY_LIMIT), value=self.memory))


@dataclass
class Report:
    """The verdict on one exercise. `status` is "done", "failing" or "todo" (still a stub)."""

    exercise: str
    status: str
    cases_passed: int = 0
    cases_total: int = 0
    messages: list[str] = field(default_factory=list)
    printed: str = ""  # what the learner's code printed (and its warnings), clipped; shown on failure
    uses_torch: bool = False  # the attempt imported torch: graded, but flagged

    @property
    def passed(self) -> bool:
        return self.status == "done"

    def text(self, shown: int = 3) -> str:
        """The verdict line, then the first `shown` failure messages (indented)."""
        head = t({"done": "PASS", "failing": "FAIL", "todo": "TODO"}[self.status])
        verdict = t("{head} {exercise}: {passed}/{total} cases passed", head=head, exercise=self.exercise,
                    passed=self.cases_passed, total=self.cases_total)
        if self.uses_torch:
            verdict += " " + t("(uses torch: the exercise is to write it with NumPy)")
        lines = [verdict] + ["  " + m.replace("\n", "\n  ") for m in self.messages[:shown]]
        if len(self.messages) > shown:
            lines.append("  " + t("... and {count} more failing cases", count=len(self.messages) - shown))
        if self.printed and not self.passed:
            lines.append("  " + t("what your code printed:"))
            lines += ["    " + line for line in self.printed.splitlines()]
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Comparing outputs
# ---------------------------------------------------------------------------------------------

def describe(value: Any) -> str:
    """A short description of an argument: an array's shape and dtype, a scalar's value."""
    if isinstance(value, np.ndarray):
        return f"array{value.shape} {value.dtype}"
    if isinstance(value, list | tuple) and len(value) > 4:
        return t("{type} of {count}", type=type(value).__name__, count=len(value))
    if isinstance(value, list | tuple):
        inner = ", ".join(describe(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, dict):
        return t("{type} of {count}", type="dict", count=len(value))
    return repr(value)


def _kind(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return t("an np.ndarray of shape {shape}", shape=value.shape)
    if isinstance(value, worker.Unsupported):
        return t("a {type}", type=value.type_name)
    return t("a {type}", type=type(value).__name__) if value is not None else "None"


def _short_repr(value: Any) -> str:
    return worker.clip_text(repr(value), 200)


def mismatch(expected: Any, actual: Any, name: str, atol: float, rtol: float) -> str | None:
    """Why `actual` differs from `expected` (None when they agree within tolerance)."""
    if isinstance(expected, list) and isinstance(actual, np.ndarray) and actual.ndim >= 1:
        actual = list(actual)  # an array of numbers is as good as a list of them
    if isinstance(expected, tuple | list):
        if not isinstance(actual, tuple | list) or len(actual) != len(expected):
            got = _kind(actual)
            if isinstance(actual, tuple | list):
                got = t("a {type} of {count}", type=type(actual).__name__, count=len(actual))
            return t("{name}: expected a {type} of {count} values, got {got}", name=name,
                     type=type(expected).__name__, count=len(expected), got=got)
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            reason = mismatch(e, a, f"{name}[{i}]", atol, rtol)
            if reason:
                return reason
        return None
    if isinstance(expected, str | bool):
        if isinstance(actual, np.ndarray | np.generic) and np.ndim(actual) == 0:
            actual = actual.item()  # a NumPy scalar (np.True_) arrives as a 0-d array
        if type(actual) is type(expected) and actual == expected:
            return None
        return t("{name}: expected {expected}, got {actual}", name=name, expected=_short_repr(expected),
                 actual=_short_repr(actual))
    if isinstance(actual, bool) or not isinstance(actual, np.ndarray | int | float | np.generic):
        return t("{name}: expected {expected}, got {actual}", name=name,
                 expected=_kind(np.asarray(expected)), actual=_kind(actual))
    e, a = np.asarray(expected), np.asarray(actual)
    if a.dtype.kind not in "biuf":
        return t("{name}: expected numbers, got an array of dtype {dtype}", name=name, dtype=a.dtype)
    if a.shape != e.shape:
        return t("{name}: expected shape {expected}, got shape {actual}", name=name, expected=e.shape,
                 actual=a.shape)
    if e.dtype.kind in "biu" and a.dtype.kind == "f":
        return t("{name}: expected integers (dtype {expected}), got floats (dtype {actual})", name=name,
                 expected=e.dtype, actual=a.dtype)
    e64, a64 = e.astype(np.float64), a.astype(np.float64)
    bad = ~np.isclose(a64, e64, atol=atol, rtol=rtol, equal_nan=True)
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    where = t(" at index {index}", index=index) if index else ""
    nonfinite = t(" (your output has NaN/inf where the answer is finite)") if (
        ~np.isfinite(a64) & np.isfinite(e64)).any() else ""
    return t("{name}{where}: expected {expected:.8g}, got {actual:.8g}; "
             "{bad} of {size} values differ{nonfinite}",
             name=name, where=where, expected=e64[index], actual=a64[index], bad=int(bad.sum()),
             size=bad.size, nonfinite=nonfinite)


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

Outcome = dict[str, Any]  # {"value": v} | {"raised": traceback, "memory": bool} | {"not_implemented": True}


def run_in_process(fn: Callable[..., Any], cases: list[Case]) -> list[Outcome]:
    """Call `fn` here: for the library's reference (trusted and fast) and the classic mistakes."""
    outcomes: list[Outcome] = []
    for case in cases:
        try:
            outcomes.append({"value": fn(*copy.deepcopy(case.args))})
        except Exception as err:  # noqa: BLE001 (reported like a learner's exception)
            outcomes.append({"raised": "".join(traceback.format_exception_only(type(err), err)).rstrip()})
    return outcomes


@dataclass
class WorkerRun:
    """What came back from the worker: the outcomes, or one message when the whole attempt
    failed; what it printed (clipped); whether it imported torch."""

    outcomes: list[Outcome] | str
    printed: str = ""
    uses_torch: bool = False


def run_in_worker(path: Path, function: str, cases: list[Case], limits: Limits) -> WorkerRun:
    """Run the learner's file in a worker process that gets the cases' inputs only. When it
    ends (returned, crashed, or stopped at the time limit) every process it started ends too."""
    with tempfile.TemporaryDirectory(prefix="selfcheck-") as tmp:
        job = Path(tmp)
        runner = shutil.copy(worker.__file__, job / "worker.py")  # outside the package: nothing beside it
        worker.save(job / "inputs", [case.args for case in cases])
        messages = json.dumps({key: t(text) for key, text in worker.MESSAGES.items()})
        command = [sys.executable, "-I", str(runner), str(path), function, str(job), str(limits.memory),
                   messages]
        env = {k: v for k, v in os.environ.items() if k in _WORKER_ENV}
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        processes.become_subreaper()
        existing = set(processes.descendants())
        with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, env=env, cwd=job, start_new_session=True) as proc:
            output = BoundedOutput(proc.stdout)
            timed_out = False
            try:
                proc.wait(timeout=limits.time)
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:  # also on Ctrl-C: the worker's group, then whatever escaped it
                processes.kill_group(proc.pid)
                proc.wait()
                processes.end_new_descendants(existing)
            printed = output.text()
        if (job / "outputs.json").exists():
            return _read_outputs(job, printed, limits)
        if timed_out:
            return WorkerRun(_timeout_message(job, cases, limits), printed)
        return WorkerRun(_crash_message(proc.returncode, limits), printed)


def _read_outputs(job: Path, printed: str, limits: Limits) -> WorkerRun:
    try:
        result = worker.load(job / "outputs")
        if "error" in result:
            return WorkerRun(_whole_attempt_error(result["error"], limits), printed)
        outcomes = [dict(o) for o in result["results"]]
        return WorkerRun(outcomes, printed, bool(result.get("uses_torch")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # the attempt wrote them itself
        return WorkerRun(t("the worker's output files are damaged (did your code write into its folder?)."),
                         printed)


def _timeout_message(job: Path, cases: list[Case], limits: Limits) -> str:
    progress = job / "progress"
    if not progress.exists():
        return t("time limit: importing your file did not finish within {seconds:g} s "
                 "(code at the top level of the file runs on import).", seconds=limits.time)
    case = cases[int(progress.read_text())]
    return t("time limit: your function did not return within {seconds:g} s on case '{label}' ({shapes}). "
             "Is there an infinite loop, or a Python loop over every element of a large array?",
             seconds=limits.time, label=case.label, shapes=_shapes(case))


def _crash_message(returncode: int, limits: Limits) -> str:
    if returncode >= 0:
        return t("your code stopped the checker's worker process (exit code {code}).", code=returncode)
    name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else str(-returncode)
    return t("the worker process running your code was killed by signal {signal}. A crash in native "
             "code can be running out of memory (the limit is {limit}, --memory-limit).",
             signal=name, limit=format_bytes(limits.memory))


def _memory_note(limits: Limits) -> str:
    return t("your code ran out of memory: an attempt may use {limit} (--memory-limit changes it). "
             "Is an intermediate array much larger than the inputs?", limit=format_bytes(limits.memory))


def _whole_attempt_error(error: dict[str, Any], limits: Limits) -> str:
    """The worker's report of an attempt that could not run at all, in words."""
    if error["kind"] == "syntax":
        where = t("line {line}", line=error["line"]) if error["line"] else t("somewhere")
        text = f"\n    {error['text']}" if error["text"] else ""
        return t("SyntaxError at {where} of {file}: {message}", where=where, file=error["file"],
                 message=error["message"]) + text
    if error["kind"] == "missing":
        return t("{file} defines no function named {function!r}", file=error["file"],
                 function=error["function"])
    message = t("importing your file raised:") + "\n" + error["raised"]
    return message + ("\n" + _memory_note(limits) if error.get("memory") else "")


def _shapes(case: Case) -> str:
    return ", ".join(describe(a) for a in case.args)


# ---------------------------------------------------------------------------------------------
# Grading
# ---------------------------------------------------------------------------------------------

def expected_output(exercise: Exercise, case: Case) -> Any:
    return case.expected if case.expected is not None else exercise.expected(*copy.deepcopy(case.args))


def grade(exercise: Exercise, outcomes: list[Outcome] | str, cases: list[Case],
          limits: Limits | None = None) -> Report:
    """Compare the outcomes with PyTorch's answers, case by case; report the first failure."""
    report = Report(exercise.name, "failing", cases_total=len(cases))
    if isinstance(outcomes, str):
        report.messages.append(outcomes)
        return report
    if all(o.get("not_implemented") for o in outcomes):
        report.status = "todo"
        report.messages.append(t("not implemented yet: replace `raise NotImplementedError` with your code."))
        return report
    shown: set[str] = set()
    for case, outcome in zip(cases, outcomes, strict=True):
        failure = _case_failure(exercise, case, outcome, limits or Limits())
        if failure is None:
            report.cases_passed += 1
            continue
        reason, classic = failure
        if classic and classic not in shown:  # each hint once, at its first failing case
            reason += "\n" + t("Hint: {hint}", hint=hint(classic))
            shown.add(classic)
        report.messages.append(t("case '{label}' (inputs: {shapes}):", label=case.label, shapes=_shapes(case))
                               + "\n" + reason)
    if report.cases_passed == len(cases):
        report.status = "done"
    return report


def _case_failure(exercise: Exercise, case: Case, outcome: Outcome,
                  limits: Limits) -> tuple[str, str | None] | None:
    """None if the case passed, else (what is wrong, the classic mistake's hint if one matches)."""
    if outcome.get("not_implemented"):
        return t("raised NotImplementedError"), None
    if "raised" in outcome:
        reason = t("your function raised an exception:") + "\n" + outcome["raised"]
        return reason + ("\n" + _memory_note(limits) if outcome.get("memory") else ""), None
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


def check_file(exercise: Exercise, path: Path, limits: Limits | None = None) -> Report:
    """Grade the learner's file, running it in a worker process under `limits`."""
    limits = limits or Limits()
    cases = exercise.make_cases(np.random.default_rng(exercise.seed))
    run = run_in_worker(path.resolve(), exercise.name, cases, limits)
    report = grade(exercise, run.outcomes, cases, limits)
    report.printed, report.uses_torch = run.printed.strip(), run.uses_torch
    return report
