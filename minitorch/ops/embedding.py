"""Embedding lookup: rows of a weight table picked by integer indices.

y[..., :] = weight[indices[...], :]. The backward scatters each output row's gradient back to
the row it was read from; an index that appears k times receives the sum of k gradients
(`np.add.at` accumulates, plain `dW[idx] = g` would keep only the last). The row of
`padding_idx`, if given, gets no gradient: it stays the padding vector.
"""

from __future__ import annotations

import numpy as np

from minitorch.autograd import Function
from minitorch.ops.shape import Scatter
from minitorch.tensor import Tensor


class Embedding(Function):
    """y = weight[indices];  dweight[i] = sum of g over the positions where indices == i
    (0 for padding_idx). torch.nn.functional.embedding"""

    op_name = "embedding"

    def forward(self, weight: np.ndarray, indices: np.ndarray, padding_idx: int | None) -> np.ndarray:
        self.indices, self.padding_idx, self.weight_shape = indices, padding_idx, weight.shape
        return np.take(weight, indices, axis=0)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        dweight = np.zeros(self.weight_shape, dtype=grad.dtype)
        np.add.at(dweight, self.indices.reshape(-1), grad.reshape(-1, self.weight_shape[1]))
        if self.padding_idx is not None:
            dweight[self.padding_idx] = 0
        return dweight

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        """The same scatter-add as an op (the backward of indexing, see ops/shape.py)."""
        if self.padding_idx is not None:
            grad = grad * Tensor((self.indices != self.padding_idx)[..., None].astype(grad.dtype))
        return Scatter.apply(grad, index=self.indices, shape=self.weight_shape)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:  # noqa: A002
    """Look up rows of `weight` (num_embeddings, embedding_dim) by the integer tensor `input`."""
    if input.dtype.kind not in "iu":
        raise RuntimeError(
            f"embedding: expected an integer index tensor (int64 or int32), got dtype {input.dtype}"
        )
    if weight.ndim != 2:
        raise RuntimeError(
            f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape {weight.shape}"
        )
    count = weight.shape[0]
    if input.numel() and (input.data.min() < 0 or input.data.max() >= count):
        bad = input.data[(input.data < 0) | (input.data >= count)].flat[0]
        raise IndexError(
            f"embedding: index {bad} is out of range for a table of {count} embeddings "
            f"(weight shape {weight.shape}, input shape {input.shape})"
        )
    if padding_idx is not None:
        if not -count <= padding_idx < count:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within num_embeddings {count}")
        padding_idx %= count
    return Embedding.apply(weight, indices=input.data, padding_idx=padding_idx)
