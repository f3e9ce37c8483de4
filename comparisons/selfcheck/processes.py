"""Every process an attempt starts ends with its check, in whatever session or group it hides.

Killing the worker's process group is not enough: a child that calls `setsid()` (or
double-forks, as a daemon does) leaves the group, and when its parent dies it is re-parented to
init and keeps running. On Linux the grader therefore makes itself a *child subreaper*
(`prctl(PR_SET_CHILD_SUBREAPER)`): a process whose parent dies is re-parented to the nearest
subreaper ancestor instead of init, so everything the attempt starts stays a descendant of the
grader until it ends. After the check, `end_new_descendants` walks the process tree in /proc
and kills every descendant that did not exist before the check (repeating until none is left,
since a dying process's children re-parent to the grader), then reaps them.

Elsewhere (no prctl, no /proc) only the worker's process group is killed.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36  # from <linux/prctl.h>
_PROC = Path("/proc")


def become_subreaper() -> bool:
    """Make this process the subreaper of its descendants (Linux); True if it worked."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def _process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state letter) for every process /proc shows."""
    table = {}
    for entry in _PROC.iterdir() if _PROC.is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it ended while we looked
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (command name) "
        table[int(entry.name)] = (int(fields[1]), fields[0])
    return table


def descendants(root: int | None = None) -> dict[int, tuple[int, str]]:
    """The processes below `root` (default: this one), pid -> (parent pid, state)."""
    table = _process_table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found, todo = {}, list(children.get(os.getpid() if root is None else root, []))
    while todo:
        pid = todo.pop()
        if pid not in found:
            found[pid] = table[pid]
            todo += children.get(pid, [])
    return found


def kill_group(pid: int) -> None:
    """Kill the process group led by `pid` (the worker's session), where the OS has groups."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL) if hasattr(os, "killpg") else os.kill(pid, signal.SIGKILL)


def end_new_descendants(existing: set[int], rounds: int = 200) -> None:
    """Kill and reap every descendant of this process not in `existing` (those that were there
    before the check). Call it after the worker itself was waited for."""
    me = os.getpid()
    for _ in range(rounds):
        new = {pid: info for pid, info in descendants().items() if pid not in existing}
        if not new:
            return
        for pid, (parent, state) in new.items():
            if state != "Z":
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            if parent == me:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
        time.sleep(0.005)
