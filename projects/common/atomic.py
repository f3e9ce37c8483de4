"""Atomic file writes: write a temporary file next to the target, then rename it into place, so
a crash or interruption never leaves a half-written file (``os.replace`` is atomic).

A process killed with SIGKILL between the two steps leaves its temporary file (``.NAME.*.tmp``)
behind; :func:`remove_stale_temporaries` clears them when the next run starts.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o644  # readable by the group and others, like a file written with open()


@contextmanager
def atomic_write(path: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """``with atomic_write(p) as f: ...`` writes ``f`` to ``p`` only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as f:
            yield f
        os.chmod(tmp, FILE_MODE)  # mkstemp creates the file 0600
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete the temporary files a killed :func:`atomic_write` left in ``folder`` (recursively)."""
    stale = sorted(folder.rglob(".*.tmp")) if folder.is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)  # under torchrun every process clears the same folder
    return stale
