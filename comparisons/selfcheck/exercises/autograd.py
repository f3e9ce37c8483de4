"""Chapter: autograd (自动求导): the backward pass of matmul, and the order backward runs in."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch

import minitorch
from comparisons.selfcheck.exercise import Case, Classic, Exercise, register
from comparisons.selfcheck.exercises.common import randn, torch_vjp
from comparisons.selfcheck.i18n import t
from comparisons.selfcheck.solutions.adapters import vjp
from minitorch.autograd import _reverse_topological_order

# ---------------------------------------------------------------------------------------------
# matmul backward
# ---------------------------------------------------------------------------------------------


def _matmul_cases(rng: np.random.Generator) -> list[Case]:
    shapes = [
        ("2-d (3, 4) @ (4, 5)", (3, 4), (4, 5)),
        ("square (3, 3) @ (3, 3)", (3, 3), (3, 3)),
        ("batched (2, 3, 4) @ (2, 4, 5)", (2, 3, 4), (2, 4, 5)),
        ("broadcast batch (2, 3, 4) @ (4, 5)", (2, 3, 4), (4, 5)),
        ("size-1 batch (1, 3, 4) @ (2, 4, 2)", (1, 3, 4), (2, 4, 2)),
        ("size-1 dims (1, 1) @ (1, 1)", (1, 1), (1, 1)),
    ]
    cases = []
    for label, a_shape, b_shape in shapes:
        a, b = randn(rng, *a_shape), randn(rng, *b_shape)
        cases.append(Case(label, (a, b, randn(rng, *np.matmul(a, b).shape))))
    return cases


def _swap(x: np.ndarray) -> np.ndarray:
    return np.swapaxes(x, -1, -2)


MATMUL_BACKWARD = Exercise(
    name="matmul_backward", chapter="autograd", difficulty=2,
    title="Matmul backward (with batch broadcasting)",
    signature="matmul_backward(a: np.ndarray, b: np.ndarray, grad: np.ndarray)"
              " -> tuple[np.ndarray, np.ndarray]",
    doc="""\
Gradients of C = A @ B with respect to A and B, given grad = dL/dC.

Shapes: a (..., n, k), b (..., k, m), 2-d or more; leading (batch) dims broadcast as in
    np.matmul. grad has C's shape (..., n, m). Return (da, db) with da.shape == a.shape and
    db.shape == b.shape.
Math: dA = grad @ B^T,  dB = A^T @ grad  (^T swaps the last two axes). If a batch dim of A or
    B was broadcast (missing, or size 1), sum the gradient over it (un-broadcast).
