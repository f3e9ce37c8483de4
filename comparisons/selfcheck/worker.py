"""Run a learner's function on the grader's inputs, in its own process.

The checker starts `python worker.py LEARNER_FILE FUNCTION JOB_DIR`. The worker imports only
the standard library and NumPy (never the grader or torch), loads the learner's file, calls the
function on every case in `JOB_DIR/inputs.*`, and writes what came back (or what went wrong) to
`JOB_DIR/outputs.*`. Whatever the learner's code does (raise, print, return odd objects, loop
forever), the checker process is untouched: it only reads those files, and kills the worker
when it runs past the time limit.

Values cross the process boundary without pickle: a JSON tree whose arrays are stored in an
`.npz` (`allow_pickle=False`). Tuples, lists, dicts with string keys, numbers, strings, None and
arrays of numbers travel; anything else arrives as {"unsupported": type name}.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

import numpy as np

Tree = Any


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
    return {"unsupported": type(value).__name__}


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


def learner_traceback(err: BaseException, learner_file: Path) -> str:
    """The exception with only the learner's own frames (none of the worker's or NumPy's)."""
    frames = [f for f in traceback.extract_tb(err.__traceback__) if Path(f.filename) == learner_file]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(err), err)
    return "".join(lines).rstrip()


def run(learner_file: Path, function: str, job: Path) -> dict[str, Any]:
    """Load the learner's module and call `function` on each case; never raises."""
    sys.path.insert(0, str(learner_file.parent))
    spec = importlib.util.spec_from_file_location(f"selfcheck_{function}", learner_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as err:
        where = f"line {err.lineno}" if err.lineno else "somewhere"
        text = f"\n    {err.text.rstrip()}" if err.text else ""
        return {"error": f"SyntaxError at {where} of {learner_file.name}: {err.msg}{text}"}
    except BaseException as err:  # noqa: BLE001 (anything the learner's module does at import)
        return {"error": "importing your file raised:\n" + learner_traceback(err, learner_file)}
    fn = getattr(module, function, None)
    if not callable(fn):
        return {"error": f"{learner_file.name} defines no function named {function!r}"}
    cases = load(job / "inputs")
    results: list[Any] = []
    for index, args in enumerate(cases):
        (job / "progress").write_text(str(index))
        try:
            results.append({"value": fn(*args)})
        except NotImplementedError:
            results.append({"not_implemented": True})
        except Exception as err:  # noqa: BLE001 (the learner's code may raise anything)
            results.append({"raised": learner_traceback(err, learner_file)})
    return {"results": results}


def main(argv: list[str]) -> None:
    learner_file, function, job = Path(argv[0]).resolve(), argv[1], Path(argv[2])
    sys.stdout = sys.stderr  # the learner's prints must not mix with anything we read
    save(job / "outputs", run(learner_file, function, job))


if __name__ == "__main__":
    main(sys.argv[1:])
