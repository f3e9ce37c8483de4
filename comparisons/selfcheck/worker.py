"""Run a learner's function on the grader's inputs, in its own process, with nothing else in reach.

The grader copies this file into a fresh job folder and starts
`python -I JOB/worker.py LEARNER_FILE FUNCTION JOB MEMORY_LIMIT [MESSAGES_JSON]`. The worker imports only the
standard library and NumPy, never the grader: it receives the cases' inputs in `JOB/inputs.*`,
calls the learner's function on each, and writes what came back (or what went wrong) to
`JOB/outputs.*`. The expected outputs and the reference solutions stay in the grading process.

Before the learner's file is loaded, the worker
- limits its own memory to MEMORY_LIMIT bytes (RLIMIT_DATA on Linux, RLIMIT_AS elsewhere;
  inherited by any process it starts), so a huge allocation is the learner's MemoryError;
- takes this project's packages off the import path (`-I` already leaves out PYTHONPATH and
  the current folder; an editable install's finder and any sys.path entry holding them are
  removed) and refuses to import them: the grader, the exercises and the solutions
  (`comparisons`), the library (`minitorch`) and the rest of the repository.
It notes whether the attempt imported torch (allowed, but flagged as "uses torch").

Whatever the learner's code does (raise, print, return odd objects, loop forever, start
processes), the checker process is untouched: it only reads the output files, and ends the
worker and everything it started when the check ends.

Values cross the process boundary without pickle: a JSON tree whose arrays are stored in an
`.npz` (`allow_pickle=False`). Tuples, lists, dicts with string keys, numbers, strings, None and
arrays of numbers travel; anything else arrives as {"unsupported": type name}.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

try:  # POSIX
    import resource
except ImportError:  # Windows: no memory limit
    resource = None  # type: ignore[assignment]

import numpy as np

Tree = Any
PROJECT_PACKAGES = ("comparisons", "minitorch", "kernels", "projects", "benchmarks", "tests")
MAX_TEXT = 4000  # characters of an exception message or traceback sent back (start and end)
# The worker's own messages; the grader passes them in the learner's language.
MESSAGES = {
    "blocked": "the self-check runs your code on its own: `import {name}` is not available here "
               "(the grader, the library and its solutions stay out of reach). Use NumPy.",
    "cut": "[... {count} characters cut ...]",
}


def encode(value: Any, arrays: dict[str, np.ndarray]) -> Tree:
    """`value` as a JSON-able tree; arrays go into `arrays` under generated keys."""
    if isinstance(value, np.ndarray | np.generic):
        array = np.asarray(value)
        if array.dtype.hasobject:
            return {"unsupported": "np.ndarray of Python objects (dtype=object)"}
        key = f"a{len(arrays)}"
        arrays[key] = array
        return {"array": key}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple):
        return {"tuple": [encode(v, arrays) for v in value]}
    if isinstance(value, list):
        return [encode(v, arrays) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: encode(v, arrays) for k, v in value.items()}}
    return {"unsupported": clip_text(type(value).__name__, 100)}


class Unsupported:
    """A value the worker could not send back; `type_name` says what it was."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


def decode(tree: Tree, arrays: Any) -> Any:
    """The inverse of `encode` (unsupported values become `Unsupported`)."""
    if isinstance(tree, list):
        return [decode(v, arrays) for v in tree]
    if isinstance(tree, dict):
        if "array" in tree:
            return np.array(arrays[tree["array"]])
        if "tuple" in tree:
            return tuple(decode(v, arrays) for v in tree["tuple"])
        if "dict" in tree:
            return {k: decode(v, arrays) for k, v in tree["dict"].items()}
        return Unsupported(tree["unsupported"])
    return tree


def save(path_stem: Path, value: Any) -> None:
    """Write `value` as `<stem>.json` + `<stem>.npz`, each atomically."""
    arrays: dict[str, np.ndarray] = {}
    tree = encode(value, arrays)
    for suffix, write in ((".npz", lambda f: np.savez(f, **arrays)),
                          (".json", lambda f: f.write(json.dumps(tree).encode()))):
        with tempfile.NamedTemporaryFile(dir=path_stem.parent, delete=False, suffix=".tmp") as f:
            write(f)
        os.replace(f.name, path_stem.with_suffix(suffix))


def load(path_stem: Path) -> Any:
    tree = json.loads(path_stem.with_suffix(".json").read_text())
    with np.load(path_stem.with_suffix(".npz"), allow_pickle=False) as arrays:
        return decode(tree, arrays)


