"""An attempt is bounded: its output is clipped, its time and memory are limited (and the limits
are checked), and every process it starts ends with the check, in whatever session it hides."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from comparisons.selfcheck import capture
from comparisons.selfcheck.__main__ import main
from comparisons.selfcheck.grader import DEFAULT_MEMORY_LIMIT, Limits

RIGHT_DROPOUT = """
def dropout(x, p, keep, training):
    if not training:
        return x
    return np.zeros_like(x) if p == 1 else x * keep / (1 - p)
"""


def test_a_flood_of_output_is_cut_keeping_its_start_and_end(attempt) -> None:
    report = attempt("dropout", """
        print("FIRST LINE")
        def dropout(x, p, keep, training):
            for _ in range(10):
                print("x" * 1_000_000)
            print("LAST LINE")
            return x
        """)
    text = report.text()
    assert report.status == "failing"
    assert len(text) < 10_000, f"{len(text):,} characters shown"
    assert "FIRST LINE" in text and "LAST LINE" in text
    assert "bytes of output cut" in text


def test_many_short_lines_are_cut_too() -> None:
    lines = b"".join(b"line %d\n" % i for i in range(1000))
    text = capture.clip(lines[:capture.KEEP_BYTES], lines[-capture.KEEP_BYTES:], len(lines))
    shown = text.splitlines()
    assert shown[0] == "line 0" and shown[-1] == "line 999"
    assert len(shown) == 2 * capture.KEEP_LINES + 1
    cut = len(lines) - sum(len(line) + 1 for line in shown if line.startswith("line"))
    assert f"[... {cut:,} bytes of output cut ({len(lines):,} in all) ...]" in text


def test_short_output_is_shown_whole() -> None:
    assert capture.clip(b"a\nb\n", b"", 4) == "a\nb"


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "soon"])
def test_the_time_limit_must_be_a_positive_finite_number(capsys, tmp_path, value) -> None:
    (tmp_path / "dropout.py").write_text("import numpy as np\n" + RIGHT_DROPOUT, encoding="utf-8")
    with pytest.raises(SystemExit) as stopped:
        main(["--workspace", str(tmp_path), "check", "dropout", "--time-limit", value])
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert "--time-limit" in err and "positive finite number of seconds" in err and value in err
    assert "Traceback" not in err
    assert not (tmp_path / ".selfcheck-progress.json").exists()  # nothing was recorded
    for bad in (0, -5, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="positive finite number of seconds"):
            Limits(time=bad)


@pytest.mark.parametrize("value", ["0", "1K", "lots"])
def test_the_memory_limit_must_be_a_real_size(capsys, tmp_path, value) -> None:
    with pytest.raises(SystemExit):
        main(["--workspace", str(tmp_path), "check", "dropout", "--memory-limit", value])
    err = capsys.readouterr().err
    assert "--memory-limit" in err and "at least 128 MiB" in err and "Traceback" not in err


def test_memory_is_limited_and_running_out_is_the_learners_error(attempt) -> None:
    assert 2 << 30 <= DEFAULT_MEMORY_LIMIT <= 8 << 30  # a few GB by default
    report = attempt("dropout", """
        def dropout(x, p, keep, training):
            big = np.ones(2 ** 28)  # 2 GiB, over the 512 MiB allowed
            return x
        """, memory=512 << 20)
    text = report.text()
    assert report.status == "failing" and report.cases_passed == 0
    assert "MemoryError: Unable to allocate 2.00 GiB" in text and "line 5, in dropout" in text
    assert "your code ran out of memory: an attempt may use 512 MiB" in text


def _running(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="subreaper and /proc are Linux's")
@pytest.mark.parametrize("how", ["setsid child", "double-forked daemon"])
def test_a_process_that_leaves_the_session_ends_with_the_check(attempt, tmp_path, how) -> None:
    pid_file = tmp_path / "escaped.pid"
    sleeper = tmp_path / "sleeper.py"
    sleeper.write_text(f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(120)\n")
    daemon = tmp_path / "daemon.py"  # starts the sleeper in a session of its own, then exits at once
    daemon.write_text("import os, subprocess, sys\n"
                      f"subprocess.Popen([sys.executable, {str(sleeper)!r}], start_new_session=True)\n")
    script = {"setsid child": sleeper, "double-forked daemon": daemon}[how]
    start = (f"subprocess.Popen([sys.executable, {str(script)!r}], start_new_session=True)" if how == "setsid child"
             else f"subprocess.run([sys.executable, {str(script)!r}])")
    began = time.monotonic()
    report = attempt("dropout", f"""
        import subprocess, sys, time

        def dropout(x, p, keep, training):
            if not dropout.started:
                {start}
                while not __import__("os").path.exists({str(pid_file)!r}):
                    time.sleep(0.01)
                dropout.started = True
            if not training:
                return x
            return np.zeros_like(x) if p == 1 else x * keep / (1 - p)

        dropout.started = False
        """, time_limit=60.0)
    elapsed = time.monotonic() - began
    assert pid_file.exists(), report.text()
    pid = int(pid_file.read_text())
    try:
        assert report.passed, report.text()
        assert not _running(pid), f"the attempt's {how} (pid {pid}) still runs after the check"
        assert elapsed < 45.0, "the check waited for the escaped process (it holds the output pipe)"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
