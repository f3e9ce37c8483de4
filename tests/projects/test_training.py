"""A few steps of each project on tiny slices; run outputs, TensorBoard, checkpoints, exact resume,
AMP, schedules and DistributedDataParallel."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import projects.mnist.__main__ as mnist
from projects.cifar10.__main__ import main as cifar_main
from projects.common.amp import autocast, make_scaler
from projects.common.checkpoint import (
    LAST,
    checkpoint_dict,
    load_checkpoint,
    restore_checkpoint,
    save_atomic,
)
from projects.common.schedules import build_schedule, schedule_warning
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
    for path in out.rglob("*"):  # every file readable by the group (mkstemp alone gives 0600)
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) & 0o044 == 0o044, path
    assert not list(out.rglob("*.tmp"))
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
    assert (metrics["report"]["weights_file"], metrics["report"]["weights_epoch"]) == (
        "checkpoints/last.pt",
        2,
    )
    assert metrics["report"]["accuracy"] == metrics["history"][-1]["val_accuracy"]  # the same weights

    events = EventAccumulator(str(out / "tb"), size_guidance={"histograms": 0, "images": 0}).Reload()
    tags = events.Tags()
    val_acc = [e.value for e in events.Scalars("epoch/val_accuracy")]
    assert val_acc == pytest.approx([h["val_accuracy"] for h in metrics["history"]])
    steps = [e.step for e in events.Scalars("train/loss_step")]
    assert steps == list(range(2, 17, 2))  # 8 steps per epoch, every 2nd logged
    assert "weights/block1.conv.weight" in tags["histograms"] and "grads/fc2.weight" in tags["histograms"]
    assert tags["images"] == ["samples/eval_inputs"]
    assert "run/config/text_summary" in tags["tensors"]  # the flags, as a table


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
        "--hidden", "32", "--batch-size", "32", "--lr", "0.005", "--dropout", "0", "--word-dropout", "0", *QUIET,
    ]  # fmt: skip
    metrics = sentiment_main(args)
    assert_run_folder(out, metrics)
    first, last = metrics["history"][0], metrics["history"][-1]
    assert (
        last["train_loss"] < first["train_loss"] - 0.05 and last["train_accuracy"] > first["train_accuracy"]
    )
    assert metrics["report"]["split"] == "test" and "best validation" in metrics["report"]["weights"]
    assert "true \\ pred" in capsys.readouterr().out  # the printed confusion matrix
    texts = ["a great moving film", "a dull and tedious mess", "xqzv wvbq"]
    results = sentiment_main(["--predict", *texts, "--out", str(out)])
    assert [r["text"] for r in results] == texts
    assert all(r["label"] in ("negative", "positive") and 0.5 <= r["probability"] <= 1.0 for r in results)
    assert [r["unknown"] for r in results] == [0.0, 0.0, 1.0]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{results[0]['label']}\t{results[0]['probability']:.4f}\t{texts[0]}"
    assert lines[2] == f"{results[2]['label']}\t{results[2]['probability']:.4f}\t{texts[2]}"
    assert "100% of the tokens are not in the vocabulary" in lines[3] and len(lines) == 4


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


def test_resume_starts_at_the_saved_epoch(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """CNN with dropout and BatchNorm, SGD momentum, one-cycle: 3 epochs in one go, or interrupted
    after epoch 1 and resumed. The resumed process trains epochs 2 and 3 only, and ends with
    bitwise the same weights, optimizer state and history."""
    args = ["--model", "cnn", "--epochs", "3", "--limit-train", "192", "--batch-size", "32"]
    whole = mnist_main([*mnist_args(root, tmp_path / "whole"), *args])
    save = mnist.save_checkpoints

    def interrupted(folder: Path, ckpt: dict[str, Any], is_best: bool) -> None:
        save(folder, ckpt, is_best)
        raise KeyboardInterrupt  # Ctrl-C right after the first epoch's checkpoints

    monkeypatch.setattr(mnist, "save_checkpoints", interrupted)
    with pytest.raises(KeyboardInterrupt):
        mnist_main([*mnist_args(root, tmp_path / "parts"), *args])
    monkeypatch.undo()
    assert load_checkpoint(tmp_path / "parts" / "checkpoints" / LAST)["epochs_done"] == 1
    capsys.readouterr()
    resumed = mnist_main([*mnist_args(root, tmp_path / "parts"), *args, "--resume"])
    printed = capsys.readouterr().out
    assert "checkpoints/last.pt: 1 epochs done" in printed
    assert [line.split(":")[0] for line in printed.splitlines() if line.startswith("epoch ")] == [
        "epoch 2/3",
        "epoch 3/3",
    ]  # this process trained epochs 2 and 3 only
    a = load_checkpoint(tmp_path / "whole" / "checkpoints" / LAST)
    b = load_checkpoint(tmp_path / "parts" / "checkpoints" / LAST)
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key
    for i, state in a["optimizer"]["state"].items():
        assert torch.equal(state["momentum_buffer"], b["optimizer"]["state"][i]["momentum_buffer"])
    strip = [{k: v for k, v in h.items() if k != "time_s"} for h in whole["history"]]
    assert strip == [{k: v for k, v in h.items() if k != "time_s"} for h in resumed["history"]]
    with pytest.raises(SystemExit) as exit_info:  # a finished run is not overwritten
        mnist_main([*mnist_args(root, tmp_path / "parts"), *args])
    assert exit_info.value.code == 2 and "--resume" in capsys.readouterr().err


def test_checkpoint_round_trip(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    opt = torch.optim.AdamW(model.parameters(), lr=0.1)
    scheduler = build_schedule("cosine", opt, 10, warmup_steps=2)
    scaler = make_scaler("off", torch.device("cpu"))
    for _ in range(3):
        model(torch.randn(5, 3)).sum().backward()
        opt.step()
        scheduler.step()
    history = [{"epoch": 1, "val_accuracy": 0.5}, {"epoch": 2, "val_accuracy": 0.6}]
    ckpt = checkpoint_dict(model, opt, scheduler, scaler, history, 3, {"vocab": ["<pad>", "<unk>", "x"]})
    save_atomic(ckpt, tmp_path / "c.pt")
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]  # no temporary file left
    expected_next = torch.rand(3)

    torch.manual_seed(99)
    fresh_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    fresh_opt = torch.optim.AdamW(fresh_model.parameters(), lr=0.1)
    fresh_scheduler = build_schedule("cosine", fresh_opt, 10, warmup_steps=2)
    loaded = load_checkpoint(tmp_path / "c.pt")
    epoch, step, restored_history = restore_checkpoint(loaded, fresh_model, fresh_opt, fresh_scheduler, None)
    assert torch.equal(torch.rand(3), expected_next)  # RNG state restored
    for (k, v), w in zip(model.state_dict().items(), fresh_model.state_dict().values(), strict=True):
        assert torch.equal(v, w), k
    assert fresh_opt.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    assert fresh_scheduler.state_dict()["last_epoch"] == 3
    assert (epoch, step, restored_history, loaded["extra"]["vocab"][2]) == (2, 3, history, "x")


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


def test_schedule_warnings_for_short_runs() -> None:
    """--limit-train shrinks the schedule with the run (it counts the steps actually taken); a
    one-cycle warmup too short to be safe, or a step schedule that never steps, is said aloud."""
    assert schedule_warning("onecycle", 640, 20, 10, 0.1) is None  # CIFAR subset default: 160 warmup steps
    short = schedule_warning("onecycle", 40, 20, 10, 0.1)  # --limit-train 256: 2 steps per epoch
    assert "in 10 steps" in short and "--schedule cosine" in short
    assert schedule_warning("cosine", 40, 20, 10, 0.1) is None
    assert "never changes" in schedule_warning("step", 400, 5, 10, 0.1)


def test_ddp_two_processes_disjoint_shards_identical_weights(root: Path, tmp_path: Path) -> None:
    """torchrun, 2 CPU processes (gloo), per-process batch 32: each process loads its own half of
    the training examples (disjoint, together all of them), both end every epoch with identical
    weights, and these equal one process with batch 64 (gradients averaged by all-reduce)."""
    args = [*mnist_args(root, tmp_path / "single"), "--model", "mlp", "--epochs", "1", "--limit-train", "256",
            "--schedule", "cosine", "--lr", "0.05"]  # fmt: skip
    single = mnist_main(args)
    ddp_args = [a if a != str(tmp_path / "single") else str(tmp_path / "ddp") for a in args]
    record = tmp_path / "record"
    record.mkdir()
    launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    driver = Path(__file__).with_name("ddp_driver.py")
    done = subprocess.run(
        [*launch, str(driver), str(record), *ddp_args],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    seen = [json.loads((record / f"seen_rank{r}.json").read_text()) for r in (0, 1)]
    assert len(seen[0]) == len(seen[1]) == 128 and not set(seen[0]) & set(seen[1])
    assert sorted(seen[0] + seen[1]) == list(range(256))
    weights = [torch.load(record / f"weights_rank{r}.pt", weights_only=True) for r in (0, 1)]
    for key in weights[0]:
        assert torch.equal(weights[0][key], weights[1][key]), key
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
