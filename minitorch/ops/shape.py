"""Shape ops: they move elements around without changing them, so each backward moves the
gradient back to where the elements came from (the inverse reshape, the inverse permutation,
the sum over copies for expand, a scatter for indexing, a split for cat).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from minitorch.autograd import Function
from minitorch.ops.broadcasting import unbroadcast
from minitorch.ops.reductions import normalize_dims
from minitorch.tensor import Tensor


def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept both `reshape(2, 3)` and `reshape((2, 3))`, as torch does."""
    if len(shape) == 1 and isinstance(shape[0], Sequence | np.ndarray):
        return tuple(int(s) for s in shape[0])
    return tuple(int(s) for s in shape)


class AsType(Function):
    """y = x converted to another dtype;  dx = g converted back. Tensor.to(dtype)"""

    op_name = "to"

    def forward(self, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        self.input_dtype = x.dtype
        return x.astype(dtype)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad.astype(self.input_dtype)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return grad.to(self.input_dtype)


class Reshape(Function):
    """y = x with a new shape (same elements, same order);  dx = g reshaped back.
    torch.reshape / Tensor.view"""

    op_name = "reshape"

    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        self.input_shape = x.shape
        return x.reshape(shape)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad.reshape(self.input_shape)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return self.backward(grad)  # the same code records on tensors


class Permute(Function):
    """y = x with its axes reordered;  dx = g with the inverse order. torch.permute"""

    op_name = "permute"

    def forward(self, x: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        self.inverse = tuple(np.argsort(dims))
        return np.transpose(x, dims)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return np.transpose(grad, self.inverse)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return grad.permute(*self.inverse)


class Expand(Function):
    """y = x broadcast to a larger shape (no copy);  dx = g summed over the copies.
    Tensor.expand"""

    op_name = "expand"

    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        self.input_shape = x.shape
        return np.broadcast_to(x, shape)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return unbroadcast(grad, self.input_shape)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return self.backward(grad)  # the same code records on tensors


class GetItem(Function):
    """y = x[index] (ints, slices, None, Ellipsis, integer arrays, boolean masks);
    dx = zeros with g scattered back to the indexed places.

    An integer array may pick the same element twice (`x[[0, 0]]`): that element was used
    twice, so its gradient is the sum of both. Plain assignment `dx[index] = g` would keep only
    one of them, so integer-array indices scatter with `np.add.at`, which accumulates.

    One corner follows NumPy rather than torch: an int next to an integer array (x[0, :, [1, 2]])
    counts as one more advanced index in NumPy, so the result's dims come out in another order.
    torch.Tensor.__getitem__
    """

    op_name = "getitem"

    def forward(self, x: np.ndarray, index: Any) -> np.ndarray:
        self.input_shape = x.shape
        self.index = index
        return x[index]

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return scatter(grad, self.index, self.input_shape)

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return Scatter.apply(grad, index=self.index, shape=self.input_shape)


def scatter(values: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Zeros of `shape` with `values` added at `index`: the adjoint of reading x[index]."""
    dx = np.zeros(shape, dtype=values.dtype)
    parts = index if isinstance(index, tuple) else (index,)
    if any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" for p in parts):
        np.add.at(dx, index, values)  # an element picked twice receives both gradients
    else:
        dx[index] = values
    return dx


class Scatter(Function):
    """y = zeros(shape) with v added at `index` (GetItem's backward as an op of its own, so
    that it can be differentiated);  dv = g[index]. torch: the backward of indexing"""

    op_name = "scatter"

    def forward(self, values: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
        self.index = index
        return scatter(values, index, shape)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad[self.index]

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return GetItem.apply(grad, index=self.index)


class Cat(Function):
    """y = the inputs joined along `dim`;  each input's gradient is its slice of g. torch.cat"""

    op_name = "cat"

    def forward(self, *arrays: np.ndarray, dim: int) -> np.ndarray:
        self.dim = dim
        self.boundaries = np.cumsum([a.shape[dim] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=dim)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.split(grad, self.boundaries, axis=self.dim))

    def differentiable_backward(self, grad: Tensor) -> tuple[Tensor, ...]:
        return Split.apply(grad, boundaries=tuple(self.boundaries), dim=self.dim)


class Stack(Function):
    """y = the inputs stacked along a new axis `dim`;  input i's gradient is g taken at
    position i of that axis. torch.stack"""

    op_name = "stack"

    def forward(self, *arrays: np.ndarray, dim: int) -> np.ndarray:
        self.dim = dim
        return np.stack(arrays, axis=dim)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.moveaxis(grad, self.dim, 0))

    def differentiable_backward(self, grad: Tensor) -> tuple[Tensor, ...]:
        return Unbind.apply(grad, dim=self.dim)


class Pad(Function):
    """y = x with constant padding;  dx = the un-padded middle of g. torch.nn.functional.pad"""

    op_name = "pad"

    def forward(self, x: np.ndarray, widths: tuple[tuple[int, int], ...], value: float) -> np.ndarray:
        self.crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape, strict=True))
        return np.pad(x, widths, mode="constant", constant_values=value)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad[self.crop]

    def differentiable_backward(self, grad: Tensor) -> Tensor:
        return self.backward(grad)  # the same code records on tensors


