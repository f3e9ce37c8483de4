"""The learner's workspace: stubs to start from, and the record of what passed.

The workspace is a folder outside the package (default ./workspace/selfcheck, or the
MINITORCH_WORKSPACE environment variable, or --workspace). `start NAME` writes NAME.py there
with the signature, the docstring and `raise NotImplementedError`, and never overwrites a file
that exists. Each `check` records its verdict and a hash of the checked file in
.selfcheck-progress.json, so `progress` can tell done, failing, changed since the last check,
and not started, without running anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import textwrap
from datetime import datetime, timezone
from pathlib import Path

from comparisons.selfcheck.exercise import DIFFICULTY, Exercise, chapter_title

DEFAULT_WORKSPACE = Path("workspace") / "selfcheck"
PROGRESS_FILE = ".selfcheck-progress.json"


def workspace_dir(override: str | Path | None = None) -> Path:
    """--workspace, else $MINITORCH_WORKSPACE, else ./workspace/selfcheck."""
    chosen = override or os.environ.get("MINITORCH_WORKSPACE") or DEFAULT_WORKSPACE
    return Path(chosen)


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp",
                                     encoding="utf-8") as f:
        f.write(text)
    os.replace(f.name, path)


def def_line(signature: str, width: int = 100) -> str:
    """`def name(params) -> ret:`, with one parameter per line when it would be wider than `width`."""
    line = f"def {signature}:"
    if len(line) <= width:
        return line
    name, rest = signature.split("(", 1)
    params, returns = rest.rsplit(") -> ", 1)
    parts, depth, current = [], 0, ""
    for char in params:  # split at the commas outside brackets
        depth += (char in "([") - (char in ")]")
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    body = "".join(f"    {p},\n" for p in parts)
    return f"def {name}(\n{body}) -> {returns}:"


def stub_text(exercise: Exercise) -> str:
    """The file a learner starts from: header, imports, signature, docstring, NotImplementedError."""
    doc = textwrap.indent(exercise.doc.rstrip() + "\n", "    ")
    return (
        f'"""Self-check: {exercise.title} / {exercise.title_zh}\n\n'
        f"Chapter: {chapter_title(exercise.chapter)}. Difficulty: {DIFFICULTY[exercise.difficulty]}.\n"
        f"Check it with:  python -m comparisons.selfcheck check {exercise.name}\n"
        f'"""\n\n'
        f"import numpy as np\n\n\n"
        f"{def_line(exercise.signature)}\n"
        f'    """{doc.lstrip()}    """\n'
        f"    raise NotImplementedError\n"
    )


def learner_file(workspace: Path, exercise: Exercise) -> Path:
    return workspace / f"{exercise.name}.py"


def start(workspace: Path, exercise: Exercise) -> tuple[Path, bool]:
    """Write the stub unless the file exists; returns (path, whether it was written).

    The stub is written to a temporary file and hard-linked into place: the link fails if the
    name exists, so even two `start`s at once never overwrite a file, and nobody ever sees a
    half-written stub.
    """
    path = learner_file(workspace, exercise)
    workspace.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=workspace, delete=False, suffix=".tmp", encoding="utf-8") as f:
        f.write(stub_text(exercise))
    try:
        os.link(f.name, path)
    except FileExistsError:
        return path, False
    finally:
        os.unlink(f.name)
    return path, True


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_progress(workspace: Path) -> dict[str, dict[str, str]]:
    path = workspace / PROGRESS_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, OSError):
        return {}  # a damaged record only loses the history, never the learner's code


def record(workspace: Path, name: str, status: str, sha256: str) -> None:
    """Remember the verdict of a check and the hash of the file it checked."""
    progress = load_progress(workspace)
    progress[name] = {"status": status, "sha256": sha256,
                      "checked_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    write_atomically(workspace / PROGRESS_FILE, json.dumps(progress, indent=1, sort_keys=True) + "\n")


def status_of(workspace: Path, exercise: Exercise, progress: dict[str, dict[str, str]]) -> str:
    """done / failing / not started / changed (edited since its last check) / unchecked."""
    path = learner_file(workspace, exercise)
    if not path.exists():
        return "not started"
    entry = progress.get(exercise.name)
    if entry is None:
        return "unchecked"
    if entry["sha256"] != file_hash(path):
        return "changed"
    return {"done": "done", "failing": "failing"}.get(entry["status"], "not started")
