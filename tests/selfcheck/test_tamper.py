"""An attempt cannot reach the answers: the worker gets the inputs only, and the grader, the
exercises, the solutions and the library cannot be imported from it. The progress record cannot
be edited into "done". An attempt that uses torch passes, flagged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from comparisons.selfcheck import workspace as ws
from comparisons.selfcheck.__main__ import main

REPO = Path(__file__).resolve().parents[2]

REACHING_FOR_THE_ANSWER = {
    "the grader's expected values": ("tanh_backward", """
        from comparisons.selfcheck.exercise import get_exercise

        def tanh_backward(x, grad):
            return get_exercise("tanh_backward").expected(x, grad)
        """),
    "the exercise's reference": ("tanh_backward", """
        from comparisons.selfcheck.exercises.basics import TANH_BACKWARD

        def tanh_backward(x, grad):
            return TANH_BACKWARD.reference(x, grad)
        """),
    "the solutions package": ("dropout", """
        from comparisons.selfcheck.solutions.layers import dropout
        """),
    "the solutions beside the worker": ("dropout", """
        from solutions.layers import dropout
        """),
    "the library": ("unbroadcast", """
        from minitorch.ops.broadcasting import unbroadcast
        """),
    "the repository put back on the path": ("unbroadcast", f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        from minitorch.ops.broadcasting import unbroadcast
        """),
    "an import inside the function": ("unbroadcast", """
        def unbroadcast(grad, shape):
            import minitorch.ops.broadcasting
            return minitorch.ops.broadcasting.unbroadcast(grad, shape)
        """),
}


@pytest.mark.parametrize("route", list(REACHING_FOR_THE_ANSWER))
def test_the_answers_cannot_be_imported_from_the_attempt(attempt, route) -> None:
    name, source = REACHING_FOR_THE_ANSWER[route]
    report = attempt(name, source)
    text = report.text()
    assert report.status == "failing" and report.cases_passed == 0, text
    assert "ModuleNotFoundError" in text, text


def test_the_worker_gets_only_the_inputs(attempt, tmp_path) -> None:
    seen = tmp_path / "seen.json"
    report = attempt("split_lengths", f"""
        import json, os, sys

        def split_lengths(n, fractions):
            json.dump({{"files": sorted(os.listdir(".")), "path": sys.path,
                       "modules": sorted(m for m in sys.modules if m.startswith(("comparisons", "minitorch")))}},
                      open({str(seen)!r}, "w"))
            raise NotImplementedError
        """)
    assert report.status == "todo"
    found = json.loads(seen.read_text())
    assert set(found["files"]) <= {"inputs.json", "inputs.npz", "worker.py", "progress"}
    assert found["modules"] == []
    holders = [p for p in found["path"] if (Path(p or ".") / "comparisons").is_dir()
               or (Path(p or ".") / "minitorch").is_dir()]
    assert holders == [], f"the worker's sys.path holds the project: {holders}"


def test_an_attempt_that_uses_torch_passes_flagged(attempt, capsys, tmp_path) -> None:
    report = attempt("tanh_backward", """
        import torch

        def tanh_backward(x, grad):
            return grad * (1 - torch.tanh(torch.from_numpy(x)).numpy() ** 2)
        """, time_limit=60.0)  # importing torch takes seconds, more on a loaded machine
    assert report.passed and report.uses_torch
    assert "PASS tanh_backward: 4/4 cases passed (uses torch" in report.text()
    plain = attempt("tanh_backward", """
        def tanh_backward(x, grad):
            return grad * (1 - np.tanh(x) ** 2)
        """)
    assert plain.passed and not plain.uses_torch and "uses torch" not in plain.text()


def _progress(capsys, workspace: Path, *flags: str) -> dict[str, str]:
    assert main(["--workspace", str(workspace), "progress", *flags]) == 0
    out = capsys.readouterr().out
    return {line.split(None, 2)[0]: line.split(None, 2)[2] for line in out.splitlines()
            if line.startswith("  ")}


def _record(workspace: Path) -> dict:
    return json.loads((workspace / ws.PROGRESS_FILE).read_text(encoding="utf-8"))


def _write_record(workspace: Path, record: dict) -> None:
    (workspace / ws.PROGRESS_FILE).write_text(json.dumps(record), encoding="utf-8")


def test_editing_the_record_does_not_mark_a_stub_done(capsys, tmp_path) -> None:
    for name in ("split_lengths", "unbroadcast", "dropout"):
        main(["--workspace", str(tmp_path), "start", name])
    (tmp_path / "dropout.py").write_text(
        "import numpy as np\n\ndef dropout(x, p, keep, training):\n"
        "    return x if not training else (np.zeros_like(x) if p == 1 else x * keep / (1 - p))\n")
    assert main(["--workspace", str(tmp_path), "check", "split_lengths", "dropout"]) == 1
    capsys.readouterr()
    assert _progress(capsys, tmp_path)["dropout"] == "done"

    record = _record(tmp_path)
    record["split_lengths"]["status"] = "done"  # the stub, marked done by hand
    record["unbroadcast"] = dict(record["dropout"], sha256=ws.file_hash(tmp_path / "unbroadcast.py"))
    _write_record(tmp_path, record)
    status = _progress(capsys, tmp_path)
    assert status["split_lengths"] == "unverified" and status["unbroadcast"] == "unverified"
    assert status["dropout"] == "done"


def test_progress_verify_grades_again_what_it_would_show_done(capsys, tmp_path) -> None:
    """Even an entry signed with the real key (a learner who read it) is caught by --verify."""
    main(["--workspace", str(tmp_path), "start", "split_lengths"])
    ws.record(tmp_path, "split_lengths", "done", ws.file_hash(tmp_path / "split_lengths.py"))
    capsys.readouterr()
    assert _progress(capsys, tmp_path)["split_lengths"] == "done"
    assert _progress(capsys, tmp_path, "--verify")["split_lengths"] == "not started"
    assert _record(tmp_path)["split_lengths"]["status"] == "todo"


def test_an_unwritable_key_location_still_checks(capsys, tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("MINITORCH_SELFCHECK_KEY", str(blocker / "selfcheck.key"))
    main(["--workspace", str(tmp_path), "start", "split_lengths"])
    assert main(["--workspace", str(tmp_path), "check", "split_lengths"]) == 1
    capsys.readouterr()
    assert _progress(capsys, tmp_path)["split_lengths"] == "not started"  # verified with this process's key
