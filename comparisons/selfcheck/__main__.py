"""`python -m comparisons.selfcheck`: the self-check workflow.

  list                  the exercises by chapter, with difficulty
  show NAME             print an exercise's signature and docstring
  start NAME            copy the stub into the workspace (never overwrites an existing file)
  check NAME [NAME...]  grade your files against PyTorch;  check --all: every started one
  progress              done / failing / not started, by chapter (--verify: grade the done ones again)

The workspace is ./workspace/selfcheck unless --workspace or MINITORCH_WORKSPACE says
otherwise. `check` exits 1 when a check fails. --lang zh (or a zh locale, LANG=zh_CN.UTF-8)
shows the titles, descriptions, hints and messages in Chinese.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

from comparisons.selfcheck import i18n
from comparisons.selfcheck import workspace as ws
from comparisons.selfcheck.exercise import (
    CHAPTERS,
    DIFFICULTY,
    Exercise,
    all_exercises,
    chapter_title,
    get_exercise,
)
from comparisons.selfcheck.grader import (
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_TIME_LIMIT,
    MIN_MEMORY_LIMIT,
    Limits,
    check_file,
    format_bytes,
)
from comparisons.selfcheck.i18n import t


def positive_seconds(text: str) -> float:
    """argparse type of --time-limit: a positive finite number."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(t("expected a positive finite number of seconds, got {text!r}",
                                           text=text))
    return value


