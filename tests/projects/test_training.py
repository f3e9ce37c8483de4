"""A few steps of each project on tiny slices; run outputs, TensorBoard, checkpoints, exact resume,
AMP, schedules and the extension point of the training loop."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from projects.cifar10.__main__ import main as cifar_main
from projects.common import cli
from projects.common.amp import autocast, make_scaler
from projects.common.callbacks import Callback, TrainState
from projects.common.checkpoint import LAST, checkpoint_dict, load_checkpoint, restore, save_atomic
from projects.common.schedules import build_schedule
from projects.mnist.__main__ import main as mnist_main
from projects.sentiment.__main__ import main as sentiment_main

QUIET = ["--no-progress", "--threads", "1", "--histogram-every", "1", "--log-every", "2"]


def mnist_args(root: Path, out: Path, *extra: str) -> list[str]:
    return [
        "--data-root", str(root), "--out", str(out), "--limit-train", "512", "--limit-eval", "256",
        "--batch-size", "64", "--no-download", *QUIET, *extra,
    ]  # fmt: skip


def assert_learned(metrics: dict[str, Any], chance: float) -> None:
    history = metrics["history"]
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert metrics["report"]["accuracy"] > chance + 0.1


def assert_run_folder(out: Path, metrics: dict[str, Any]) -> None:
    for name in ("metrics.json", "loss.png", "accuracy.png", "confusion_matrix.png"):
        assert (out / name).stat().st_size > 0, name
    for name in ("loss.png", "accuracy.png", "confusion_matrix.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "metrics.json").read_text()) == json.loads(json.dumps(metrics))
    assert (out / "checkpoints" / LAST).is_file() and (out / "checkpoints" / "best.pt").is_file()
    assert sum(sum(row) for row in metrics["confusion_matrix"]) > 0


def test_mnist_cnn_learns_and_writes_run_folder(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    metrics = mnist_main(mnist_args(root, out, "--model", "cnn", "--epochs", "2", "--lr", "0.05"))
    assert_learned(metrics, chance=0.1)
    assert_run_folder(out, metrics)
    assert metrics["report"]["split"] == "test" and "no selection" in metrics["report"]["weights"]

    events = EventAccumulator(str(out / "tb"), size_guidance={"histograms": 0, "images": 0}).Reload()
    tags = events.Tags()
    val_acc = [e.value for e in events.Scalars("epoch/val_accuracy")]
    assert val_acc == pytest.approx([h["val_accuracy"] for h in metrics["history"]])
    steps = [e.step for e in events.Scalars("train/loss_step")]
    assert steps == list(range(2, 17, 2))  # 8 steps per epoch, every 2nd logged
    assert "weights/0.0.weight" in tags["histograms"] and "grads/0.0.weight" in tags["histograms"]
    assert tags["images"] == ["samples/eval_inputs"]


def test_mnist_mlp_bf16_autocast(root: Path, tmp_path: Path) -> None:
    metrics = mnist_main(
        mnist_args(root, tmp_path / "run", "--model", "mlp", "--epochs", "2", "--amp", "bf16")
    )
    assert_learned(metrics, chance=0.1)
    weights = load_checkpoint(tmp_path / "run" / "checkpoints" / LAST)["model"]
    assert all(w.dtype == torch.float32 for w in weights.values())  # parameters stay fp32


def test_autocast_modes() -> None:
    layer, x = torch.nn.Linear(4, 3), torch.randn(2, 4)
    with autocast("bf16", torch.device("cpu")):
        assert layer(x).dtype == torch.bfloat16
    with autocast("off", torch.device("cpu")):
        assert layer(x).dtype == torch.float32
    assert not make_scaler("bf16", torch.device("cpu")).is_enabled()
    with pytest.raises(ValueError, match="fp16 needs a CUDA device"):
        autocast("fp16", torch.device("cpu"))


def test_cifar_small_resnet_learns(root: Path, tmp_path: Path) -> None:
    """Augmentation (crop, flip, cutout), label smoothing and channels-last on a 256-image slice:
    the training loss falls and training accuracy rises over 3 epochs."""
    out = tmp_path / "run"
    args = [
        "--data-root", str(root), "--out", str(out), "--dataset", "subset", "--model", "small",
        "--width", "8", "--limit-train", "256", "--limit-eval", "128", "--batch-size", "32",
        "--epochs", "3", "--optimizer", "adam", "--lr", "0.003", "--weight-decay", "0",
        "--schedule", "constant", "--cutout", "8", "--label-smoothing", "0.1", "--channels-last", *QUIET,
    ]  # fmt: skip
    metrics = cifar_main(args)
    first, last = metrics["history"][0], metrics["history"][-1]
    assert last["train_loss"] < first["train_loss"] and last["train_accuracy"] > first["train_accuracy"]
    assert_run_folder(out, metrics)


def test_cifar_transfer_from_file_and_checkpoint(root: Path, tmp_path: Path) -> None:
    """A torchvision ResNet-18 state dict as --pretrained file: backbone copied, new head,
    frozen backbone unchanged by training; then --init-from this project's checkpoint."""
    from torchvision.models import resnet18

    torch.manual_seed(1)
    weights = resnet18().state_dict()
    torch.save(weights, tmp_path / "resnet18.pth")
    base = [
        "--data-root", str(root), "--dataset", "subset", "--limit-train", "64", "--limit-eval", "64",
        "--batch-size", "32", "--epochs", "1", "--schedule", "cosine", *QUIET,
    ]  # fmt: skip
    out = tmp_path / "transfer"
    cifar_main(
        [*base, "--out", str(out), "--pretrained", str(tmp_path / "resnet18.pth"), "--freeze-backbone"]
    )
    trained = load_checkpoint(out / "checkpoints" / LAST)["model"]
    assert trained["fc.weight"].shape == (10, 512)
    torch.testing.assert_close(
        trained["layer4.1.conv2.weight"], weights["layer4.1.conv2.weight"], rtol=0, atol=0
    )

    small = tmp_path / "small"
    cifar_main([*base, "--out", str(small), "--width", "8"])
    source = load_checkpoint(small / "checkpoints" / LAST)["model"]
    again = tmp_path / "again"
    cifar_main([*base, "--out", str(again), "--width", "8", "--init-from", str(small / "checkpoints" / LAST),
                "--freeze-backbone"])  # fmt: skip
    tuned = load_checkpoint(again / "checkpoints" / LAST)["model"]
    torch.testing.assert_close(tuned["0.0.weight"], source["0.0.weight"], rtol=0, atol=0)
    assert not torch.equal(tuned["11.weight"], source["11.weight"])  # new head, trained


