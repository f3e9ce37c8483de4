"""`DataLoader`: iterate over a dataset in (shuffled) mini-batches, collated into tensors.

One epoch is: the sampler gives indices, the batch sampler groups them, the dataset is indexed
once per index, and `collate_fn` merges the samples of a batch (by default stacking tensors and
arrays along a new first dim, and turning Python ints into an int64 tensor, floats into float64
as torch does). Loading happens in this process (torch's `num_workers=0`).

PyTorch equivalent: `torch.utils.data.DataLoader`, `default_collate`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from minitorch.data.dataset import Dataset
from minitorch.data.sampler import BatchSampler, RandomSampler, SequentialSampler
from minitorch.tensor import Tensor


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch, recursively, with torch's rules:

    tensors and arrays -> stacked Tensor (batch dim first, dtype kept); Python int -> int64
    Tensor; float -> float64 Tensor; bool -> bool Tensor; str -> list; dict -> dict of batches;
    tuple/list -> tuple/list of batches (position by position).
    """
    first = batch[0]
    if isinstance(first, Tensor | np.ndarray | np.generic):
        arrays = [item.data if isinstance(item, Tensor) else np.asarray(item) for item in batch]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise RuntimeError(
                f"default_collate: stack expects each tensor to be equal size, but got {sorted(shapes)}"
            )
        return Tensor(np.stack(arrays))
    if isinstance(first, bool):
        return Tensor(np.array(batch, dtype=np.bool_))
    if isinstance(first, int):
        return Tensor(np.array(batch, dtype=np.int64))
    if isinstance(first, float):
        return Tensor(np.array(batch, dtype=np.float64))
    if isinstance(first, str):
        return list(batch)
    if isinstance(first, Mapping):
        return {key: default_collate([item[key] for item in batch]) for key in first}
    if isinstance(first, tuple | list):
        if any(len(item) != len(first) for item in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of equal size")
        columns = [default_collate(list(column)) for column in zip(*batch, strict=True)]
        return tuple(columns) if isinstance(first, tuple) else columns
    raise TypeError(
        f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {type(first).__name__}"
    )


class DataLoader:
    """Mini-batches of `dataset`: `for x, y in DataLoader(ds, batch_size=64, shuffle=True): ...`

    `shuffle=True` draws a new order every epoch from `generator` (a `np.random.Generator`;
    seed it for repeatable epochs) or the global generator. `sampler` fixes the order instead;
    `batch_sampler` yields whole batches of indices. `batch_size=None` yields single samples.
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Iterable[int] | None = None, batch_sampler: Iterable[list[int]] | None = None,
                 collate_fn: Callable[[list[Any]], Any] | None = None, drop_last: bool = False,
                 generator: np.random.Generator | None = None) -> None:
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None else _no_collate)

    def __iter__(self) -> Iterator[Any]:
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        return (self.collate_fn([self.dataset[i] for i in batch]) for batch in self.batch_sampler)

    def __len__(self) -> int:
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)  # type: ignore[arg-type]


def _no_collate(sample: Any) -> Any:
    """Without batching a sample passes through as it is (torch converts arrays; we keep them)."""
    return sample
