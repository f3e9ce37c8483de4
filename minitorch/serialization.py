"""`save` and `load`: state dicts (of models and optimizers) to and from `.npz` files, no pickle.

A pickle file can run arbitrary code when it is loaded, so minitorch never writes or reads one.
A checkpoint is an ordinary NumPy `.npz` archive instead:

- every array (a Tensor's data, an optimizer buffer) is one entry, `arr_0`, `arr_1`, ...;
- the entry `__minitorch__` is a JSON text describing the nested structure around them
  (dicts, lists, tuples, numbers, strings, None), with each array replaced by its entry name.

Dict keys keep their type (an optimizer state dict is keyed by parameter index, an int), so
what `load` returns has the structure `save` was given. The file is written to a temporary
file in the same folder and renamed over the target, so a crash mid-write never leaves a
half-written checkpoint under the real name. `load` reads everything before returning: a
truncated or foreign file raises an error naming it, before anything could be loaded into a model.

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
        arrays[name] = np.asarray(obj.data if isinstance(obj, Tensor) else obj)
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
    if not isinstance(node, dict):
        return node
    ((kind, value),) = node.items()
    if kind == "tensor":
        return Tensor(arrays[value])
    if kind == "array":
        return arrays[value]
    if kind == "scalar":
        return arrays[value][()]
    if kind in ("dict", "counter"):
        items = {key: _decode(item, arrays) for key, item in value}
        return Counter(items) if kind == "counter" else items
    items = [_decode(item, arrays) for item in value]
    return tuple(items) if kind == "tuple" else items


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write `obj` (a state dict, or any nest of tensors, arrays and plain values) to `path` atomically."""
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    structure = json.dumps({"format": FORMAT, "object": _encode(obj, arrays)})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
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
        if header.get("format") != FORMAT:
            raise ValueError(f"unknown format {header.get('format')!r} (expected {FORMAT!r})")
        return _decode(header["object"], arrays)
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as err:
        raise RuntimeError(
            f"load: {path} is not a valid minitorch checkpoint (truncated, corrupt, or another format): {err}"
        ) from err
