"""DataLoader, samplers, collate and random_split: behaviour checked against torch.utils.data."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import minitorch
from minitorch.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    TensorDataset,
    default_collate,
    random_split,
)


def _dataset(n: int = 10) -> TensorDataset:
    return TensorDataset(minitorch.arange(n).float().reshape(n, 1) * 1.5, minitorch.arange(n))


def _order(loader: DataLoader) -> list[int]:
    return [int(i) for _, labels in loader for i in labels.data]


def test_sequential_batches_match_torch_including_drop_last():
    for n, batch, drop_last in [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False), (2, 5, True)]:
        mt_loader = DataLoader(_dataset(n), batch_size=batch, drop_last=drop_last)
        torch_loader = tud.DataLoader(tud.TensorDataset(torch.arange(n)), batch_size=batch, drop_last=drop_last)
        assert len(mt_loader) == len(torch_loader)
        assert [len(y) for _, y in mt_loader] == [len(b[0]) for b in torch_loader]
        assert _order(mt_loader) == [int(i) for b in torch_loader for i in b[0]]


def test_shuffle_is_a_permutation_repeatable_with_a_seed_and_new_each_epoch():
    first = DataLoader(_dataset(50), batch_size=7, shuffle=True, generator=np.random.default_rng(3))
    second = DataLoader(_dataset(50), batch_size=7, shuffle=True, generator=np.random.default_rng(3))
    epoch1, epoch2 = _order(first), _order(first)
    assert sorted(epoch1) == list(range(50))
    assert epoch1 == _order(second)  # same seed, same order
    assert epoch1 != epoch2  # a new order every epoch
    other = _order(DataLoader(_dataset(50), batch_size=7, shuffle=True, generator=np.random.default_rng(4)))
    assert other != epoch1


def test_shuffle_without_generator_follows_manual_seed():
    minitorch.manual_seed(5)
    a = _order(DataLoader(_dataset(30), batch_size=4, shuffle=True))
    minitorch.manual_seed(5)
    assert _order(DataLoader(_dataset(30), batch_size=4, shuffle=True)) == a


def test_shuffle_with_drop_last_drops_the_partial_batch():
    loader = DataLoader(_dataset(10), batch_size=4, shuffle=True, drop_last=True,
                        generator=np.random.default_rng(0))
    sizes = [len(y) for _, y in loader]
    assert sizes == [4, 4] and len(loader) == 2


def test_collate_matches_torch_default_collate():
    samples = [
        (np.full((2, 3), i, dtype=np.float32), i, float(i) / 2, {"id": i, "name": f"s{i}"}, [i, True])
        for i in range(4)
    ]
    mine = default_collate(samples)
    theirs = tud.default_collate(samples)
    assert isinstance(mine, tuple) and len(mine) == len(theirs)
    for m, t in [(mine[0], theirs[0]), (mine[1], theirs[1]), (mine[2], theirs[2]),
                 (mine[3]["id"], theirs[3]["id"]), (mine[4][0], theirs[4][0]), (mine[4][1], theirs[4][1])]:
        assert m.shape == tuple(t.shape)
        assert m.dtype == t.numpy().dtype
        np.testing.assert_array_equal(m.data, t.numpy())
    assert mine[1].dtype == np.int64 and mine[2].dtype == np.float64  # torch's rules for Python numbers
    assert mine[3]["name"] == theirs[3]["name"] == ["s0", "s1", "s2", "s3"]


def test_collate_stacks_tensors_keeping_dtype_and_names_bad_shapes():
    batch = default_collate([minitorch.ones(2, 3), minitorch.zeros(2, 3)])
    assert batch.shape == (2, 2, 3) and batch.dtype == np.float32
    with pytest.raises(RuntimeError, match=r"equal size.*\(2, 3\).*\(3,\)|equal size.*\(3,\).*\(2, 3\)"):
        default_collate([minitorch.ones(2, 3), minitorch.ones(3)])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="default_collate.*object"):
        default_collate([object()])


def test_custom_collate_sampler_and_batch_sampler():
    ds = _dataset(6)
    loader = DataLoader(ds, batch_size=2, collate_fn=lambda batch: [int(y.item()) for _, y in batch])
    assert list(loader) == [[0, 1], [2, 3], [4, 5]]
    assert _order(DataLoader(ds, batch_size=4, sampler=[5, 3, 1])) == [5, 3, 1]
    batches = DataLoader(ds, batch_sampler=[[0, 5], [2]])
    assert [y.tolist() for _, y in batches] == [[0, 5], [2]]
    single = list(DataLoader(ds, batch_size=None))
    assert len(single) == 6 and single[2][1].item() == 2


def test_loader_option_errors_as_torch():
    ds = _dataset(4)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(ds, num_samples=0)


def test_samplers():
    ds = _dataset(5)
    assert list(SequentialSampler(ds)) == [0, 1, 2, 3, 4]
    drawn = list(RandomSampler(ds, replacement=True, num_samples=20, generator=np.random.default_rng(0)))
    assert len(drawn) == 20 and set(drawn) <= set(range(5))
    more = list(RandomSampler(ds, num_samples=12, generator=np.random.default_rng(0)))
    assert len(more) == 12 and sorted(more[:10]) == sorted(list(range(5)) * 2)
    assert len(BatchSampler(range(10), 3, drop_last=False)) == 4
    assert len(BatchSampler(range(10), 3, drop_last=True)) == 3
    assert list(BatchSampler(range(5), 2, drop_last=False)) == [[0, 1], [2, 3], [4]]


@pytest.mark.parametrize("lengths", [[4, 7], [0.3, 0.7], [0.5, 0.25, 0.25], [0.33, 0.33, 0.34], [1 / 3] * 3])
def test_random_split_lengths_match_torch_and_cover_the_dataset(lengths):
    n = 11
    parts = random_split(_dataset(n), lengths, generator=np.random.default_rng(0))
    expected = tud.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [len(e) for e in expected]
    indices = [i for p in parts for i in p.indices]
    assert sorted(indices) == list(range(n))
    assert parts[0][0][1].item() == parts[0].indices[0]  # a Subset reads through to the dataset


def test_random_split_is_repeatable_and_checks_lengths():
    a = random_split(_dataset(20), [0.5, 0.5], generator=np.random.default_rng(1))
    b = random_split(_dataset(20), [0.5, 0.5], generator=np.random.default_rng(1))
    assert a[0].indices == b[0].indices
    with pytest.raises(ValueError, match="sum of input lengths 9 does not equal the length of the input dataset"):
        random_split(_dataset(10), [4, 5])
    with pytest.raises(ValueError, match="fraction at index 0 is not between 0 and 1"):
        random_split(_dataset(10), [1.5, -0.5])


def test_tensor_dataset_and_dataset_base_errors():
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(minitorch.zeros(3, 2), minitorch.zeros(4))
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    x, y = _dataset(4)[2]
    assert x.tolist() == [3.0] and y.item() == 2