def test_sentiment_learns_and_predicts(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    args = [
        "--data-root", str(root), "--out", str(out), "--dataset", "sst2", "--sst2-train", "kim",
        "--limit-train", "512", "--limit-eval", "256", "--epochs", "3", "--embed-dim", "32",
        "--hidden", "32", "--batch-size", "32", "--lr", "0.005", "--dropout", "0", *QUIET,
    ]  # fmt: skip
    metrics = sentiment_main(args)
    assert_run_folder(out, metrics)
    first, last = metrics["history"][0], metrics["history"][-1]
    assert (
        last["train_loss"] < first["train_loss"] - 0.05 and last["train_accuracy"] > first["train_accuracy"]
    )
    assert metrics["report"]["split"] == "test" and "best validation" in metrics["report"]["weights"]
    assert "true \\ pred" in capsys.readouterr().out  # the printed confusion matrix
    result = sentiment_main(["--predict", "a great, moving film", "--out", str(out)])
    assert result["label"] in ("negative", "positive") and 0.5 <= result["probability"] <= 1.0
    assert capsys.readouterr().out.strip() == f"{result['label']}\t{result['probability']:.4f}"


def test_sentiment_char_tokenizer_on_chinese_tsv(tmp_path: Path) -> None:
    good, bad = ["好看", "精彩", "感人"], ["无聊", "难看", "糟糕"]
    lines = [f"{i % 2}\t这部电影{(good if i % 2 else bad)[i % 3]}" for i in range(120)]
    (tmp_path / "reviews.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    metrics = sentiment_main([
        "--dataset", "file", "--data-file", str(tmp_path / "reviews.tsv"), "--tokenizer", "char",
        "--out", str(out), "--epochs", "10", "--embed-dim", "16", "--hidden", "16", "--batch-size", "16",
        "--lr", "0.01", "--dropout", "0", *QUIET,
    ])  # fmt: skip
    assert metrics["report"]["accuracy"] == 1.0
    vocab = load_checkpoint(out / "checkpoints" / "best.pt")["extra"]["vocab"]
    assert {"这", "部", "好", "看"} <= set(vocab)