def clip_text(text: str, limit: int = MAX_TEXT) -> str:
    """`text` cut to about `limit` characters, keeping its start and end."""
    if len(text) <= limit:
        return text
    half = limit // 2
    marker = MESSAGES["cut"].format(count=f"{len(text) - 2 * half:,}")
    return f"{text[:half]}\n{marker}\n{text[-half:]}"


def learner_traceback(err: BaseException, learner_file: Path) -> str:
    """The exception with only the learner's own frames (none of the worker's or NumPy's)."""
    frames = [f for f in traceback.extract_tb(err.__traceback__) if Path(f.filename) == learner_file]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(err), err)
    return clip_text("".join(lines).rstrip())


def _raised(err: BaseException, learner_file: Path) -> dict[str, Any]:
    return {"raised": learner_traceback(err, learner_file), "memory": isinstance(err, MemoryError)}


def run(learner_file: Path, function: str, job: Path) -> dict[str, Any]:
    """Load the learner's module and call `function` on each case; never raises. A failure of
    the whole attempt is {"error": {"kind": ..., details}}, for the grader to word."""
    sys.path.insert(0, str(learner_file.parent))
    spec = importlib.util.spec_from_file_location(f"selfcheck_{function}", learner_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as err:
        return {"error": {"kind": "syntax", "file": learner_file.name, "line": err.lineno,
                          "message": clip_text(str(err.msg), 500),
                          "text": clip_text(err.text.rstrip(), 500) if err.text else ""}}
    except BaseException as err:  # noqa: BLE001 (anything the learner's module does at import)
        return {"error": {"kind": "import", **_raised(err, learner_file)}}
    fn = getattr(module, function, None)
    if not callable(fn):
        return {"error": {"kind": "missing", "file": learner_file.name, "function": function}}
    cases = load(job / "inputs")
    results: list[Any] = []
    for index, args in enumerate(cases):
        (job / "progress").write_text(str(index))
        try:
            results.append({"value": fn(*args)})
        except NotImplementedError:
            results.append({"not_implemented": True})
        except Exception as err:  # noqa: BLE001 (the learner's code may raise anything)
            results.append(_raised(err, learner_file))
    return {"results": results}


class _ProjectImportBlocker(importlib.abc.MetaPathFinder):
    """Refuses the project's own packages: the attempt runs without the grader and solutions."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        top = name.partition(".")[0]
        if top in PROJECT_PACKAGES:
            raise ModuleNotFoundError(MESSAGES["blocked"].format(name=top), name=name)
        return None


def isolate_imports() -> None:
    """Take the project's packages off sys.path and sys.meta_path, then block them."""
    def holds_project(entry: str) -> bool:
        return any(os.path.isfile(os.path.join(entry or ".", pkg, "__init__.py")) for pkg in PROJECT_PACKAGES)

    sys.path[:] = [entry for entry in sys.path if not holds_project(entry)]

    def finds_project(finder: Any) -> bool:
        if finder is importlib.machinery.PathFinder or not hasattr(finder, "find_spec"):
            return False
        try:
            return any(finder.find_spec(pkg, None) is not None for pkg in PROJECT_PACKAGES)
        except Exception:  # noqa: BLE001 (a finder that cannot answer finds nothing of ours)
            return False

    sys.meta_path[:] = [_ProjectImportBlocker()] + [f for f in sys.meta_path if not finds_project(f)]
    for name in list(sys.modules):
        if name.partition(".")[0] in PROJECT_PACKAGES or name.startswith("__editable__"):
            del sys.modules[name]


def limit_memory(limit: int) -> None:
    """At most `limit` bytes of memory for this process (and each process it starts)."""
    if resource is None:
        return
    kind = resource.RLIMIT_DATA if sys.platform.startswith("linux") else resource.RLIMIT_AS
    hard = resource.getrlimit(kind)[1]
    limit = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(kind, (limit, limit))


def main(argv: list[str]) -> None:
    learner_file, function, job, memory = Path(argv[0]).resolve(), argv[1], Path(argv[2]), int(argv[3])
    MESSAGES.update(json.loads(argv[4]) if len(argv) > 4 else {})
    limit_memory(memory)
    isolate_imports()
    sys.stdout = sys.stderr  # one stream, in the order written, for the grader to show
    outcome = run(learner_file, function, job)
    outcome["uses_torch"] = "torch" in sys.modules
    save(job / "outputs", outcome)


if __name__ == "__main__":
    main(sys.argv[1:])
