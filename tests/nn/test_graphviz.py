"""The graph view: the DOT text is checked structurally (nodes, labels, edges) without needing
the Graphviz `dot` program; rendering is checked with a stand-in `dot` and without one."""

from __future__ import annotations

import re
import stat

import pytest

import minitorch
import minitorch.nn as nn
from minitorch.graphviz import GraphvizNotFound, render_svg, save_dot, save_svg, to_dot

NODE = re.compile(r'^\s*(n\d+) \[label="((?:[^"\\]|\\.)*)"(.*)\];$')
EDGE = re.compile(r"^\s*(n\d+) -> (n\d+);$")


def parse(dot: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """{node id: label} and the edges of DOT text written by to_dot; fails on any other line."""
    lines = dot.strip().splitlines()
    assert lines[0].startswith("digraph ") and lines[-1] == "}"
    nodes: dict[str, str] = {}
    edges = []
    for line in lines[1:-1]:
        if m := NODE.match(line):
            assert m.group(1) not in nodes, f"node {m.group(1)} defined twice"
            nodes[m.group(1)] = m.group(2)
        elif m := EDGE.match(line):
            edges.append((m.group(1), m.group(2)))
        else:
            assert line.strip().startswith(("node ", "rankdir")), line
    for a, b in edges:
        assert a in nodes and b in nodes, f"edge {a} -> {b} refers to an undefined node"
    return nodes, edges


def labels_of(nodes: dict[str, str], node_ids: list[str]) -> list[str]:
    return sorted(nodes[n] for n in node_ids)


def test_linear_relu_sum_graph():
    layer = nn.Linear(4, 3)
    x = minitorch.randn(2, 4)
    loss = layer(x).relu().sum()
    nodes, edges = parse(to_dot(loss, params=layer.named_parameters()))
    ops = {label.split("\\n")[0] for label in nodes.values()}
    assert {"permute", "matmul", "add", "relu", "sum"} <= ops
    assert "weight\\n(3, 4)" in nodes.values() and "bias\\n(3,)" in nodes.values()
    assert "(2, 4)" in nodes.values()  # the input x, a constant (no gradient)
    by_label = {label: node for node, label in nodes.items()}
    sum_node = by_label["sum\\n()"]
    relu_node = by_label["relu\\n(2, 3)"]
    assert (relu_node, sum_node) in edges
    assert not any(a == sum_node for a, _ in edges)  # the root has no consumer
    # Every op node except the root feeds exactly one op here (a chain).
    sources = [a for a, _ in edges]
    assert all(sources.count(n) == 1 for n in nodes if n != sum_node)


def test_shared_tensor_appears_once_with_two_edges_and_constants_can_be_hidden():
    w = minitorch.randn(3, 3, requires_grad=True)
    y = (w * w + w).sum()
    nodes, edges = parse(to_dot(y, params={"w": w}))
    (w_node,) = [n for n, label in nodes.items() if label == "w\\n(3, 3)"]
    targets = [nodes[b].split("\\n")[0] for a, b in edges if a == w_node]
    assert sorted(targets) == ["add", "mul", "mul"]  # w * w uses w twice, + w once more
    x = minitorch.randn(2, 3)
    full, _ = parse(to_dot((x @ w).sum()))
    hidden, _ = parse(to_dot((x @ w).sum(), show_constants=False))
    assert "(2, 3)" in full.values() and "(2, 3)" not in hidden.values()
    assert "leaf\\n(3, 3)" in hidden.values()  # an unnamed leaf


def test_lstm_is_one_fused_node_per_layer_and_direction():
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    out, (h, c) = lstm(minitorch.randn(5, 2, 3))
    nodes, _ = parse(to_dot(out.sum() + h.sum() + c.sum(), params=lstm.named_parameters()))
    assert sum(label.startswith("lstm\\n(5, 2, 4)") for label in nodes.values()) == 4  # outputs: h_t, c_T
    assert "weight_hh_l1_reverse\\n(16, 4)" in nodes.values()


def test_a_leaf_alone_and_names_with_quotes():
    t = minitorch.randn(2, requires_grad=True)
    nodes, edges = parse(to_dot(t, params={'my "w"': t}))
    assert list(nodes.values()) == [r'my \"w\"\n(2,)']
    assert edges == []


def test_save_dot_is_atomic_and_exact(tmp_path):
    dot = to_dot((minitorch.randn(2, requires_grad=True) * 2).sum())
    path = save_dot(dot, tmp_path / "sub" / "graph.dot")
    assert path.read_text() == dot
    assert [p.name for p in path.parent.iterdir()] == ["graph.dot"]  # no temporary file left


def test_render_without_dot_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no `dot` anywhere
    with pytest.raises(GraphvizNotFound, match=r"`dot` program was not found on PATH.*Install Graphviz"):
        save_svg("digraph g {}", tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()


def test_render_with_dot_runs_it(monkeypatch, tmp_path):
    """A stand-in `dot` that checks its arguments and echoes the DOT text inside an <svg>."""
    fake = tmp_path / "dot"
    fake.write_text('#!/bin/sh\n[ "$1" = "-Tsvg" ] || exit 3\necho "<svg>"; /bin/cat; echo "</svg>"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(tmp_path))
    dot = to_dot((minitorch.randn(3, requires_grad=True) ** 2).sum())
    assert render_svg(dot) == f"<svg>\n{dot}</svg>\n"
    path = save_svg(dot, tmp_path / "out" / "g.svg")
    assert path.read_text().startswith("<svg>")
    fake.write_text("#!/bin/sh\necho 'syntax error in line 1' >&2\nexit 1\n")
    with pytest.raises(RuntimeError, match="dot failed \\(exit 1\\): syntax error in line 1"):
        render_svg("digraph {")
