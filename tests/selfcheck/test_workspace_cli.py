"""The workflow: list, show, start (never overwriting), check, check --all, progress."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from comparisons.selfcheck.__main__ import main
from comparisons.selfcheck.exercise import CHAPTERS, all_exercises

RIGHT_DROPOUT = """import numpy as np

def dropout(x, p, keep, training):
    if not training:
        return x
    return np.zeros_like(x) if p == 1 else x * keep / (1 - p)
"""


def run(capsys: pytest.CaptureFixture[str], workspace: Path, *args: str) -> tuple[int, str]:
    code = main(["--workspace", str(workspace), *args])
    return code, capsys.readouterr().out


def test_list_shows_every_exercise_by_chapter(capsys, tmp_path) -> None:
    code, out = run(capsys, tmp_path, "list")
    assert code == 0
    for english, chinese in CHAPTERS.values():
        assert f"{english} ({chinese})" in out
    for exercise in all_exercises():
        assert exercise.name in out and exercise.title_zh in out
    assert f"{len(all_exercises())} exercises" in out


def test_show_prints_the_docstring(capsys, tmp_path) -> None:
    code, out = run(capsys, tmp_path, "show", "im2col")
    assert code == 0
    assert "def im2col(x: np.ndarray, kh: int, kw: int, stride: int, padding: int) -> np.ndarray:" in out
    assert "torch.nn.functional.unfold" in out


def test_unknown_name_suggests_close_ones(capsys, tmp_path) -> None:
    assert main(["--workspace", str(tmp_path), "show", "im2colx"]) == 2
    assert "did you mean im2col" in capsys.readouterr().err


def test_start_writes_the_stub_and_never_overwrites(capsys, tmp_path) -> None:
    code, out = run(capsys, tmp_path, "start", "dropout")
    stub = tmp_path / "dropout.py"
    assert code == 0 and f"wrote {stub}" in out
    assert "raise NotImplementedError" in stub.read_text(encoding="utf-8")
    stub.write_text("# my work\n", encoding="utf-8")
    code, out = run(capsys, tmp_path, "start", "dropout")
    assert code == 0 and "already exists: not overwritten" in out
    assert stub.read_text(encoding="utf-8") == "# my work\n"


def test_the_workspace_comes_from_the_environment(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("MINITORCH_WORKSPACE", str(tmp_path / "mine"))
    assert main(["start", "unbroadcast"]) == 0
    assert (tmp_path / "mine" / "unbroadcast.py").exists()


def test_check_and_progress(capsys, tmp_path) -> None:
    run(capsys, tmp_path, "start", "dropout")
    run(capsys, tmp_path, "start", "unbroadcast")
    run(capsys, tmp_path, "start", "split_lengths")
    (tmp_path / "dropout.py").write_text(RIGHT_DROPOUT, encoding="utf-8")
    (tmp_path / "unbroadcast.py").write_text("def unbroadcast(grad, shape):\n    return grad\n",
                                             encoding="utf-8")

    code, out = run(capsys, tmp_path, "check", "dropout")
    assert code == 0 and "PASS dropout: 6/6 cases passed" in out
    code, out = run(capsys, tmp_path, "check", "--all", "--time-limit", "8")
    assert code == 1
    assert "PASS dropout" in out and "FAIL unbroadcast" in out and "TODO split_lengths" in out
    assert "Hint: forgot to un-broadcast" in out and "1 of 3 passed" in out

    record = json.loads((tmp_path / ".selfcheck-progress.json").read_text(encoding="utf-8"))
    assert {k: v["status"] for k, v in record.items()} == {
        "dropout": "done", "unbroadcast": "failing", "split_lengths": "todo"}

    (tmp_path / "unbroadcast.py").write_text("def unbroadcast(grad, shape):\n    return grad * 1\n",
                                             encoding="utf-8")
    run(capsys, tmp_path, "start", "lstm_cell")
    code, out = run(capsys, tmp_path, "progress")
    status = {line.split(None, 2)[0]: line.split(None, 2)[2] for line in out.splitlines()
              if line.startswith("  ")}
    assert status["dropout"] == "done"
    assert status["unbroadcast"] == "changed"  # edited since its failing check
    assert status["split_lengths"] == "not started"  # checked, but still the stub
    assert status["lstm_cell"] == "unchecked"  # started, never checked
    assert status["adam_step"] == "not started"
    assert "Deep-learning basics (深度学习基础): 0/4 done" in out
    assert "nn.Module and model building (模型构建): 1/2 done" in out
    total = len(all_exercises())
    assert f"Total: 1 done, 0 failing, 2 to check, {total - 3} not started, of {total}" in out
