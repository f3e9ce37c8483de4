"""The projects' command lines: --help shows every default, the README's defaults table agrees
with the code, and --wandb records the run offline."""

from __future__ import annotations

import argparse
import json
import re
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from projects.cifar10.__main__ import parser as cifar_parser
from projects.mnist.__main__ import main as mnist_main
from projects.mnist.__main__ import parser as mnist_parser
from projects.sentiment.__main__ import parser as sentiment_parser

PARSERS = {"mnist": mnist_parser, "cifar10": cifar_parser, "sentiment": sentiment_parser}
README = Path(__file__).resolve().parents[2] / "projects" / "README.md"


def options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.option_strings and a.dest != "help"]


@pytest.mark.parametrize("project", PARSERS)
def test_help_shows_every_default(project: str) -> None:
    parser = PARSERS[project]()
    text = " ".join(parser.format_help().split())
    for action in options(parser):
        assert action.help, f"{action.option_strings[0]} has no help, so --help hides its default"
        # ArgumentDefaultsHelpFormatter appends the default to every flag that has a help text
        assert f"(default: {action.default})" in text, action.option_strings[0]


@pytest.mark.parametrize("project", PARSERS)
@pytest.mark.parametrize("flag", ["--limit-train", "--limit-eval", "--epochs", "--batch-size"])
@pytest.mark.parametrize("value", ["0", "-3"])
def test_counts_must_be_positive(
    project: str, flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # a zero count used to reach the loop and end in a ZeroDivisionError traceback
    with pytest.raises(SystemExit) as exit_info:
        PARSERS[project]().parse_args([flag, value])
    assert exit_info.value.code == 2
    assert f"argument {flag}: must be a positive integer, got {value}" in capsys.readouterr().err


def readme_defaults() -> dict[str, dict[str, str]]:
    """``{flag: {project: cell}}`` from the table under ``## Defaults``."""
    section = README.read_text(encoding="utf-8").split("## Defaults", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `--")]
    projects = [c.strip() for c in section.split("| flag |", 1)[1].splitlines()[0].split("|")[:-1]]
    table = {}
    for row in rows:
        flag, *cells = (c.strip() for c in row.strip("|").split("|"))
        table[flag.strip("`")] = dict(zip(projects, cells, strict=True))
    return table


def test_readme_defaults_table_matches_the_code() -> None:
    """A default that depends on --dataset (sentiment's DATASET_DEFAULTS) reads ``sst2 8, ...``."""
    table = readme_defaults()
    assert {"--epochs", "--lr", "--schedule", "--batch-size"} <= set(table)
    for flag, cells in table.items():
        for project, cell in cells.items():
            (action,) = [a for a in options(PARSERS[project]()) if flag in a.option_strings]
            by_dataset = getattr(sys.modules[PARSERS[project].__module__], "DATASET_DEFAULTS", {})
            if action.default is None and any(action.dest in d for d in by_dataset.values()):
                expected = ", ".join(f"{name} {d[action.dest]}" for name, d in by_dataset.items())
                assert cell == expected, (flag, project, cell, expected)
            elif isinstance(action.default, (int, float)) and not isinstance(action.default, bool):
                assert float(cell) == action.default, (flag, project, cell, action.default)
            else:
                assert cell == str(action.default), (flag, project, cell, action.default)


def test_docstrings_state_no_other_epoch_default() -> None:
    """The default epoch count is stated once (the table); a usage line never contradicts it."""
    for project, parser in PARSERS.items():
        epochs = parser().get_default("epochs")
        source = (README.parent / project / "__main__.py").read_text(encoding="utf-8")
        stated = {int(n) for n in re.findall(r"--epochs (\d+)", source)}
        assert stated <= {epochs}, (project, stated, epochs)


def wandb_records(path: Path) -> Iterator[Any]:
    """The records of an offline ``run-*.wandb`` file: a LevelDB-style log (a 7-byte file header,
    32 KiB blocks of chunks with a ``<crc32, length, type>`` header) of protobuf ``Record``s."""
    from wandb.proto import wandb_internal_pb2

    data = path.read_bytes()
    assert data[:4] == b":W&B"
    pos, chunks = 7, b""
    while pos + 7 <= len(data):
        left = 32768 - pos % 32768
        _crc, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        if left < 7 or (length, kind) == (0, 0):  # block trailer / padding
            pos += left
            continue
        chunks += data[pos + 7 : pos + 7 + length]
        pos += 7 + length
        if kind in (1, 4):  # a FULL record, or the LAST chunk of one
            record = wandb_internal_pb2.Record()
            record.ParseFromString(chunks)
            chunks = b""
            yield record


def history_row(history: Any) -> dict[str, Any]:
    """One ``run.log`` call: ``{key: value}``, media as ``{key: {"_type": ..., "path": ...}}``."""
    row: dict[str, Any] = {}
    for item in history.item:
        *parents, key = list(item.nested_key) or [item.key]
        target = row
        for parent in parents:
            target = target.setdefault(parent, {})
        target[key] = json.loads(item.value_json)
    return row


def test_wandb_offline_run_logs_what_tensorboard_logs(root: Path, tmp_path: Path) -> None:
    """--wandb without WANDB_MODE: an offline run in <run>/wandb with the flags as config, the
    same epoch and step scalars as TensorBoard, on the same axes, and the sample-image grid."""
    pytest.importorskip("wandb")
    out = tmp_path / "run"
    metrics = mnist_main([
        "--data-root", str(root), "--out", str(out), "--limit-train", "128", "--limit-eval", "64",
        "--batch-size", "64", "--epochs", "2", "--model", "mlp", "--schedule", "cosine", "--no-download",
        "--no-progress", "--threads", "1", "--log-every", "1", "--wandb",
    ])  # fmt: skip
    (run_file,) = (out / "wandb").glob("offline-run-*/run-*.wandb")  # what `wandb sync` uploads
    records = list(wandb_records(run_file))
    (run,) = [r.run for r in records if r.WhichOneof("record_type") == "run"]
    config = {u.key: json.loads(u.value_json) for u in run.config.update}
    assert config["lr"] == 0.1 and config["model"] == "mlp" and config["wandb"] is True
    rows = [history_row(r.history) for r in records if r.WhichOneof("record_type") == "history"]
    epochs = [(row["epoch"], row["epoch/val_accuracy"]) for row in rows if "epoch/val_accuracy" in row]
    assert epochs == [(h["epoch"], pytest.approx(h["val_accuracy"])) for h in metrics["history"]]
    assert [row["step"] for row in rows if "train/loss_step" in row] == [1, 2, 3, 4]
    (image,) = [row["samples/eval_inputs"] for row in rows if "samples/eval_inputs" in row]
    assert image["_type"] == "image-file" and (run_file.parent / "files" / image["path"]).is_file()
    assert any(key.startswith("weights/fc") or key.startswith("weights/1.") for row in rows for key in row)
