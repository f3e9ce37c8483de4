"""Chapter: Dataset/DataLoader and saving (数据加载与保存): how a loader cuts an epoch into batches."""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch.utils.data as tud

from comparisons.selfcheck.exercise import Case, Classic, Exercise, register
from minitorch.data.dataset import split_lengths
from minitorch.data.sampler import BatchSampler


def _batch_cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case("10 shuffled, batch 4, keep the last", (rng.permutation(10), 4, False)),
        Case("10 shuffled, batch 4, drop_last", (rng.permutation(10), 4, True)),
        Case("exact fit: 12 in batches of 3", (rng.permutation(12), 3, False)),
        Case("batch larger than the data, drop_last", (rng.permutation(5), 8, True)),
        Case("batch larger than the data", (rng.permutation(5), 8, False)),
        Case("batch of 1", (rng.permutation(3), 1, False)),
    ]


def _all_full_batches(order: np.ndarray, batch_size: int, drop_last: bool) -> list[np.ndarray]:
    return [order[i:i + batch_size] for i in range(0, len(order) - batch_size + 1, batch_size)]


def _with_partial(order: np.ndarray, batch_size: int, drop_last: bool) -> list[np.ndarray]:
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


BATCH_INDICES = Exercise(
    name="batch_indices", chapter="data", difficulty=1,
    title="Cut an epoch into batches",
    signature="batch_indices(order: np.ndarray, batch_size: int, drop_last: bool) -> list[np.ndarray]",
    doc="""\
The batches of sample indices a DataLoader yields in one epoch.

Inputs: order, the sample indices in the order the sampler gives them (a permutation when
    shuffle=True), shape (N,); batch_size >= 1; drop_last.
Return: a list of 1-d integer arrays: consecutive chunks of `order` of length batch_size; the
    last chunk is shorter when N is not a multiple of batch_size, and is left out when
    drop_last is True.
Math: batch k = order[k*B : (k+1)*B]; ceil(N / B) batches, or floor(N / B) with drop_last.
Hint: slice order[i : i + batch_size] for i = 0, B, 2B, ...; keep the batches in order.
PyTorch: list(torch.utils.data.BatchSampler(order.tolist(), batch_size, drop_last))
""",
    make_cases=_batch_cases,
    expected=lambda order, batch_size, drop_last: [
        np.array(b) for b in tud.BatchSampler(order.tolist(), batch_size, drop_last)],
    reference=lambda order, batch_size, drop_last: [
        np.array(b) for b in BatchSampler(order.tolist(), batch_size, drop_last)],
    outputs=("batches",),
    classics=(
        Classic("with drop_last=False the last, shorter batch is kept (only drop_last=True drops it).",
                _all_full_batches),
        Classic("drop_last=True leaves out the last batch when it is shorter than batch_size.",
                _with_partial),
        Classic("the batches follow `order` (the sampler's shuffled order), not 0, 1, 2, ...",
                lambda order, b, drop_last: [
                    np.asarray(x) for x in tud.BatchSampler(range(len(order)), b, drop_last)]),
    ),
)


def _split_cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case("10 into [0.5, 0.5]", (10, [0.5, 0.5])),
        Case("10 into [0.3, 0.3, 0.4]", (10, [0.3, 0.3, 0.4])),
        Case("7 into [0.5, 0.25, 0.25]", (7, [0.5, 0.25, 0.25])),
        Case("11 into [0.8, 0.1, 0.1]", (11, [0.8, 0.1, 0.1])),
        Case("3 into [1/3, 1/3, 1/3]", (3, [1 / 3, 1 / 3, 1 / 3])),
        Case("1 into [0.9, 0.1]", (1, [0.9, 0.1])),
    ]


def _torch_split_lengths(n: int, fractions: list[float]) -> list[int]:
    with warnings.catch_warnings():  # torch warns about an empty part; an edge case on purpose
        warnings.simplefilter("ignore")
        return [len(part) for part in tud.random_split(range(n), fractions)]


def _remainder_to_last(n: int, fractions: list[float]) -> list[int]:
    counts = [math.floor(n * f) for f in fractions]
    counts[-1] += n - sum(counts)
    return counts


SPLIT_LENGTHS = Exercise(
    name="split_lengths", chapter="data", difficulty=1,
    title="Split sizes for train/val/test fractions",
    signature="split_lengths(n: int, fractions: list[float]) -> list[int]",
    doc="""\
How many samples each part gets when a dataset of n samples is split by fractions.

Inputs: n >= 0; fractions, non-negative floats that sum to 1. Return a list of ints, one per
    fraction, that sums to exactly n.
Math (torch's rule): counts[i] = floor(n * fractions[i]); the r = n - sum(counts) samples
    left over are handed out one at a time to parts 0, 1, 2, ... (round robin).
Hint: round() can give a total of n + 1 or n - 1; floor plus the round robin always gives n.
PyTorch: [len(part) for part in torch.utils.data.random_split(range(n), fractions)]
""",
    make_cases=_split_cases,
    expected=_torch_split_lengths,
    reference=split_lengths,
    outputs=("lengths",),
    classics=(
        Classic("round(n * f) does not always sum to n; use floor, then give the remainder one by "
                "one to the first parts.", lambda n, fractions: [round(n * f) for f in fractions]),
        Classic("the leftover samples go one at a time to the first parts (0, 1, ...), not all "
                "to the last one.", _remainder_to_last),
        Classic("after flooring, hand out the remainder so the lengths sum to n.",
                lambda n, fractions: [math.floor(n * f) for f in fractions]),
    ),
)

register(BATCH_INDICES, SPLIT_LENGTHS)
