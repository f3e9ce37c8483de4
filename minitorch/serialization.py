"""`save` and `load`: state dicts (of models and optimizers) to and from `.npz` files, no pickle.

A pickle file can run arbitrary code when it is loaded, so minitorch never writes or reads one.
A checkpoint is an ordinary NumPy `.npz` archive instead:

- every array (a Tensor's data, an optimizer buffer) is one entry, `arr_0`, `arr_1`, ...;
- the entry `__minitorch__` is a JSON text describing the nested structure around them
  (dicts, lists, tuples, numbers, strings, None), with each array replaced by its entry name.

Dict keys keep their type (an optimizer state dict is keyed by parameter index, an int), so
what `load` returns has the structure `save` was given. Everything is checked before the
destination is touched (an array of Python objects, which NumPy would pickle, is refused).
The file is written to a temporary file in the same folder and renamed over the target, so a
crash mid-write never leaves a half-written checkpoint under the real name; a symlink is
followed (its target is replaced) and the file gets the mode a plain `open` would give it
(an existing file keeps its mode, a new one gets 0666 minus the umask). `load` reads
everything before returning: a truncated, corrupt or foreign file (a malformed header
included) raises RuntimeError naming it, before anything could be loaded into a model.

PyTorch equivalent: `torch.save`, `torch.load(weights_only=True)`.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from minitorch.tensor import Tensor

FORMAT = "minitorch-checkpoint-1"
STRUCTURE_KEY = "__minitorch__"


def _encode(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    """The JSON form of `obj`; arrays are moved into `arrays` and referred to by name."""
    if isinstance(obj, Tensor | np.ndarray | np.generic):
        name = f"arr_{len(arrays)}"
        kind = "tensor" if isinstance(obj, Tensor) else "array" if isinstance(obj, np.ndarray) else "scalar"
        array = np.asarray(obj.data if isinstance(obj, Tensor) else obj)
        if array.dtype.hasobject:
            raise TypeError(f"save: cannot save an array of dtype {array.dtype} (Python objects would need "
                            "pickle); convert it to numbers first")
        arrays[name] = array
        return {kind: name}
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, dict):
        kind = "counter" if isinstance(obj, Counter) else "dict"
        for key in obj:
            if not isinstance(key, str | int | float | bool):
                raise TypeError(f"save: dict keys must be str, int, float or bool, got {type(key).__name__}")
        return {kind: [[key, _encode(value, arrays)] for key, value in obj.items()]}
    if isinstance(obj, list | tuple):
        return {type(obj).__name__: [_encode(item, arrays) for item in obj]}
    raise TypeError(
        f"save: cannot save an object of type {type(obj).__name__} (only tensors, arrays, numbers, strings, "
        "None, and dicts, lists and tuples of them)"
    )


def _decode(node: Any, arrays: dict[str, np.ndarray]) -> Any:
    """The object `_encode` described; ValueError for any node `_encode` cannot have written."""
    if node is None or isinstance(node, bool | int | float | str):
        return node
    if not isinstance(node, dict) or len(node) != 1:
        raise ValueError(f"malformed header: {str(node)[:60]!r} is not a one-entry object")
    ((kind, value),) = node.items()
    if kind in ("tensor", "array", "scalar"):
        if not isinstance(value, str) or value not in arrays:
            raise ValueError(f"malformed header: {kind} {str(value)[:60]!r} names no array of the file")
        array = arrays[value]
        return Tensor(array) if kind == "tensor" else array if kind == "array" else array[()]
    if kind not in ("dict", "counter", "list", "tuple") or not isinstance(value, list):
        raise ValueError(f"malformed header: unknown node {kind!r} or its items are not a list")
    if kind in ("dict", "counter"):
        if not all(isinstance(pair, list) and len(pair) == 2 for pair in value):
            raise ValueError(f"malformed header: the items of a {kind} are not [key, value] pairs")
        items = {_hashable_key(key): _decode(item, arrays) for key, item in value}
        return Counter(items) if kind == "counter" else items
    items = [_decode(item, arrays) for item in value]
    return tuple(items) if kind == "tuple" else items


def _hashable_key(key: Any) -> Any:
    if not isinstance(key, str | int | float | bool):
        raise ValueError(f"malformed header: dict key {str(key)[:60]!r} is not a str, int, float or bool")
    return key


def _new_file_mode(path: Path) -> int:
    """The mode `open(path, "w")` would leave: the existing file's, else 0666 minus the umask."""
    if path.exists():
        return path.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write `obj` (a state dict, or any nest of tensors, arrays and plain values) to `path` atomically."""
    arrays: dict[str, np.ndarray] = {}
    structure = json.dumps({"format": FORMAT, "object": _encode(obj, arrays)})
    path = Path(os.path.realpath(path))  # through a symlink: replace its target, keep the link
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _new_file_mode(path)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays, **{STRUCTURE_KEY: np.array(structure)})
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def load(path: str | os.PathLike) -> Any:
    """Read what `save` wrote; Tensors come back as Tensors, dict keys with their types.

    Raises RuntimeError naming the file if it is truncated, corrupt, or not a minitorch checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load: no such file: {path}")
    try:
        with open(path, "rb") as f:
            if f.read(4) != b"PK\x03\x04":
                raise ValueError("it does not begin like an .npz (zip) archive")
        with np.load(path, allow_pickle=False) as archive:
            if STRUCTURE_KEY not in archive.files:
                raise ValueError(f"it has no {STRUCTURE_KEY!r} entry, so minitorch.save did not write it")
            arrays = {name: archive[name] for name in archive.files}  # reads and CRC-checks every entry
        header = json.loads(str(arrays.pop(STRUCTURE_KEY)))
        if not isinstance(header, dict) or header.get("format") != FORMAT or "object" not in header:
            raise ValueError(f"the header is not a {FORMAT!r} object: {str(header)[:60]!r}")
        return _decode(header["object"], arrays)
    except (ValueError, OSError, EOFError, KeyError, RecursionError, zipfile.BadZipFile) as err:
        raise RuntimeError(
            f"load: {path} is not a valid minitorch checkpoint (truncated, corrupt, or another format): {err}"
        ) from err