class StopAfter(Callback):
    """Simulates an interruption: training ends after ``epochs`` epochs."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs

    def on_epoch_end(self, state: TrainState) -> None:
        state.stop_training = state.epoch + 1 >= self.epochs


def test_resume_equals_uninterrupted(root: Path, tmp_path: Path) -> None:
    """CNN with dropout and BatchNorm, SGD momentum, one-cycle: 3 epochs in one go, or
    interrupted after epoch 1 and resumed: bitwise the same weights, optimizer state and history."""
    args = ["--model", "cnn", "--epochs", "3", "--limit-train", "192", "--batch-size", "32"]
    whole = mnist_main([*mnist_args(root, tmp_path / "whole"), *args])
    mnist_main([*mnist_args(root, tmp_path / "parts"), *args], callbacks=[StopAfter(1)])
    assert len(load_checkpoint(tmp_path / "parts" / "checkpoints" / LAST)["history"]) == 1
    resumed = mnist_main([*mnist_args(root, tmp_path / "parts"), *args, "--resume"])
    a = load_checkpoint(tmp_path / "whole" / "checkpoints" / LAST)
    b = load_checkpoint(tmp_path / "parts" / "checkpoints" / LAST)
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key
    for i, state in a["optimizer"]["state"].items():
        assert torch.equal(state["momentum_buffer"], b["optimizer"]["state"][i]["momentum_buffer"])
    strip = [{k: v for k, v in h.items() if k != "time_s"} for h in whole["history"]]
    assert strip == [{k: v for k, v in h.items() if k != "time_s"} for h in resumed["history"]]
    with pytest.raises(FileExistsError, match="--resume"):
        mnist_main([*mnist_args(root, tmp_path / "parts"), *args])


def test_checkpoint_round_trip(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    opt = torch.optim.AdamW(model.parameters(), lr=0.1)
    state = TrainState(model=model, optimizer=opt, device=torch.device("cpu"), out_dir=tmp_path)
    state.scheduler = build_schedule("cosine", opt, 10, warmup_steps=2)
    state.scaler = make_scaler("off", state.device)
    for _ in range(3):
        model(torch.randn(5, 3)).sum().backward()
        opt.step()
        state.scheduler.step()
    state.epoch, state.step, state.history = 1, 3, [{"epoch": 1, "val_accuracy": 0.5}]
    save_atomic(checkpoint_dict(state, {"vocab": ["<pad>", "<unk>", "x"]}), tmp_path / "c.pt")
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]  # no temporary file left
    expected_next = torch.rand(3)

    torch.manual_seed(99)
    fresh_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    fresh_opt = torch.optim.AdamW(fresh_model.parameters(), lr=0.1)
    fresh = TrainState(model=fresh_model, optimizer=fresh_opt, device=torch.device("cpu"), out_dir=tmp_path)
    fresh.scheduler = build_schedule("cosine", fresh_opt, 10, warmup_steps=2)
    ckpt = load_checkpoint(tmp_path / "c.pt")
    restore(fresh, ckpt)
    assert torch.equal(torch.rand(3), expected_next)  # RNG state restored
    for (k, v), w in zip(model.state_dict().items(), fresh_model.state_dict().values(), strict=True):
        assert torch.equal(v, w), k
    assert fresh_opt.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    assert fresh.scheduler.state_dict()["last_epoch"] == 3
    assert (fresh.epoch, fresh.step, ckpt["extra"]["vocab"][2]) == (2, 3, "x")


def test_schedules_shapes() -> None:
    def lrs(name: str, **kw: Any) -> list[float]:
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        sched = build_schedule(name, opt, 10, **kw)
        out = []
        for _ in range(10):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return out

    assert lrs("constant") == [1.0] * 10
    cosine = lrs("cosine")
    assert (
        cosine[0] == 1.0
        and all(a > b for a, b in zip(cosine, cosine[1:], strict=False))
        and cosine[-1] < 0.05
    )
    warm = lrs("cosine", warmup_steps=3)
    assert warm[0] == pytest.approx(0.01) and warm[3] == pytest.approx(1.0) and warm[1] < warm[2] < 1
    assert lrs("step", steps_per_epoch=2, step_epochs=2, gamma=0.5) == [
        1,
        1,
        1,
        1,
        0.5,
        0.5,
        0.5,
        0.5,
        0.25,
        0.25,
    ]
    one = lrs("onecycle")
    peak = one.index(max(one))
    assert 0 < peak < 9 and max(one) == pytest.approx(1.0, rel=0.05) and one[-1] < one[0]
    with pytest.raises(ValueError, match="unknown schedule"):
        lrs("linear")


def test_extension_adds_flags_and_receives_every_hook(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plug-in point the diagnostics toolkit uses: flags and callbacks from a module."""
    calls: list[str] = []

    class Recorder(Callback):
        def __getattribute__(self, name: str) -> Any:
            if name.startswith("on_"):

                def hook(state: TrainState) -> None:
                    assert state.writer is not None and isinstance(state.model, torch.nn.Module)
                    if name == "on_before_optimizer_step":
                        assert all(p.grad is not None for p in state.model.parameters())
                    calls.append(name)

                return hook
            return super().__getattribute__(name)

    ext = types.ModuleType("fake_diagnostics")
    ext.add_arguments = lambda parser, project: parser.add_argument("--record-hooks", action="store_true")
    ext.make_callbacks = lambda args, project: (
        [Recorder()] if args.record_hooks and project == "mnist" else []
    )
    monkeypatch.setitem(sys.modules, "fake_diagnostics", ext)
    monkeypatch.setattr(cli, "EXTENSIONS", ("fake_diagnostics", "projects.not_written_yet"))
    mnist_main([*mnist_args(root, tmp_path / "run"), "--model", "mlp", "--epochs", "2",
                "--limit-train", "128", "--record-hooks"])  # fmt: skip
    batch = ["on_batch_begin", "on_before_optimizer_step", "on_batch_end"]
    epoch = ["on_epoch_begin", *batch * 2, "on_epoch_end"]
    assert calls == ["on_train_begin", *epoch * 2, "on_train_end"]


