"""The learner's workspace: stubs to start from, and the record of what passed.

The workspace is a folder outside the package (default ./workspace/selfcheck, or the
MINITORCH_WORKSPACE environment variable, or --workspace). `start NAME` writes NAME.py there
with the signature, the docstring and `raise NotImplementedError`, and never overwrites a file
that exists. Each `check` records its verdict and a hash of the checked file in
.selfcheck-progress.json, so `progress` can tell done, failing, changed since the last check,
and not started, without running anything.

The record is signed: each entry carries an HMAC-SHA256 of (exercise, verdict, file hash,
"uses torch", time) under a key kept outside the workspace (`key_file()`: by default
~/.config/minitorch/selfcheck.key, created on first use, readable only by its owner; the worker
runs without the environment that names it). An entry edited by hand (a stub marked "done")
no longer verifies and shows as "unverified"; `progress --verify` goes further and grades again
every exercise it would show as done.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
import textwrap
from datetime import datetime, timezone
from pathlib import Path

from comparisons.selfcheck import i18n
from comparisons.selfcheck.exercise import DIFFICULTY, Exercise, chapter_title
from comparisons.selfcheck.i18n import t

DEFAULT_WORKSPACE = Path("workspace") / "selfcheck"
PROGRESS_FILE = ".selfcheck-progress.json"
KEY_ENV = "MINITORCH_SELFCHECK_KEY"


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
    doc = textwrap.indent(i18n.description(exercise).rstrip() + "\n", "    ")
    chapter = t("Chapter: {chapter}. Difficulty: {difficulty}.", chapter=chapter_title(exercise.chapter),
                difficulty=t(DIFFICULTY[exercise.difficulty]))
    check = t("Check it with:  python -m comparisons.selfcheck check {name}", name=exercise.name)
    return (
        f'"""Self-check: {exercise.title} / {exercise.title_zh}\n\n'
        f"{chapter}\n{check}\n"
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


def key_file() -> Path:
    """$MINITORCH_SELFCHECK_KEY, else $XDG_CONFIG_HOME/minitorch/selfcheck.key (~/.config/...)."""
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV])
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "minitorch" / "selfcheck.key"


def _key() -> bytes:
    """The signing key: read, or created once (mode 0600; a race to create it keeps the first).
    Where the key file cannot be written (a read-only home), a key for this process only: the
    checks still work, and their entries show as "unverified" to a later process."""
    path = key_file()
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_hex(32))
        return path.read_text().strip().encode()
    except OSError:
        return _PROCESS_KEY


_PROCESS_KEY = secrets.token_hex(32).encode()


def _signature(name: str, entry: dict[str, object]) -> str:
    fields = [name] + [entry.get(key) for key in ("status", "sha256", "uses_torch", "checked_at")]
    return hmac.new(_key(), json.dumps(fields).encode(), hashlib.sha256).hexdigest()


def verified(name: str, entry: object) -> bool:
    """Whether a record entry is as `record` wrote it (not edited, not copied from another)."""
    return isinstance(entry, dict) and isinstance(entry.get("mac"), str) and hmac.compare_digest(
        entry["mac"], _signature(name, entry))


def load_progress(workspace: Path) -> dict[str, dict[str, object]]:
    path = workspace / PROGRESS_FILE
    if not path.exists():
        return {}
    try:
        progress = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, OSError, UnicodeDecodeError):
        return {}  # a damaged record only loses the history, never the learner's code
    return progress if isinstance(progress, dict) else {}


def record(workspace: Path, name: str, status: str, sha256: str, uses_torch: bool = False) -> None:
    """Remember the verdict of a check and the hash of the file it checked, signed."""
    progress = load_progress(workspace)
    entry: dict[str, object] = {"status": status, "sha256": sha256, "uses_torch": uses_torch,
                                "checked_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    entry["mac"] = _signature(name, entry)
    progress[name] = entry
    write_atomically(workspace / PROGRESS_FILE, json.dumps(progress, indent=1, sort_keys=True) + "\n")


def status_of(workspace: Path, exercise: Exercise, progress: dict[str, dict[str, object]]) -> str:
    """done / failing / not started / changed (edited since its last check) / unchecked /
    unverified (the record's entry was edited)."""
    path = learner_file(workspace, exercise)
    if not path.exists():
        return "not started"
    entry = progress.get(exercise.name)
    if entry is None:
        return "unchecked"
    if not verified(exercise.name, entry):
        return "unverified"
    if entry["sha256"] != file_hash(path):
        return "changed"
    return {"done": "done", "failing": "failing"}.get(str(entry["status"]), "not started")
