"""Runs that survive faults: a kill between the two checkpoint writes, a loss that becomes NaN,
a corrupt checkpoint, missing data and a failed download; each ends in a state ``--resume``
finishes, or in one clear message with exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.error import URLError

import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import projects.mnist.__main__ as mnist
from projects.cifar10.__main__ import main as cifar_main
from projects.common.checkpoint import BEST, LAST, load_checkpoint
from projects.common.tensorboard_logging import RunWriter
from projects.sentiment.__main__ import main as sentiment_main

REPO = Path(__file__).resolve().parents[2]
QUIET = ["--no-progress", "--threads", "1"]

# Runs projects.sentiment and SIGKILLs it in the middle of the second checkpoint write of epoch
# KILL_EPOCH: the first file of that epoch is in place, the second only a temporary file.
KILLER = """
import os, signal, sys
import torch
import projects.common.checkpoint as checkpoint
from projects.common.atomic import atomic_write
from projects.sentiment.__main__ import main

kill_epoch, writes = int(sys.argv[1]), {}
real_save_atomic = checkpoint.save_atomic

def save_atomic(obj, path):
    epoch = obj["epochs_done"]
    writes[epoch] = writes.get(epoch, 0) + 1
    if epoch == kill_epoch and writes[epoch] == 2:
        with atomic_write(path) as f:
            torch.save(obj, f)
            f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
    real_save_atomic(obj, path)

checkpoint.save_atomic = save_atomic
main(sys.argv[2:])
"""


def sentiment_args(root: Path, out: Path) -> list[str]:
    return [
        "--data-root", str(root), "--out", str(out), "--dataset", "sst2", "--sst2-train", "kim",
        "--limit-train", "512", "--limit-eval", "256", "--epochs", "3", "--embed-dim", "32",
        "--hidden", "32", "--batch-size", "32", "--lr", "0.005", "--dropout", "0", *QUIET,
    ]  # fmt: skip


def test_kill_between_checkpoint_writes_then_resume(root: Path, tmp_path: Path) -> None:
    """SIGKILL after the best epoch's first checkpoint file is written and while the second is a
    temporary file; ``--resume`` removes the temporary file, finishes the run, and reports the
    same weights (file and epoch) and test accuracy as an uninterrupted run."""
    whole = sentiment_main(sentiment_args(root, tmp_path / "whole"))
    best_epoch = whole["report"]["weights_epoch"]  # >= 2 on the real and the stand-in data; if 1,
    # the kill comes before the first last.pt and --resume starts over

    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(best_epoch), *sentiment_args(root, out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert len(list((out / "checkpoints").glob(".*.tmp"))) == 1  # the write it was killed in
    assert not (out / "metrics.json").exists()

    resumed = subprocess.run(
        [sys.executable, "-m", "projects.sentiment", *sentiment_args(root, out), "--resume"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "left by an interrupted run" in resumed.stdout
    assert not list(out.rglob("*.tmp"))
    report = json.loads((out / "metrics.json").read_text())["report"]
    assert report["weights_file"] == f"checkpoints/{BEST}" and report["weights_epoch"] == best_epoch
    assert load_checkpoint(out / "checkpoints" / BEST)["epochs_done"] == best_epoch
    assert report["accuracy"] == whole["report"]["accuracy"]


def test_nan_loss_stops_with_last_good_checkpoint(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The weights blow up after epoch 1: epoch 2's loss is NaN. The run stops with one message
    and exit status 2; last.pt stays epoch 1's (finite); TensorBoard's files stay readable."""
    save = mnist.save_checkpoints

    def save_then_explode(folder: Path, ckpt: dict[str, Any], is_best: bool) -> None:
        save(folder, ckpt, is_best)
        ckpt["model"]["fc2.weight"].fill_(float("inf"))  # shares storage with the live model

    monkeypatch.setattr(mnist, "save_checkpoints", save_then_explode)
    out = tmp_path / "run"
    args = ["--data-root", str(root), "--out", str(out), "--limit-train", "256", "--limit-eval", "128",
            "--batch-size", "64", "--epochs", "3", "--no-download", "--histogram-every", "1", *QUIET]  # fmt: skip
    with pytest.raises(SystemExit) as exit_info:
        mnist.main(args)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "Traceback" not in err
    assert "epoch 2: the loss became nan" in err and "last good checkpoint (epoch 1)" in err
    last = load_checkpoint(out / "checkpoints" / LAST)
    assert last["epochs_done"] == 1 and all(torch.isfinite(w).all() for w in last["model"].values())
    EventAccumulator(str(out / "tb")).Reload()  # readable; no epoch-2 histogram was attempted


def test_histograms_of_non_finite_values_are_skipped(tmp_path: Path) -> None:
    writer = RunWriter(tmp_path, "test", {})
    writer.add_histogram("bad", torch.tensor([1.0, float("nan")]), 1)  # TensorBoard would raise
    writer.add_histogram("empty", np.zeros(0), 1)
    writer.add_histogram("good", torch.tensor([1.0, 2.0]), 1)
    writer.close()
    assert EventAccumulator(str(tmp_path / "tb")).Reload().Tags()["histograms"] == ["good"]


def test_corrupt_checkpoint_is_one_message(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A truncated last.pt (--resume) or a file that is no checkpoint (--predict): exit status 2,
    the file named, no traceback, and never torch's advice to load with weights_only=False."""
    out = tmp_path / "run"
    (out / "checkpoints").mkdir(parents=True)
    (out / "checkpoints" / LAST).write_bytes(b"PK\x03\x04 truncated")
    args = ["--data-root", str(root), "--out", str(out), "--resume", "--no-download", *QUIET]
    for run in (lambda: mnist.main(args), lambda: sentiment_main(["--predict", "fine", "--checkpoint",
                                                                   str(out / "checkpoints" / LAST)])):  # fmt: skip
        with pytest.raises(SystemExit) as exit_info:
            run()
        err = capsys.readouterr().err
        assert exit_info.value.code == 2 and "Traceback" not in err
        assert f"{out / 'checkpoints' / LAST} is not a readable checkpoint" in err
        assert "weights_only" not in err and "arbitrary code" not in err


def test_missing_data_and_failed_download_are_one_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def offline(*args: Any, **kwargs: Any) -> None:
        raise URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr("torchvision.datasets.cifar.download_and_extract_archive", offline)
    empty = str(tmp_path / "empty")
    runs = {
        "python -m projects.cifar10": lambda: cifar_main(
            ["--dataset", "full", "--out", str(tmp_path / "c"), "--cache", str(tmp_path / "cache")]
        ),  # downloads, and fails
        "python -m projects.mnist": lambda: mnist.main(
            ["--data-root", empty, "--no-download", "--out", empty]
        ),
        "python -m projects.sentiment": lambda: sentiment_main(["--data-root", empty, "--out", empty]),
    }
    for prog, run in runs.items():
        with pytest.raises(SystemExit) as exit_info:
            run()
        err = capsys.readouterr().err
        assert exit_info.value.code == 2 and err.startswith(f"{prog}: error: ") and "Traceback" not in err
        assert "not found" in err
