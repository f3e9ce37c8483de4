"""DataLoaders whose global batches are the same for 1 process or N (DistributedDataParallel).

Each epoch ``DistributedSampler`` shuffles with a generator seeded by ``seed + epoch`` (so the
order needs no saved state to resume) and deals the permutation out round-robin: rank ``r``
takes positions ``r, r + N, ...``. With a per-rank batch of ``B / N``, the N ranks' k-th batches
together are exactly positions ``kB .. kB + B - 1``: the k-th batch of a single process with
batch ``B``. Data stays in memory; ``num_workers=0`` (no process start-up cost for small data).

For text, :class:`BucketBatchSampler` groups sequences of similar length into a batch, so an
RNN runs few padded time steps; it deals each global batch out to the ranks the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Sampler


class BucketBatchSampler(Sampler[list[int]]):
    """Batches of indices of similar length.

    Training (``shuffle``): each epoch, permute with seed ``seed + epoch``, sort each pool of
    ``pool`` batches by length, cut it into batches and shuffle the batch order. Evaluation: all
    indices sorted by length. Rank ``r`` of ``N`` gets ``batch[r::N]`` of every global batch.
    """

    def __init__(
        self,
        lengths: Sequence[int],
        batch_size: int,
        *,
        shuffle: bool,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        pool: int = 50,
    ) -> None:
        self.lengths, self.batch_size, self.shuffle = list(lengths), batch_size, shuffle
        self.seed, self.rank, self.world_size, self.pool = seed, rank, world_size, pool
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _global_batches(self) -> list[list[int]]:
        n, size = len(self.lengths), self.batch_size
        if not self.shuffle:
            order = sorted(range(n), key=self.lengths.__getitem__)
            return [order[i : i + size] for i in range(0, n, size)]
        g = torch.Generator().manual_seed(self.seed + self.epoch)
        perm = torch.randperm(n, generator=g).tolist()
        batches = []
        for start in range(0, n, self.pool * size):
            chunk = sorted(perm[start : start + self.pool * size], key=self.lengths.__getitem__)
            batches += [chunk[i : i + size] for i in range(0, len(chunk), size)]
        return [batches[i] for i in torch.randperm(len(batches), generator=g).tolist()]

    def __iter__(self) -> Iterator[list[int]]:
        for batch in self._global_batches():
            if len(batch) >= self.world_size:  # every rank needs at least one example
                yield batch[self.rank :: self.world_size]

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)


def make_loader(
    dataset: Dataset,
    batch_size: int,
    *,
    shuffle: bool,
    seed: int = 0,
    rank: int = 0,
    world_size: int = 1,
    collate_fn: Callable[[list[Any]], Any] | None = None,
    drop_last: bool = False,
    lengths: Sequence[int] | None = None,
) -> DataLoader:
    """A loader giving this rank its share (``batch_size / world_size``) of each global batch;
    with ``lengths`` (one per example) batches are bucketed by length."""
    if batch_size % world_size:
        raise ValueError(
            f"make_loader: global batch size {batch_size} is not divisible by {world_size} processes"
        )
    if lengths is not None:
        buckets = BucketBatchSampler(
            lengths, batch_size, shuffle=shuffle, seed=seed, rank=rank, world_size=world_size
        )
        return DataLoader(dataset, batch_sampler=buckets, collate_fn=collate_fn, num_workers=0)
    sampler = DistributedSampler(
        dataset, num_replicas=world_size, rank=rank, shuffle=shuffle, seed=seed, drop_last=drop_last
    )
    return DataLoader(
        dataset,
        batch_size=batch_size // world_size,
        sampler=sampler,
        collate_fn=collate_fn,
        drop_last=drop_last,
        num_workers=0,
    )


def limit(dataset: Dataset, n: int | None) -> tuple[Dataset, list[int] | None]:
    """The first ``n`` examples (all when ``n`` is None), and their lengths if the dataset has them
    (for :class:`BucketBatchSampler`)."""
    lengths = getattr(dataset, "lengths", None)
    if n is None or n >= len(dataset):
        return dataset, lengths
    return torch.utils.data.Subset(dataset, range(n)), lengths[:n] if lengths is not None else None
