"""`python -m comparisons.selfcheck`: the self-check workflow.

  list                  the exercises by chapter, with difficulty
  show NAME             print an exercise's signature and docstring
  start NAME            copy the stub into the workspace (never overwrites an existing file)
  check NAME [NAME...]  grade your files against PyTorch;  check --all: every started one
  progress              done / failing / not started, by chapter

The workspace is ./workspace/selfcheck unless --workspace or MINITORCH_WORKSPACE says
otherwise. `check` exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from comparisons.selfcheck import workspace as ws
from comparisons.selfcheck.exercise import (
    CHAPTERS,
    DIFFICULTY,
    Exercise,
    all_exercises,
    chapter_title,
    get_exercise,
)
from comparisons.selfcheck.grader import DEFAULT_TIME_LIMIT, check_file


def _by_chapter(exercises: list[Exercise]) -> dict[str, list[Exercise]]:
    groups: dict[str, list[Exercise]] = {key: [] for key in CHAPTERS}
    for exercise in exercises:
        groups[exercise.chapter].append(exercise)
    return {key: group for key, group in groups.items() if group}


def cmd_list() -> int:
    exercises = all_exercises()
    width = max(len(e.name) for e in exercises)
    for key, group in _by_chapter(exercises).items():
        print(chapter_title(key))
        for e in group:
            print(f"  {e.name:<{width}}  {DIFFICULTY[e.difficulty]:<6}  {e.title} / {e.title_zh}")
    print(f"\n{len(exercises)} exercises. Start one with: python -m comparisons.selfcheck start NAME")
    return 0


def cmd_show(name: str) -> int:
    e = get_exercise(name)
    print(f"{e.title} / {e.title_zh}")
    print(f"Chapter: {chapter_title(e.chapter)}. Difficulty: {DIFFICULTY[e.difficulty]}.\n")
    print(f"{ws.def_line(e.signature)}\n")
    print(e.doc.rstrip())
    return 0


def cmd_start(workspace: Path, name: str) -> int:
    path, written = ws.start(workspace, get_exercise(name))
    if written:
        print(f"wrote {path}\nImplement the function, then run: python -m comparisons.selfcheck check {name}")
    else:
        print(f"{path} already exists: not overwritten (your work is kept). "
              f"Delete or rename it yourself to start over.")
    return 0


def cmd_check(workspace: Path, names: list[str], check_all: bool, time_limit: float) -> int:
    if check_all:
        chosen = [e for e in all_exercises() if ws.learner_file(workspace, e).exists()]
        if not chosen:
            print(f"nothing started in {workspace}: begin with `start NAME` (see `list`)")
            return 0
    elif names:
        chosen = [get_exercise(n) for n in names]
    else:
        print("check: name one or more exercises, or pass --all", file=sys.stderr)
        return 2
    passed = 0
    for exercise in chosen:
        path = ws.learner_file(workspace, exercise)
        if not path.exists():
            print(f"MISS {exercise.name}: {path} does not exist; run `start {exercise.name}` first")
            continue
        digest = ws.file_hash(path)  # of the version checked, even if it is edited meanwhile
        report = check_file(exercise, path, time_limit)
        ws.record(workspace, exercise.name, report.status, digest)
        print(report.text())
        passed += report.passed
    if len(chosen) > 1:
        print(f"\n{passed} of {len(chosen)} passed. `progress` shows the whole list.")
    return 0 if passed == len(chosen) else 1


_BUCKET = {"done": "done", "failing": "failing", "changed": "to check", "unchecked": "to check",
           "not started": "not started"}


def progress_table(workspace: Path) -> str:
    """One line per exercise grouped by chapter, each chapter with its counts, and a total."""
    progress = ws.load_progress(workspace)
    exercises = all_exercises()
    width = max(len(e.name) for e in exercises)
    lines, totals = [], dict.fromkeys(("done", "failing", "to check", "not started"), 0)
    for key, group in _by_chapter(exercises).items():
        statuses = [ws.status_of(workspace, e, progress) for e in group]
        lines.append(f"{chapter_title(key)}: {statuses.count('done')}/{len(group)} done")
        for e, status in zip(group, statuses, strict=True):
            lines.append(f"  {e.name:<{width}}  {DIFFICULTY[e.difficulty]:<6}  {status}")
            totals[_BUCKET[status]] += 1
    lines.append("\nTotal: " + ", ".join(f"{n} {bucket}" for bucket, n in totals.items())
                 + f", of {len(exercises)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m comparisons.selfcheck",
                                     description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.split("\n")[2:]))
    parser.add_argument("--workspace", help="folder for your files (default ./workspace/selfcheck "
                        "or $MINITORCH_WORKSPACE)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="exercises by chapter")
    commands.add_parser("show", help="print an exercise's docstring").add_argument("name")
    commands.add_parser("start", help="copy an exercise's stub into the workspace").add_argument("name")
    check = commands.add_parser("check", help="grade your implementation against PyTorch")
    check.add_argument("names", nargs="*")
    check.add_argument("--all", action="store_true", help="check every exercise you started")
    check.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT,
                       help=f"seconds per exercise (default {DEFAULT_TIME_LIMIT:g})")
    commands.add_parser("progress", help="done / failing / not started, by chapter")
    args = parser.parse_args(argv)
    workspace = ws.workspace_dir(args.workspace)
    try:
        if args.command == "list":
            return cmd_list()
        if args.command == "show":
            return cmd_show(args.name)
        if args.command == "start":
            return cmd_start(workspace, args.name)
        if args.command == "check":
            return cmd_check(workspace, args.names, args.all, args.time_limit)
        print(progress_table(workspace))
        return 0
    except KeyError as err:
        print(err.args[0], file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
