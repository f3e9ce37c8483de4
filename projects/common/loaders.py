"""DataLoaders whose global batches are the same for 1 process or N (DistributedDataParallel).

Each epoch ``DistributedSampler`` shuffles with a generator seeded by ``seed + epoch`` (so the
order needs no saved state to resume) and deals the permutation out round-robin: rank ``r``
takes positions ``r, r + N, ...``. With a per-rank batch of ``B / N``, the N ranks' k-th batches
together are exactly positions ``kB .. kB + B - 1``: the k-th batch of a single process with
batch ``B``. Data stays in memory; ``num_workers=0`` (no process start-up cost for small data).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch.utils.data import DataLoader, Dataset, DistributedSampler


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
) -> DataLoader:
    """A loader giving this rank its share (``batch_size / world_size``) of each global batch."""
    if batch_size % world_size:
        raise ValueError(
            f"make_loader: global batch size {batch_size} is not divisible by {world_size} processes"
        )
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
