"""Chapter: nn.Module and model building (模型构建): dropout and the embedding table."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

import minitorch
import minitorch.nn.functional as mF
from comparisons.selfcheck.exercise import Case, Classic, Exercise, register
from comparisons.selfcheck.exercises.common import randn, tensor, torch_vjp
from comparisons.selfcheck.solutions import layers
from comparisons.selfcheck.solutions.adapters import vjp


def _dropout_case(label: str, x: np.ndarray, p: float, training: bool, seed: int) -> Case:
    """torch draws the mask: the kept elements are where its training-mode output is nonzero."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        dropped = F.dropout(tensor(x), p, training=True).numpy()
    keep = dropped != 0
    expected = dropped if training else F.dropout(tensor(x), p, training=False).numpy()
    return Case(label, (x, p, keep, training), expected=expected)


def _dropout_cases(rng: np.random.Generator) -> list[Case]:
    return [
        _dropout_case("training, p=0.5 (4, 6)", randn(rng, 4, 6), 0.5, True, 1),
        _dropout_case("training, p=0.2 (2, 3, 5)", randn(rng, 2, 3, 5), 0.2, True, 2),
        _dropout_case("eval mode, p=0.5", randn(rng, 4, 6), 0.5, False, 3),
        _dropout_case("p=0 keeps everything", randn(rng, 3, 3), 0.0, True, 4),
        _dropout_case("p=1 drops everything", randn(rng, 3, 3), 1.0, True, 5),
        _dropout_case("size-1 (1, 1), p=0.3", randn(rng, 1, 1), 0.3, True, 6),
    ]


def _scaled(x: np.ndarray, p: float, keep: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return x * keep / (1 - p)


DROPOUT = Exercise(
    name="dropout", chapter="module", difficulty=1,
    title="Dropout with the correct scaling",
    signature="dropout(x: np.ndarray, p: float, keep: np.ndarray, training: bool) -> np.ndarray",
    doc="""\
Inverted dropout, given the random mask.

Inputs: x (any shape); p in [0, 1], the probability of dropping an element; keep, a bool array
    of x's shape, True where the element is kept (the grader drew it with torch, so your
    answer can be compared exactly); training, False in eval mode.
Return: an array of x's shape.
Math: training: y = x * keep / (1 - p)  (kept elements scaled up so E[y] = x); p = 1 drops
    everything (y = 0). Eval mode: y = x (no mask, no scaling).
Hint: the scaling happens at training time, so that inference needs nothing. Watch p = 1.
PyTorch: torch.nn.functional.dropout(x, p, training)  (nn.Dropout; model.eval() turns it off)
""",
    make_cases=_dropout_cases,
    expected=None,
    reference=layers.dropout,
    outputs=("y",),
    classics=(
        Classic("unscaled dropout: in training the kept elements must be divided by (1 - p) so "
                "the expected output equals the input.",
                lambda x, p, keep, training: x * keep if training else x),
        Classic("divide the kept elements by (1 - p), do not multiply by it.",
                lambda x, p, keep, training: x * keep * (1 - p) if training else x),
        Classic("in eval mode (training=False) dropout is the identity: no mask and no scaling.",
                lambda x, p, keep, training: layers.dropout(x, p, keep, True)),
        Classic("p = 1 drops every element: return zeros instead of dividing by 1 - p = 0 (which "
                "gives NaN).", lambda x, p, keep, training: _scaled(x, p, keep) if training else x),
    ),
)


def _embedding_cases(rng: np.random.Generator) -> list[Case]:
    def case(label: str, indices: np.ndarray, vocab: int, dim: int) -> Case:
        return Case(label, (indices, randn(rng, *indices.shape, dim), vocab))

    return [
        case("repeated indices (2, 3)", np.array([[1, 4, 1], [4, 4, 0]]), 6, 3),
        case("1-d indices, unused rows", np.array([2, 7, 2]), 9, 2),
        case("all the same index", np.full((3, 4), 5), 6, 2),
        case("first and last rows", np.array([[0, 9], [9, 0]]), 10, 4),
        case("random (4, 5)", rng.integers(0, 8, size=(4, 5)), 8, 3),
        case("one index, dim 1", np.array([0]), 1, 1),
    ]


def _assign_not_accumulate(indices: np.ndarray, grad_out: np.ndarray, num_embeddings: int) -> np.ndarray:
    dweight = np.zeros((num_embeddings, grad_out.shape[-1]))
    dweight[indices.reshape(-1)] += grad_out.reshape(-1, grad_out.shape[-1])
    return dweight


def _table(num_embeddings: int, grad_out: np.ndarray) -> np.ndarray:
    return np.zeros((num_embeddings, grad_out.shape[-1]))


EMBEDDING_BACKWARD = Exercise(
    name="embedding_backward", chapter="module", difficulty=2,
    title="Embedding backward with repeated indices",
    signature="embedding_backward(indices: np.ndarray, grad_out: np.ndarray, num_embeddings: int)"
              " -> np.ndarray",
    doc="""\
Gradient of the embedding table for y = weight[indices].

Inputs: indices, integer array of any shape (values in [0, num_embeddings)); grad_out = dL/dy,
    shape indices.shape + (D,). Return dL/dweight of shape (num_embeddings, D).
Math: dweight[i] = sum of grad_out[pos] over every position pos where indices[pos] == i;
    rows never looked up get 0. An index that appears k times gets k contributions.
Hint: dweight[indices] += grad_out does NOT add repeated indices (NumPy writes each selected
    row once, the last write wins). Use np.add.at(dweight, indices.reshape(-1), ...).
PyTorch: y = torch.nn.functional.embedding(indices, weight); y.backward(grad_out); weight.grad
""",
    make_cases=_embedding_cases,
    expected=lambda indices, grad_out, n: torch_vjp(
        lambda w: F.embedding(torch.as_tensor(indices), w), [_table(n, grad_out)], grad_out)[0],
    reference=lambda indices, grad_out, n: vjp(
        lambda w: mF.embedding(minitorch.Tensor(indices), w), [_table(n, grad_out)], grad_out)[0],
    outputs=("dweight",),
    classics=(
        Classic("forgot to accumulate repeated indices: `dweight[indices] += grad` keeps only one "
                "contribution per row. Use np.add.at(dweight, indices.reshape(-1), "
                "grad_out.reshape(-1, D)).", _assign_not_accumulate),
    ),
)

register(DROPOUT, EMBEDDING_BACKWARD)
