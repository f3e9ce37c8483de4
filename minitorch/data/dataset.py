"""Datasets: anything with `__len__` and `__getitem__(i)` returning one sample.

PyTorch equivalent: `torch.utils.data.Dataset`, `TensorDataset`, `Subset`, `random_split`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from minitorch.random import default_generator
from minitorch.tensor import Tensor


class Dataset:
    """Base class: subclasses define `__getitem__(index)` (one sample) and `__len__()`."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Samples are the i-th rows of equally long tensors: `(x[i], y[i])`."""

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        sizes = [len(t) for t in tensors]
        if any(n != sizes[0] for n in sizes):
            raise ValueError(f"TensorDataset: size mismatch between tensors (first dims {sizes})")
        self.tensors = tensors

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(Tensor(t.data[index]) for t in self.tensors)

    def __len__(self) -> int:
        return len(self.tensors[0])


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = list(indices)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def split_lengths(n: int, lengths: Sequence[float]) -> list[int]:
    """Lengths as counts. Fractions summing to 1 become floor(n * f), then the remainder is
    handed out one by one from the first split on (torch's rule)."""
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1: {fraction}")
        counts = [int(math.floor(n * fraction)) for fraction in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        return counts
    counts = [int(length) for length in lengths]
    if sum(counts) != n:
        raise ValueError(
            f"random_split: sum of input lengths {sum(counts)} does not equal the length of the input "
            f"dataset ({n})"
        )
    return counts


def random_split(dataset: Dataset, lengths: Sequence[float],
                 generator: np.random.Generator | None = None) -> list[Subset]:
    """Split into non-overlapping random subsets of the given lengths (or fractions of the length).

    `generator` (e.g. `np.random.default_rng(42)`) makes the split repeatable; without one the
    global generator (`minitorch.manual_seed`) is used.
    """
    counts = split_lengths(len(dataset), lengths)
    order = (generator or default_generator()).permutation(sum(counts)).tolist()
    ends = np.cumsum(counts).tolist()
    return [Subset(dataset, order[end - count:end]) for end, count in zip(ends, counts, strict=True)]