class Split(Function):
    """pieces = x cut along `dim` at `boundaries`: a node with one output per piece;
    dx = the pieces' gradients joined again (zeros for a piece that got none). torch.split"""

    op_name = "split"

    def forward(self, x: np.ndarray, boundaries: tuple[int, ...], dim: int) -> tuple[np.ndarray, ...]:
        pieces = tuple(np.split(x, boundaries, axis=dim))
        self.dim, self.shapes = dim, tuple(p.shape for p in pieces)
        return pieces

    def backward(self, *grads: np.ndarray | None) -> np.ndarray:
        dtype = next(g.dtype for g in grads if g is not None)
        return np.concatenate([np.zeros(s, dtype) if g is None else g
                               for g, s in zip(grads, self.shapes, strict=True)], axis=self.dim)

    def differentiable_backward(self, *grads: Tensor | None) -> Tensor:
        dtype = next(g.dtype for g in grads if g is not None)
        return Cat.apply(*(Tensor(np.zeros(s, dtype)) if g is None else g
                           for g, s in zip(grads, self.shapes, strict=True)), dim=self.dim)


class Unbind(Function):
    """slices = x taken apart along `dim` (each slice loses that dim): one output per slice;
    dx = the slices' gradients stacked again (zeros for a slice that got none). torch.unbind"""

    op_name = "unbind"

    def forward(self, x: np.ndarray, dim: int) -> tuple[np.ndarray, ...]:
        self.dim, self.slice_shape = dim, x.shape[:dim] + x.shape[dim + 1:]
        return tuple(np.moveaxis(x, dim, 0))

    def backward(self, *grads: np.ndarray | None) -> np.ndarray:
        dtype = next(g.dtype for g in grads if g is not None)
        return np.stack([np.zeros(self.slice_shape, dtype) if g is None else g for g in grads],
                        axis=self.dim)

    def differentiable_backward(self, *grads: Tensor | None) -> Tensor:
        dtype = next(g.dtype for g in grads if g is not None)
        return Stack.apply(*(Tensor(np.zeros(self.slice_shape, dtype)) if g is None else g
                             for g in grads), dim=self.dim)


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------

def astype(x: Tensor, dtype: np.dtype) -> Tensor:
    """x converted to `dtype`; differentiable between floating dtypes."""
    if x.dtype == dtype:
        return x
    if x.requires_grad and dtype.kind != "f":
        return Tensor(x.data.astype(dtype))  # an integer result has no gradient
    return AsType.apply(x, dtype=dtype)


def reshape(x: Tensor, *shape: Any) -> Tensor:
    """x with a new shape; one entry may be -1 (inferred)."""
    return Reshape.apply(x, shape=_shape_arg(shape))


def permute(x: Tensor, *dims: Any) -> Tensor:
    dims = _shape_arg(dims)
    if sorted(d % max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
        raise RuntimeError(
            f"permute: dims {dims} are not a permutation of the {x.ndim} dims of shape {x.shape}"
        )
    return Permute.apply(x, dims=tuple(d % x.ndim for d in dims))


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (of a 0-d tensor, dims 0 and -1 name the tensor itself: nothing to swap)."""
    if x.ndim == 0:
        normalize_dims("transpose", (dim0, dim1), 0)
        return Reshape.apply(x, shape=())
    (d0,), (d1,) = normalize_dims("transpose", dim0, x.ndim), normalize_dims("transpose", dim1, x.ndim)
    order = list(range(x.ndim))
    order[d0], order[d1] = order[d1], order[d0]
    return Permute.apply(x, dims=tuple(order))


def squeeze(x: Tensor, dim: int | None = None) -> Tensor:
    """Remove size-1 dims (only `dim`, if given and of size 1)."""
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        dims = normalize_dims("squeeze", dim, x.ndim)  # () for a 0-d tensor: it stays as it is
        shape = x.shape if not dims or x.shape[dims[0]] != 1 else x.shape[:dims[0]] + x.shape[dims[0] + 1:]
    return Reshape.apply(x, shape=shape)


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at position `dim` (negative counts from the end of the result)."""
    (d,) = normalize_dims("unsqueeze", dim, x.ndim + 1)
    return Reshape.apply(x, shape=x.shape[:d] + (1,) + x.shape[d:])


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim into one."""
    if x.ndim == 0:
        return Reshape.apply(x, shape=(1,))
    (s,), (e,) = normalize_dims("flatten", start_dim, x.ndim), normalize_dims("flatten", end_dim, x.ndim)
    if s > e:
        raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = int(np.prod(x.shape[s:e + 1]))
    return Reshape.apply(x, shape=x.shape[:s] + (merged,) + x.shape[e + 1:])


def expand(x: Tensor, *sizes: Any) -> Tensor:
    """Broadcast x to `sizes` without copying; -1 keeps a dim's size."""
    sizes = _shape_arg(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({x.ndim})"
        )
    shape = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
    for i, n in enumerate(x.shape):
        if n != 1 and n != shape[lead + i]:
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({shape[lead + i]}) must match the "
                f"existing size ({n}) at non-singleton dimension {lead + i}; target sizes "
                f"{sizes}, tensor shape {x.shape}"
            )
    return Expand.apply(x, shape=shape)