_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def memory_size(text: str) -> int:
    """argparse type of --memory-limit: "4G", "512M", "1.5g", "2GiB", or bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", text.lower())
    value = int(float(match.group(1)) * _UNITS[match.group(2)]) if match else 0
    if value < MIN_MEMORY_LIMIT:
        raise argparse.ArgumentTypeError(t(
            "expected a size of at least {least} such as 4G or 512M, got {text!r}",
            least=format_bytes(MIN_MEMORY_LIMIT), text=text))
    return value


def _by_chapter(exercises: list[Exercise]) -> dict[str, list[Exercise]]:
    groups: dict[str, list[Exercise]] = {key: [] for key in CHAPTERS}
    for exercise in exercises:
        groups[exercise.chapter].append(exercise)
    return {key: group for key, group in groups.items() if group}


def _difficulty(exercise: Exercise) -> str:
    return t(DIFFICULTY[exercise.difficulty])


def cmd_list() -> int:
    exercises = all_exercises()
    width = max(len(e.name) for e in exercises)
    for key, group in _by_chapter(exercises).items():
        print(chapter_title(key))
        for e in group:
            print(f"  {e.name:<{width}}  {_difficulty(e):<6}  {e.title} / {e.title_zh}")
    print("\n" + t("{count} exercises. Start one with: python -m comparisons.selfcheck start NAME",
                   count=len(exercises)))
    return 0


def cmd_show(name: str) -> int:
    e = get_exercise(name)
    print(f"{i18n.title(e)}")
    print(t("Chapter: {chapter}. Difficulty: {difficulty}.", chapter=chapter_title(e.chapter),
            difficulty=_difficulty(e)) + "\n")
    print(f"{ws.def_line(e.signature)}\n")
    print(i18n.description(e).rstrip())
    return 0


def cmd_start(workspace: Path, name: str) -> int:
    path, written = ws.start(workspace, get_exercise(name))
    if written:
        print(t("wrote {path}\n"
                "Implement the function, then run: python -m comparisons.selfcheck check {name}",
                path=path, name=name))
    else:
        print(t("{path} already exists: not overwritten (your work is kept). "
                "Delete or rename it yourself to start over.", path=path))
    return 0


def check_and_record(workspace: Path, exercise: Exercise, limits: Limits) -> bool:
    """Grade one file, print the verdict, sign it into the record; True if it passed."""
    path = ws.learner_file(workspace, exercise)
    digest = ws.file_hash(path)  # of the version checked, even if it is edited meanwhile
    report = check_file(exercise, path, limits)
    ws.record(workspace, exercise.name, report.status, digest, report.uses_torch)
    print(report.text())
    return report.passed


def cmd_check(workspace: Path, names: list[str], check_all: bool, limits: Limits) -> int:
    if check_all:
        chosen = [e for e in all_exercises() if ws.learner_file(workspace, e).exists()]
        if not chosen:
            print(t("nothing started in {workspace}: begin with `start NAME` (see `list`)",
                    workspace=workspace))
            return 0
    elif names:
        chosen = [get_exercise(n) for n in names]
    else:
        print(t("check: name one or more exercises, or pass --all"), file=sys.stderr)
        return 2
    passed = 0
    for exercise in chosen:
        path = ws.learner_file(workspace, exercise)
        if not path.exists():
            print(t("MISS {name}: {path} does not exist; run `start {name}` first",
                    name=exercise.name, path=path))
            continue
        passed += check_and_record(workspace, exercise, limits)
    if len(chosen) > 1:
        print("\n" + t("{passed} of {total} passed. `progress` shows the whole list.",
                       passed=passed, total=len(chosen)))
    return 0 if passed == len(chosen) else 1


_BUCKET = {"done": "done", "failing": "failing", "changed": "to check", "unchecked": "to check",
           "unverified": "to check", "not started": "not started"}


def progress_table(workspace: Path) -> str:
    """One line per exercise grouped by chapter, each chapter with its counts, and a total."""
    progress = ws.load_progress(workspace)
    exercises = all_exercises()
    width = max(len(e.name) for e in exercises)
    lines, totals = [], dict.fromkeys(("done", "failing", "to check", "not started"), 0)
    for key, group in _by_chapter(exercises).items():
        statuses = [ws.status_of(workspace, e, progress) for e in group]
        lines.append(t("{chapter}: {done}/{total} done", chapter=chapter_title(key),
                       done=statuses.count("done"), total=len(group)))
        for e, status in zip(group, statuses, strict=True):
            flag = " " + t("(uses torch)") if status == "done" and progress[e.name].get("uses_torch") else ""
            lines.append(f"  {e.name:<{width}}  {_difficulty(e):<6}  {t(status)}{flag}")
            totals[_BUCKET[status]] += 1
    counts = t(", ").join(t("{count} " + bucket, count=n) for bucket, n in totals.items())
    lines.append("\n" + t("Total: {counts}, of {total}", counts=counts, total=len(exercises)))
    return "\n".join(lines)


def cmd_progress(workspace: Path, verify: bool, limits: Limits) -> int:
    if verify:  # grade again every exercise the record would show as done
        progress = ws.load_progress(workspace)
        for exercise in all_exercises():
            if ws.status_of(workspace, exercise, progress) == "done":
                check_and_record(workspace, exercise, limits)
        print()
    print(progress_table(workspace))
    return 0


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m comparisons.selfcheck",
                                     description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.split("\n")[2:]))
    parser.add_argument("--workspace", help="folder for your files (default ./workspace/selfcheck "
                        "or $MINITORCH_WORKSPACE)")
    parser.add_argument("--lang", choices=i18n.LANGUAGES,
                        help="language of titles, descriptions, hints and messages (default: from "
                             "the locale, LANGUAGE/LC_ALL/LC_MESSAGES/LANG; English unless it is zh)")
    limits = argparse.ArgumentParser(add_help=False)
    limits.add_argument("--time-limit", type=positive_seconds, default=DEFAULT_TIME_LIMIT, metavar="SECONDS",
                        help=f"seconds per exercise (default {DEFAULT_TIME_LIMIT:g})")
    limits.add_argument("--memory-limit", type=memory_size, default=DEFAULT_MEMORY_LIMIT, metavar="SIZE",
                        help="memory for your code, e.g. 2G or 512M "
                             f"(default {format_bytes(DEFAULT_MEMORY_LIMIT)})")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="exercises by chapter")
    commands.add_parser("show", help="print an exercise's docstring").add_argument("name")
    commands.add_parser("start", help="copy an exercise's stub into the workspace").add_argument("name")
    check = commands.add_parser("check", parents=[limits], help="grade your implementation against PyTorch")
    check.add_argument("names", nargs="*")
    check.add_argument("--all", action="store_true", help="check every exercise you started")
    progress = commands.add_parser("progress", parents=[limits],
                                   help="done / failing / not started, by chapter")
    progress.add_argument("--verify", action="store_true", help="grade again every exercise shown as done")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    i18n.use(args.lang)
    workspace = ws.workspace_dir(args.workspace)
    try:
        if args.command == "list":
            return cmd_list()
        if args.command == "show":
            return cmd_show(args.name)
        if args.command == "start":
            return cmd_start(workspace, args.name)
        limits = Limits(args.time_limit, args.memory_limit)
        if args.command == "check":
            return cmd_check(workspace, args.names, args.all, limits)
        return cmd_progress(workspace, args.verify, limits)
    except KeyError as err:
        print(err.args[0], file=sys.stderr)
        return 2
    finally:
        i18n.use(None)


if __name__ == "__main__":
    sys.exit(main())
