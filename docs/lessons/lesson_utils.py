"""Small helpers the lesson notebooks share, so each notebook shows the idea, not the plumbing.

Imported by the setup cell of every notebook in docs/lessons/ (the notebooks run with this
folder as their working directory, so `import lesson_utils` finds this file). Importing it puts
the repository root first on `sys.path`, so a notebook always teaches the minitorch of the
checkout it lives in.

- `setup()`: fixed seeds (Python, NumPy, torch, minitorch), one thread, small figures.
- `show_source(obj)`: the source of a minitorch function or class, headed by `file:line`.
- `show_between(obj, start, end)`: an excerpt of a long function, found by its text.
- `compare(name, mine, theirs)`: prints the largest absolute difference between a minitorch
  result and a torch result, on one line.
- `show_graph(tensor)`: the autograd graph behind a tensor as a picture (Graphviz), or its DOT
  text and how to install Graphviz.
- `data_dir(name)`: the folder of a real dataset (`$MINITORCH_DATA/<name>`).
"""

from __future__ import annotations

import inspect
import random
import sys
import textwrap
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402


def setup(seed: int = 0, threads: int = 1) -> None:
    """Seed every generator a lesson uses and keep figures small enough to store in a notebook."""
    import matplotlib.pyplot as plt
    import torch

    import minitorch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    minitorch.manual_seed(seed)
    torch.set_num_threads(threads)
    np.set_printoptions(precision=4, suppress=True, linewidth=100)
    plt.rcParams.update({"figure.dpi": 80, "figure.figsize": (6.4, 3.6), "axes.grid": True,
                         "grid.alpha": 0.3})
    print(f"numpy {np.__version__}, torch {torch.__version__}, seed {seed}, {threads} thread(s)")


def source_location(obj: Any) -> str:
    """`path:first-last` of an object's source, the path relative to the repository root."""
    obj = inspect.unwrap(obj)  # a decorated function (a contextmanager): its file, not contextlib
    lines, first = inspect.getsourcelines(obj)
    path = Path(inspect.getsourcefile(obj) or "?").resolve()
    try:
        path = path.relative_to(REPO_ROOT)
    except ValueError:
        pass
    return f"{path}:{first}-{first + len(lines) - 1}"


def show_source(obj: Any, max_lines: int = 60) -> None:
    """Print the source of `obj` (a function, class or method) headed by its `file:line`.

    Longer sources are cut after `max_lines` lines with a note of how many were left out, so a
    cell stays readable; open the file for the rest.
    """
    lines = textwrap.dedent(inspect.getsource(obj)).rstrip("\n").splitlines()
    print(f"# {source_location(obj)}")
    print("\n".join(lines[:max_lines]))
    if len(lines) > max_lines:
        print(f"# ... {len(lines) - max_lines} more lines in the file")


def show_between(obj: Any, start: str, end: str) -> None:
    """Print the part of `obj`'s source from the first line containing `start` through the next
    line containing `end`, headed by its `file:line`: an excerpt of a long function (a training
    loop) found by its text, so it follows the code when lines move."""
    obj = inspect.unwrap(obj)
    lines, first = inspect.getsourcelines(obj)
    begin = next((i for i, line in enumerate(lines) if start in line), None)
    if begin is None:
        raise ValueError(f"show_between: {start!r} not found in the source of {obj.__name__}")
    stop = next((i for i in range(begin, len(lines)) if end in lines[i]), None)
    if stop is None:
        raise ValueError(f"show_between: {end!r} not found after {start!r} in {obj.__name__}")
    path = source_location(obj).rsplit(":", 1)[0]
    print(f"# {path}:{first + begin}-{first + stop}")
    print(textwrap.dedent("".join(lines[begin:stop + 1])).rstrip("\n"))


def to_numpy(x: Any) -> np.ndarray:
    """A NumPy array from a minitorch Tensor, a torch tensor, an array or a number."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # torch
        return x.detach().cpu().numpy()
    if hasattr(x, "data") and isinstance(x.data, np.ndarray):  # minitorch Tensor
        return x.data
    return np.asarray(x)


def compare(name: str, mine: Any, theirs: Any, between: str = "minitorch - torch",
            atol: float | None = None) -> None:
    """Print max |mine - theirs| on one line (`between` names the two sides); the shapes must
    match. With `atol`, a larger difference raises AssertionError, so the tests that run the
    notebook fail when the lesson's claim stops holding. (Nothing is returned, so a cell ending
    with compare() shows no stray value.)"""
    a, b = to_numpy(mine), to_numpy(theirs)
    if a.shape != b.shape:
        raise ValueError(f"compare({name!r}): shapes differ, minitorch {a.shape} vs torch {b.shape}")
    diff = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) if a.size else 0.0
    print(f"{name:<32} shape {str(a.shape):<16} max |{between}| = {diff:.2e}")
    if atol is not None and not diff <= atol:  # `not <=`: a NaN difference fails too
        raise AssertionError(f"compare({name!r}): max |{between}| = {diff:.3g} exceeds {atol:g}")


def show_graph(tensor: Any, params: Any = None) -> Any:
    """The autograd graph behind `tensor`, drawn by Graphviz (an SVG the notebook keeps).

    Without the Graphviz `dot` program the DOT text is printed with how to install Graphviz,
    and None is returned.
    """
    from IPython.display import SVG

    from minitorch import graphviz

    dot = graphviz.to_dot(tensor, params=params)
    try:
        return SVG(graphviz.render_svg(dot))
    except graphviz.GraphvizNotFound as err:
        print(err)
        print(dot)
        return None


def data_dir(name: str) -> Path:
    """`<data root>/<name>`: the data root is $MINITORCH_DATA, else ../shared/data beside the
    repository (minitorch.data's rule). Raises FileNotFoundError saying how to get the data."""
    from minitorch.data.datasets import data_root

    folder = data_root() / name
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder} not found: set MINITORCH_DATA to a folder that holds {name}/ "
            f"(see the repository README), or use download=True where the dataset offers it.")
    return folder

