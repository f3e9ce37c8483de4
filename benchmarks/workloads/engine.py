"""Engine workloads (foundation issue): a large matmul, a chain of elementwise ops, a
reduction, and a 2-layer MLP forward and backward, all float32."""

from __future__ import annotations

import numpy as np
import torch

import minitorch as mt
from benchmarks.registry import workload


def _pair(*shapes: tuple[int, ...], grad: bool = True) -> tuple[list[mt.Tensor], list[torch.Tensor]]:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    return ([mt.tensor(a, requires_grad=grad) for a in arrays],
            [torch.tensor(a, requires_grad=grad) for a in arrays])


@workload("matmul 1024x1024 @ 1024x1024 forward+backward")
def matmul_large():
    (a, b), (ta, tb) = _pair((1024, 1024), (1024, 1024))

    def run_mt():
        (a @ b).sum().backward()

    def run_torch():
        (ta @ tb).sum().backward()

    return run_mt, run_torch


@workload("elementwise chain (1M): exp, mul, add, tanh, sigmoid forward+backward")
def elementwise_chain():
    (x, y), (tx, ty) = _pair((1000, 1000), (1000, 1000))

    def run_mt():
        ((x.exp() * y + 1.0).tanh().sigmoid()).sum().backward()

    def run_torch():
        ((tx.exp() * ty + 1.0).tanh().sigmoid()).sum().backward()

    return run_mt, run_torch


@workload("reduction (1M): softmax(dim=1) + sum + var forward+backward")
def reduction():
    (x,), (tx,) = _pair((1000, 1000))

    def run_mt():
        (x.softmax(1).sum(0) + x.var(1).sum()).sum().backward()

    def run_torch():
        (tx.softmax(1).sum(0) + tx.var(1).sum()).sum().backward()

    return run_mt, run_torch


@workload("MLP 784-256-10 batch 128 forward+backward (ops only)")
def mlp():
    (x, w1, b1, w2, b2), (tx, tw1, tb1, tw2, tb2) = _pair((128, 784), (784, 256), (256,), (256, 10), (10,))

    def run_mt():
        ((x @ w1 + b1).relu() @ w2 + b2).log_softmax(1).mean().backward()

    def run_torch():
        ((tx @ tw1 + tb1).relu() @ tw2 + tb2).log_softmax(1).mean().backward()

    return run_mt, run_torch


@workload("graph overhead: 100 x (y * w + x) * 0.5 on 4x4, forward+backward (300 nodes)", repeats=50)
def small_ops_graph():
    """Tiny arrays, many nodes: what this times is the engine's cost per node (recording in
    apply, walking the graph in backward), not the arithmetic."""
    (x, w), (tx, tw) = _pair((4, 4), (4, 4))

    def chain(a, b):
        y = a
        for _ in range(100):
            y = (y * b + a) * 0.5
        y.sum().backward()

    return (lambda: chain(x, w)), (lambda: chain(tx, tw))


@workload("Hessian-vector product of a tanh MLP 64-128-10, batch 64 (create_graph=True)")
def hessian_vector_product():
    shapes = (64, 64), (64, 128), (128, 10), (64, 128), (128, 10)
    (x, w1, w2, v1, v2), (tx, tw1, tw2, tv1, tv2) = _pair(*shapes)

    def hvp(grad, a, b1, b2, u1, u2):
        loss = ((a @ b1).tanh() @ b2).log_softmax(1).mean()
        g1, g2 = grad(loss, [b1, b2], create_graph=True)
        return grad((g1 * u1).sum() + (g2 * u2).sum(), [b1, b2])

    return (lambda: hvp(mt.autograd.grad, x, w1, w2, v1, v2),
            lambda: hvp(torch.autograd.grad, tx, tw1, tw2, tv1, tv2))