def index_part(part: Any) -> Any:
    """One part of an index as NumPy takes it: a Tensor as its array, a list as an array."""
    if isinstance(part, Tensor):
        return part.data
    if isinstance(part, list):
        return np.asarray(part)
    return part


def getitem(x: Tensor, index: Any) -> Tensor:
    """x[index] with NumPy's (and torch's) indexing rules."""
    index = tuple(index_part(p) for p in index) if isinstance(index, tuple) else index_part(index)
    return GetItem.apply(x, index=index)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim; all other dims must match."""
    if len(tensors) == 0:
        raise RuntimeError("cat: expected a non-empty list of tensors")
    first = tensors[0]
    (d,) = normalize_dims("cat", dim, first.ndim)
    for t in tensors[1:]:
        if t.ndim != first.ndim or any(
            a != b for i, (a, b) in enumerate(zip(t.shape, first.shape, strict=True)) if i != d
        ):
            raise RuntimeError(
                f"cat: sizes of tensors must match except in dimension {d}; got shapes "
                f"{first.shape} and {t.shape}"
            )
        if t.dtype != first.dtype:
            raise RuntimeError(f"cat: expected all tensors to have dtype {first.dtype}, got {t.dtype}")
    return Cat.apply(*tensors, dim=d)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join equally shaped tensors along a new dim."""
    if len(tensors) == 0:
        raise RuntimeError("stack: expected a non-empty list of tensors")
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack: expects each tensor to be equal size, but got {tensors[0].shape} and {t.shape}"
            )
    (d,) = normalize_dims("stack", dim, tensors[0].ndim + 1)
    return Stack.apply(*tensors, dim=d)


def split(x: Tensor, split_size: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of `split_size` along dim (the last may be smaller), or of the listed sizes."""
    (d,) = normalize_dims("split", dim, x.ndim)
    n = x.shape[d]
    if isinstance(split_size, int):
        if split_size <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size}")
        sizes = [min(split_size, n - start) for start in range(0, n, split_size)]
    else:
        sizes = list(split_size)
        if sum(sizes) != n:
            raise RuntimeError(
                f"split: split sizes {sizes} do not sum to {n}, the size of dim {d} of shape {x.shape}"
            )
    return Split.apply(x, boundaries=tuple(int(b) for b in np.cumsum(sizes)[:-1]), dim=d)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into `chunks` pieces of size ceil(n / chunks) (so possibly fewer pieces)."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    (d,) = normalize_dims("chunk", dim, x.ndim)
    return split(x, max(-(-x.shape[d] // chunks), 1), d)


def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of x along `dim`, each without that dim (x[0], x[1], ... for dim=0)."""
    if x.ndim == 0:
        raise IndexError("unbind: dimension specified as 0 but tensor has no dimensions")
    (d,) = normalize_dims("unbind", dim, x.ndim)
    if x.shape[d] == 0:
        return ()
    return Unbind.apply(x, dim=d)


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Constant padding; `pad` lists (before, after) pairs starting from the LAST dim, as in
    torch.nn.functional.pad: pad=(1, 2) pads the last dim by 1 before and 2 after."""
    if mode != "constant":
        raise NotImplementedError(f"pad: only mode='constant' is implemented, got {mode!r}")
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise RuntimeError(
            f"pad: padding length {len(pad)} must be even and at most twice the number of dims "
            f"of shape {x.shape}"
        )
    if any(p < 0 for p in pad):
        raise NotImplementedError(f"pad: negative padding (cropping) is not supported, got {tuple(pad)}")
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)]
    widths = [(0, 0)] * (x.ndim - len(pairs)) + pairs[::-1]
    return Pad.apply(x, widths=tuple(widths), value=value)
