"""What an attempt printed, kept bounded: the start and the end of the stream, and how much was cut.

An attempt may print megabytes (a debugging print in a loop, an array printed whole). The grader
reads the worker's output pipe to its end in a thread, so the worker never blocks on a full pipe,
but keeps only the first and the last `KEEP_BYTES` bytes and counts the rest; what is shown is at
most `KEEP_LINES` lines from each end, with a line saying how many bytes were cut between them.
"""

from __future__ import annotations

import os
import threading
from typing import IO

from comparisons.selfcheck.i18n import t

KEEP_BYTES = 2048  # from each end of the stream: at most 4 KB shown
KEEP_LINES = 20  # from each end


class BoundedOutput:
    """Drains `pipe` in a background thread, keeping its first and last KEEP_BYTES bytes."""

    def __init__(self, pipe: IO[bytes]) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0
        self._pipe = pipe
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        fd = self._pipe.fileno()
        while chunk := os.read(fd, 1 << 16):
            self.total += len(chunk)
            room = KEEP_BYTES - len(self.head)
            self.head += chunk[:room]
            self.tail += chunk[room:] if room > 0 else chunk
            del self.tail[:-KEEP_BYTES]

    def text(self, wait: float = 2.0) -> str:
        """The clipped output, once the stream has ended (or after `wait` seconds, if a process
        outside the grader's reach still holds it open)."""
        self._thread.join(wait)
        return clip(bytes(self.head), bytes(self.tail), self.total)


def clip(head: bytes, tail: bytes, total: int) -> str:
    """The first KEEP_LINES lines of `head` and the last KEEP_LINES of `tail` (the stream's two
    ends, `total` bytes in all), with a line that says how many bytes were left out."""
    if total <= len(head) + len(tail):  # nothing was dropped between head and tail
        lines = (head + tail).decode(errors="replace").splitlines(keepends=True)
        first, last = (lines, []) if len(lines) <= 2 * KEEP_LINES else (lines[:KEEP_LINES],
                                                                         lines[-KEEP_LINES:])
    else:
        first = head.decode(errors="replace").splitlines(keepends=True)[:KEEP_LINES]
        last = tail.decode(errors="replace").splitlines(keepends=True)[-KEEP_LINES:]
    shown = "".join(first).encode(errors="replace"), "".join(last).encode(errors="replace")
    cut = total - len(shown[0]) - len(shown[1])
    if cut <= 0:
        return "".join(first + last).rstrip()
    marker = t("[... {cut} bytes of output cut ({total} in all) ...]", cut=f"{cut:,}", total=f"{total:,}")
    return ("".join(first).rstrip("\n") + "\n" + marker + "\n" + "".join(last)).rstrip()
