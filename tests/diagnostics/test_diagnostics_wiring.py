"""The diagnostics in the projects: flags, the calls in a real MNIST run's loop, and the CLI on the
checkpoint it leaves (real MNIST slice; skipped when the data folder is absent)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from projects.common.data_root import data_root
from projects.diagnostics import cli
from projects.diagnostics.__main__ import main as diagnostics_main
from projects.diagnostics.training import TrainingDiagnostics

MNIST = data_root() / "mnist"


def test_flags_per_project(tmp_path: Path) -> None:
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU())
    for images in (True, False):
        parser = argparse.ArgumentParser()
        parser.add_argument("--amp", default="off")
        cli.add_arguments(parser, images)
        off = TrainingDiagnostics.from_args(parser.parse_args([]), model, None, tmp_path)
        assert (off.tracker, off.watch, off.image_options) == (None, None, None)  # all off by default
        flags = ["--health-every", "10", "--detect"] + (
            ["--gradcam", "--feature-layers", "0, 1"] if images else []
        )
        on = TrainingDiagnostics.from_args(parser.parse_args(flags), model, None, tmp_path)
        assert on.health_every == 10 and on.tracker is not None and on.watch is not None
        if images:
            assert on.image_options["feature_layers"] == ["0", "1"] and on.image_options["gradcam"]
        else:
            assert on.image_options is None
            with pytest.raises(SystemExit):
                parser.parse_args(["--gradcam"])
        on.image_options = None  # no pictures of this model
        on.finish(None, [], torch.device("cpu"))
        assert all(not m._forward_hooks for m in model.modules())  # the hooks come off


@pytest.fixture(scope="module")
def mnist_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (MNIST / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"real MNIST not found under {MNIST} (set MINITORCH_DATA)")
    from projects.mnist.__main__ import main as mnist_main

    out = tmp_path_factory.mktemp("run")
    threads = torch.get_num_threads()
    mnist_main(
        f"--limit-train 512 --limit-eval 128 --epochs 1 --width 4 --batch-size 64 --threads 1 --no-progress "
        f"--no-download --out {out} --health-every 2 --detect --feature-maps --gradcam --diag-samples 3".split()
    )
    torch.set_num_threads(threads)
    return out


def test_training_run_writes_diagnostics(mnist_run: Path) -> None:
    folder = mnist_run / "diagnostics"
    names = {p.name for p in folder.iterdir()}
    assert {"gradcam.png", "gradient_flow.png", "activation_health.png", "update_ratios.png"} <= names
    assert {"feature_maps_block1_0.png", "feature_maps_pool2_1.png", "alarms.json"} <= names
    assert json.loads((folder / "alarms.json").read_text()) == []  # a healthy run raises no alarm
    events = EventAccumulator(str(mnist_run / "tb"), size_guidance={"scalars": 0}).Reload()
    steps = [e.step for e in events.Scalars("grad_norm/block1.conv.weight")]
    assert steps == list(range(0, 8, 2))  # 512 / 64 = 8 steps, measured every 2
    assert "dead_relu_fraction/block1.relu" in events.Tags()["scalars"]


def test_cli_on_the_checkpoint(mnist_run: Path, tmp_path: Path) -> None:
    checkpoint = str(mnist_run / "checkpoints" / "last.pt")
    common = ["--checkpoint", checkpoint, "--out", str(tmp_path)]
    written = diagnostics_main(["gradcam", *common, "--samples", "2", "--layer", "block3"])
    written += diagnostics_main(["gradient-flow", *common, "--steps", "3"])
    written += diagnostics_main(
        ["lr-finder", *common, "--steps", "12", "--start-lr", "1e-4", "--end-lr", "1"]
    )
    written += diagnostics_main(["curves", *common, "--limit-eval", "128"])
    assert sorted(p.name for p in written) == sorted(
        [
            "gradcam.png",
            "gradient_flow.png",
            "activation_health.png",
            "update_ratios.png",
            "lr_range_test.png",
            "loss.png",
            "accuracy.png",
            "confusion_matrix.png",
        ]
    )
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in written)
    with pytest.raises(ValueError, match="cannot tell which project"):
        diagnostics_main(["gradcam", "--checkpoint", _copy_without_metrics(mnist_run, tmp_path)])


def _copy_without_metrics(run: Path, tmp_path: Path) -> str:
    target = tmp_path / "elsewhere" / "checkpoints" / "last.pt"
    target.parent.mkdir(parents=True)
    target.write_bytes((run / "checkpoints" / "last.pt").read_bytes())
    return str(target)
