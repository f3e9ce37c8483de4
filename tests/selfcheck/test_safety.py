"""A broken attempt gives one clear message, never a crash of the checker or a traceback into
the grader: exceptions, hangs, wrong types and shapes, NaNs, syntax errors, exits."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from comparisons.selfcheck.grader import Report

GRADER_FILES = ("grader.py", "worker.py", "exercise.py", "comparisons/selfcheck")


def assert_clean(report: Report) -> str:
    """The report failed, and its text shows none of the grader's own files."""
    assert report.status == "failing"
    text = report.text()
    for internal in GRADER_FILES:
        assert internal not in text, f"the message leaks {internal}:\n{text}"
    return text


def test_an_exception_shows_only_the_learners_lines(attempt) -> None:
    text = assert_clean(attempt("unbroadcast", """
        def helper(grad):
            return grad.sum(axis=7)

        def unbroadcast(grad, shape):
            return helper(grad)
        """))
    assert "your function raised an exception" in text
    assert "line 8, in unbroadcast" in text and "line 5, in helper" in text  # 2 header lines
    assert "AxisError" in text and "axis 7 is out of bounds" in text


def test_an_infinite_loop_is_stopped_at_the_time_limit(attempt) -> None:
    start = time.monotonic()
    report = attempt("tanh_backward", """
        def tanh_backward(x, grad):
            while True:
                pass
        """, time_limit=1.5)
    assert time.monotonic() - start < 15
    text = assert_clean(report)
    assert "did not return within 1.5 s on case 'random (3, 4)'" in text
    assert "infinite loop" in text


def test_wrong_return_types(attempt) -> None:
    text = assert_clean(attempt("sigmoid_backward", """
        def sigmoid_backward(x, grad):
            return "not an array"
        """))
    assert "dx: expected an np.ndarray of shape (3, 4), got a str" in text
    text = assert_clean(attempt("sigmoid_backward", """
        def sigmoid_backward(x, grad):
            pass
        """))
    assert "got None" in text
    text = assert_clean(attempt("matmul_backward", """
        def matmul_backward(a, b, grad):
            return grad @ np.swapaxes(b, -1, -2)
        """))
    assert "output: expected a tuple of 2 values, got an np.ndarray" in text


def test_unsendable_objects_are_named(attempt) -> None:
    text = assert_clean(attempt("sigmoid_backward", """
        class Box:
            pass

        def sigmoid_backward(x, grad):
            return Box()
        """))
    assert "got a Box" in text


def test_wrong_shape_is_reported_with_both_shapes(attempt) -> None:
    text = assert_clean(attempt("gelu_backward", """
        def gelu_backward(x, grad):
            return grad.ravel()
        """))
    assert "dx: expected shape (3, 4), got shape (12,)" in text


def test_nans_are_reported(attempt) -> None:
    text = assert_clean(attempt("tanh_backward", """
        def tanh_backward(x, grad):
            return grad * (1 - np.tanh(x) ** 2) * np.nan
        """))
    assert "got nan" in text and "NaN/inf where the answer is finite" in text


def test_a_syntax_error_names_the_line(attempt) -> None:
    text = assert_clean(attempt("sigmoid_backward", """
        def sigmoid_backward(x, grad)
            return grad
        """))
    assert "SyntaxError at line 4 of sigmoid_backward.py" in text  # after the 2 header lines


def test_a_missing_function_and_an_import_error(attempt) -> None:
    assert "defines no function named 'dropout'" in assert_clean(attempt("dropout", """
        def drop_out(x, p, keep, training):
            return x
        """))
    text = assert_clean(attempt("dropout", """
        import no_such_module_here
        """))
    assert "importing your file raised" in text and "No module named 'no_such_module_here'" in text


def test_exiting_the_process_is_a_clear_failure(attempt) -> None:
    text = assert_clean(attempt("dropout", """
        import os

        def dropout(x, p, keep, training):
            os._exit(3)
        """))
    assert "stopped the checker's worker process (exit code 3)" in text


def test_prints_do_not_confuse_the_checker(attempt) -> None:
    report = attempt("batch_indices", """
        import sys

        def batch_indices(order, batch_size, drop_last):
            print("debugging", order, file=sys.stdout)
            stop = len(order) - len(order) % batch_size if drop_last else len(order)
            return [order[i:i + batch_size] for i in range(0, stop, batch_size)]
        """)
    assert report.passed, report.text()


def test_the_stub_itself_is_not_started_not_failing(attempt) -> None:
    report = attempt("split_lengths", """
        def split_lengths(n, fractions):
            raise NotImplementedError
        """)
    assert report.status == "todo"
    assert "replace `raise NotImplementedError`" in report.text()


def test_a_hang_at_import_and_the_learners_prints_are_shown(attempt) -> None:
    text = assert_clean(attempt("dropout", """
        print("about to loop")
        while True:
            pass
        """, time_limit=1.5))
    assert "importing your file did not finish within 1.5 s" in text
    text = assert_clean(attempt("dropout", """
        def dropout(x, p, keep, training):
            print("shape", x.shape)
            return x
        """))
    assert "what your code printed" in text and "shape (4, 6)" in text


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_a_timeout_also_stops_processes_the_attempt_started(attempt, tmp_path) -> None:
    pid_file = tmp_path / "child.pid"
    assert_clean(attempt("dropout", f"""
        import subprocess, sys

        def dropout(x, p, keep, training):
            child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            open({str(pid_file)!r}, "w").write(str(child.pid))
            while True:
                pass
        """, time_limit=2.0))
    stat = Path(f"/proc/{pid_file.read_text()}/stat")
    deadline = time.monotonic() + 5
    while stat.exists() and stat.read_text().split(") ")[1][0] != "Z" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not stat.exists() or stat.read_text().split(") ")[1][0] == "Z", "the attempt's child still runs"