def test_ddp_two_processes_equal_one_process(root: Path, tmp_path: Path) -> None:
    """torchrun, 2 CPU processes (gloo), per-process batch 32 == 1 process with batch 64: same
    weights after an epoch of SGD (gradients averaged by all-reduce, so equal up to rounding)."""
    args = [*mnist_args(root, tmp_path / "single"), "--model", "mlp", "--epochs", "1", "--limit-train", "256",
            "--schedule", "cosine", "--lr", "0.05"]  # fmt: skip
    single = mnist_main(args)
    ddp_args = [a if a != str(tmp_path / "single") else str(tmp_path / "ddp") for a in args]
    launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    done = subprocess.run(
        [*launch, "-m", "projects.mnist", *ddp_args],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    ckpt_a = load_checkpoint(tmp_path / "single" / "checkpoints" / LAST)
    ckpt_b = load_checkpoint(tmp_path / "ddp" / "checkpoints" / LAST)
    assert ckpt_a["step"] == ckpt_b["step"] == 4  # 256 examples / global batch 64
    a, b = ckpt_a["model"], ckpt_b["model"]
    for key in a:
        torch.testing.assert_close(b[key], a[key], rtol=1e-5, atol=1e-6)
    ddp = json.loads((tmp_path / "ddp" / "metrics.json").read_text())
    assert ddp["history"][0]["train_loss"] == pytest.approx(single["history"][0]["train_loss"], rel=1e-5)
    assert ddp["report"]["accuracy"] == single["report"]["accuracy"]


def test_imagenet_weights_offline_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """No network: a clear error naming the weights URL and the --pretrained PATH way out."""
    from urllib.error import URLError

    from torchvision.models import ResNet18_Weights

    from projects.cifar10.models import imagenet_resnet18

    def offline(self: Any, progress: bool) -> None:
        raise URLError("no network")

    monkeypatch.setattr(ResNet18_Weights, "get_state_dict", offline)
    with pytest.raises(RuntimeError, match=r"could not download .*--pretrained PATH.*resnet18-f37072fd\.pth"):
        imagenet_resnet18("imagenet")
    with pytest.raises(FileNotFoundError, match="no weights file"):
        imagenet_resnet18("/nonexistent/resnet18.pth")