Hint: np.swapaxes(x, -1, -2) transposes the last two axes of a batch. Reuse your unbroadcast.
PyTorch: c = a @ b; c.backward(grad); (a.grad, b.grad)
""",
    make_cases=_matmul_cases,
    expected=lambda a, b, grad: torch_vjp(torch.matmul, [a, b], grad),
    reference=lambda a, b, grad: vjp(minitorch.matmul, [a, b], grad),
    outputs=("da", "db"),
    classics=(
        Classic("forgot to un-broadcast: when a batch dim was broadcast (missing or size 1), sum "
                "the gradient over it so da and db have the shapes of a and b.",
                lambda a, b, grad: (grad @ _swap(b), _swap(a) @ grad)),
        Classic("missing transposes: dA = grad @ B^T and dB = A^T @ grad.",
                lambda a, b, grad: (grad @ b, a @ grad)),
        Classic("operands in the wrong order: dA = grad @ B^T (not B^T @ grad), dB = A^T @ grad.",
                lambda a, b, grad: (_swap(b) @ grad, grad @ _swap(a))),
    ),
)

# ---------------------------------------------------------------------------------------------
# Reverse topological order
# ---------------------------------------------------------------------------------------------

Graph = dict[str, list[str]]


def torch_graph() -> tuple[Graph, str]:
    """The graph torch's autograd records for a small expression, named by its grad_fn nodes:
    loss = (exp(x * w) + sin(x * w)).sum() / 2, with x * w used twice (a diamond)."""
    x = torch.randn(3, requires_grad=True)
    w = torch.randn(3, requires_grad=True)
    h = x * w
    loss = (h.exp() + h.sin()).sum() / 2
    names: dict[int, str] = {}
    graph: Graph = {}

    def name(node: torch.autograd.graph.Node) -> str:
        if id(node) not in names:
            names[id(node)] = f"{type(node).__name__}#{len(names)}"
            graph[names[id(node)]] = [name(n) for n, _ in node.next_functions if n is not None]
        return names[id(node)]

    return graph, name(loss.grad_fn)


def _random_dag(rng: np.random.Generator, n: int) -> tuple[Graph, str]:
    """Node i uses 1-3 nodes with larger indices; node 0 is the root (some nodes unreachable)."""
    graph: Graph = {}
    for i in range(n):
        later = list(range(i + 1, n))
        k = min(len(later), int(rng.integers(1, 4)))
        graph[f"n{i}"] = [f"n{j}" for j in sorted(rng.choice(later, size=k, replace=False))] if later else []
    return dict(sorted(graph.items(), key=lambda kv: rng.random())), "n0"


def _topo_cases(rng: np.random.Generator) -> list[Case]:
    chain = {"loss": ["c"], "c": ["b"], "b": ["a"], "a": []}
    diamond = {"loss": ["b", "c"], "b": ["a"], "c": ["a"], "a": ["x"], "x": []}
    square = {"y": ["x", "x"], "x": []}
    unreachable = {"loss": ["h"], "h": ["x", "w"], "x": [], "w": [], "other": ["x"]}
    return [
        Case("chain", (chain, "loss")),
        Case("diamond (a used twice)", (diamond, "loss")),
        Case("same input twice (x * x)", (square, "y")),
        Case("unreachable node", (unreachable, "loss")),
        Case("random DAG of 12", _random_dag(rng, 12)),
        Case("torch's own graph", torch_graph()),
    ]


def _reachable(graph: Graph, root: str) -> set[str]:
    seen, stack = {root}, [root]
    while stack:
        for parent in graph[stack.pop()]:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def _validate_topo(case: Case, order: object) -> str | None:
    graph, root = case.args
    if not isinstance(order, list | tuple) or not all(isinstance(n, str) for n in order):
        return t("output: expected a list of node names (str), got {type}", type=type(order).__name__)
    reachable = _reachable(graph, root)
    if len(set(order)) != len(order):
        return t("output: {node!r} appears more than once", node=[n for n in order if order.count(n) > 1][0])
    if set(order) != reachable:
        extra, missing = sorted(set(order) - reachable), sorted(reachable - set(order))
        return t("output: should hold exactly the nodes reachable from {root!r}; "
                 "extra {extra}, missing {missing}", root=root, extra=extra, missing=missing)
    position = {n: i for i, n in enumerate(order)}
    for node in order:
        for parent in graph[node]:
            if position[parent] < position[node]:
                return t("output: {parent!r} comes before {node!r}, which uses it, so {parent!r}'s "
                         "gradient would be used before {node!r} has sent its part", parent=parent, node=node)
    return None


def _minitorch_topological_order(graph: Graph, root: str) -> list[str]:
    """minitorch's own `_reverse_topological_order`, run on stand-ins for Function nodes (each
    with `inputs`, each input with the `grad_fn` that made it)."""
    nodes = {name: SimpleNamespace(name=name, inputs=[]) for name in graph}
    for name, parents in graph.items():
        nodes[name].inputs = [SimpleNamespace(grad_fn=nodes[p]) for p in parents]
    return [node.name for node in _reverse_topological_order(nodes[root])]


def _preorder_dfs(graph: Graph, root: str) -> list[str]:
    order: list[str] = []

    def visit(node: str) -> None:
        if node not in order:
            order.append(node)
            for parent in graph[node]:
                visit(parent)

    visit(root)
    return order


def _kahn_whole_graph(graph: Graph, root: str) -> list[str]:
    users = {n: sum(n in parents for parents in graph.values()) for n in graph}
    ready = [n for n in graph if users[n] == 0]
    order = []
    while ready:
        node = ready.pop(0)
        order.append(node)
        for parent in graph[node]:
            users[parent] -= 1
            if users[parent] == 0:
                ready.append(parent)
    return order


TOPOLOGICAL_ORDER = Exercise(
    name="topological_order", chapter="autograd", difficulty=2,
    title="Reverse topological order of a graph",
    signature="topological_order(graph: dict[str, list[str]], root: str) -> list[str]",
    doc="""\
The order backward() visits the nodes of a computation graph: every node before its inputs.

Input: graph maps each node's name to the names of the nodes it was computed from (its
    inputs; [] for a leaf). A node may be used by several nodes, and may list the same input
    twice (x * x). root is the output (the loss).
Return: a list with every node reachable from root, each exactly once, root first, and every
    node before all of its inputs. Nodes not reachable from root are left out. (Several
    orders may be right; any of them passes.)
Math: for every edge (node uses input), position(node) < position(input): a topological order
    of the reversed graph. Why: a node's gradient is complete only after every node that uses
    it has sent its part, so backward runs a node only after all of its users.
Hint: depth-first search that appends a node AFTER visiting its inputs (post-order), then
    reverse the list; or Kahn's algorithm counting, for each node, the users not yet done.
    Note that plain pre-order DFS (append before visiting) is wrong on a diamond.
PyTorch: the engine behind loss.backward() orders the grad_fn nodes this way (walk
    loss.grad_fn.next_functions to see the graph; one test case is such a graph).
""",
    make_cases=_topo_cases,
    expected=None,
    reference=_minitorch_topological_order,
    validate=_validate_topo,
    classics=(
        Classic("pre-order DFS (append a node, then visit its inputs) is not a topological order "
                "when a node has two users (a diamond): append after visiting the inputs, then "
                "reverse.", _preorder_dfs),
        Classic("only nodes reachable from root belong in the order: start from root and follow "
                "inputs, instead of going over the whole graph.", _kahn_whole_graph),
    ),
)

register(MATMUL_BACKWARD, TOPOLOGICAL_ORDER)
