"""See the autograd graph: export the graph behind a tensor as Graphviz DOT text, render it to SVG.

Every `Function` node that `backward()` would visit becomes an oval labelled with its op name
and the shape of the tensor it made; every leaf that requires grad becomes a box with its name
(when `params` names it, e.g. `dict(model.named_parameters())`) and shape; inputs that need no
gradient (data, masks) are small grey boxes. Edges follow the forward direction, from an input
to the op that used it, so the drawing reads from the data and weights down to the loss.

    dot = to_dot(loss, params=dict(model.named_parameters()))
    save_svg(dot, "graph.svg")        # needs the Graphviz `dot` program on PATH

PyTorch equivalent: the `torchviz` package (`make_dot`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from minitorch.autograd import Function
from minitorch.tensor import Tensor


class GraphvizNotFound(RuntimeError):
    """The Graphviz `dot` program is not installed (or not on PATH)."""


def _quote(text: str) -> str:
    """A DOT string literal: backslashes and quotes escaped, line breaks as DOT's \\n."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _shape(t: Tensor | None) -> str:
    return "?" if t is None else str(tuple(t.shape))


def to_dot(tensor: Tensor, params: Mapping[str, Tensor] | Iterable[tuple[str, Tensor]] | None = None,
           show_constants: bool = True, name: str = "autograd") -> str:
    """The DOT text of the graph that produced `tensor`.

    `params` names leaves: a mapping or (name, tensor) pairs, as `named_parameters()` gives.
    `show_constants=False` leaves out inputs that require no gradient.
    """
    names = {id(t): n for n, t in (params.items() if isinstance(params, Mapping) else params or ())}
    lines = [f"digraph {_quote(name)} {{", '  node [fontname="Helvetica", fontsize=10];',
             "  rankdir=TB;"]
    ids: dict[int, str] = {}

    def node_id(obj: object) -> str:
        return ids.setdefault(id(obj), f"n{len(ids)}")

    def add_tensor(t: Tensor) -> str:
        key = node_id(t)
        if id(t) in seen:
            return key
        seen.add(id(t))
        if t.requires_grad:
            label = f"{names.get(id(t), 'leaf')}\n{_shape(t)}"
            lines.append(f'  {key} [label={_quote(label)}, shape=box, style=filled, fillcolor="#cde8ff"];')
        else:
            lines.append(f'  {key} [label={_quote(_shape(t))}, shape=box, style=filled, '
                         'fillcolor="#eeeeee", fontcolor="#666666"];')
        return key

    seen: set[int] = set()
    root = tensor.grad_fn
    if root is None:  # a leaf (or a constant): the graph is one box
        add_tensor(tensor)
        return "\n".join([*lines, "}"]) + "\n"
    stack: list[Function] = [root]
    seen.add(id(root))
    while stack:
        fn = stack.pop()
        output = fn._outputs[0]() if fn._outputs else None
        key = node_id(fn)
        label = f"{fn.name}\n{_shape(output)}"
        style = ', style=filled, fillcolor="#ffe7b3"' if fn is root else ""
        lines.append(f"  {key} [label={_quote(label)}{style}];")
        for t in fn.inputs:
            if t.grad_fn is not None:
                parent = t.grad_fn
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append(parent)
                lines.append(f"  {node_id(parent)} -> {key};")
            elif t.requires_grad or show_constants:
                lines.append(f"  {add_tensor(t)} -> {key};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` via a temporary file in the same folder and a rename, so a reader
    never sees a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as f:
        f.write(data)
    os.replace(f.name, path)
    return path


def save_dot(dot: str, path: str | os.PathLike) -> Path:
    """Write DOT text to `path` (atomically); open it with any Graphviz viewer."""
    return write_atomically(path, dot.encode())


def render_svg(dot: str) -> str:
    """The SVG drawing of DOT text, made by the Graphviz `dot` program."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizNotFound(
            "graphviz: the `dot` program was not found on PATH, so the graph cannot be rendered to "
            "SVG. Install Graphviz (`apt install graphviz`, `brew install graphviz`, "
            "`conda install graphviz`), or save the DOT text with save_dot() and paste it into an "
            "online Graphviz viewer."
        )
    result = subprocess.run([program, "-Tsvg"], input=dot.encode(), capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"graphviz: dot failed (exit {result.returncode}): "
                           f"{result.stderr.decode(errors='replace').strip()}")
    return result.stdout.decode()


def save_svg(dot: str, path: str | os.PathLike) -> Path:
    """Render DOT text to an SVG file at `path` (atomically); raises `GraphvizNotFound` when the
    `dot` program is absent (nothing is written then)."""
    return write_atomically(path, render_svg(dot).encode())
