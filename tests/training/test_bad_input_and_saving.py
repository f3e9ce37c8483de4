"""Bad input refused clearly, before anything is changed, and saving that behaves like a plain
file write (issue 13, item 7). Where torch has the same situation, its behaviour is the
reference."""

from __future__ import annotations

import json
import os
import warnings

import numpy as np
import pytest
import torch

import minitorch
from minitorch.data import DataLoader, TensorDataset
from minitorch.nn import Linear, Sequential
from minitorch.serialization import STRUCTURE_KEY

# -- save ----------------------------------------------------------------------------------------------

def test_saving_an_object_array_refuses_before_touching_the_destination(tmp_path):
    path = tmp_path / "weights.npz"
    minitorch.save({"w": np.arange(3.0)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="save: cannot save an array of dtype object"):
        minitorch.save({"w": np.array([1.0, "x", None], dtype=object)}, path)
    assert path.read_bytes() == before
    assert np.array_equal(minitorch.load(path)["w"], np.arange(3.0))
    assert os.listdir(tmp_path) == ["weights.npz"]  # no temporary file left behind


def test_save_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path):
    target, link = tmp_path / "real.npz", tmp_path / "link.npz"
    minitorch.save({"w": np.zeros(2)}, target)
    link.symlink_to(target)
    minitorch.save({"w": np.ones(2)}, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert np.array_equal(minitorch.load(target)["w"], np.ones(2))


def test_save_gives_the_modes_a_plain_open_gives(tmp_path):
    """A new file: 0666 minus the umask (0644 under the usual 022); an existing file keeps its mode."""
    previous = os.umask(0o022)
    try:
        fresh = tmp_path / "new.npz"
        minitorch.save({"w": np.zeros(1)}, fresh)
        assert fresh.stat().st_mode & 0o777 == 0o644
        os.umask(0o027)
        other = tmp_path / "other.npz"
        minitorch.save({"w": np.zeros(1)}, other)
        assert other.stat().st_mode & 0o777 == 0o640
        os.chmod(fresh, 0o600)
        minitorch.save({"w": np.ones(1)}, fresh)
        assert fresh.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(previous)


# -- load: malformed headers -----------------------------------------------------------------------------

def write_header(path, header: str, **arrays: np.ndarray) -> None:
    with open(path, "wb") as f:
        np.savez(f, **arrays, **{STRUCTURE_KEY: np.array(header)})


FORMAT = '{"format": "minitorch-checkpoint-1", "object": %s}'
MALFORMED = {
    "a list": "[]",
    "a string": '"x"',
    "no object": '{"format": "minitorch-checkpoint-1"}',
    "missing array": FORMAT % '{"tensor": "arr_9"}',
    "unknown node": FORMAT % '{"weird": 1}',
    "two entries": FORMAT % '{"tensor": "arr_0", "array": "arr_0"}',
    "items not a list": FORMAT % '{"dict": 5}',
    "not a pair": FORMAT % '{"dict": [[1]]}',
    "unhashable key": FORMAT % '{"dict": [[[1], 2]]}',
    "array name not a string": FORMAT % '{"array": 0}',
    "deep nesting": FORMAT % ('{"list": [' * 5000 + "]}" * 5000),
}


@pytest.mark.parametrize("header", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_header_raises_the_documented_runtime_error(tmp_path, header):
    path = tmp_path / "bad.npz"
    write_header(path, header, arr_0=np.zeros(2))
    with pytest.raises(RuntimeError, match="is not a valid minitorch checkpoint"):
        minitorch.load(path)


def test_a_well_formed_header_written_by_hand_still_loads(tmp_path):
    path = tmp_path / "good.npz"
    write_header(path, FORMAT % '{"dict": [["w", {"tensor": "arr_0"}], [3, null]]}', arr_0=np.ones(2))
    loaded = minitorch.load(path)
    assert np.array_equal(loaded["w"].data, np.ones(2)) and loaded[3] is None


# -- load_state_dict ---------------------------------------------------------------------------------------

def test_load_state_dict_validates_every_entry_before_writing_any():
    model = Sequential(Linear(2, 2), Linear(2, 2))
    before = {k: v.data.copy() for k, v in model.state_dict().items()}
    state = {k: v.data + 1 for k, v in model.state_dict().items()}
    state["1.bias"] = np.array(["a", "b"])  # the last entry cannot become numbers
    with pytest.raises(RuntimeError, match=r"'1.bias': a value of dtype <U1 is not numbers"):
        model.load_state_dict(state)
    assert all(np.array_equal(before[k], v.data) for k, v in model.state_dict().items())
    state["1.bias"] = np.array([1, 2])  # int64 -> the parameter's float32, as torch converts
    model.load_state_dict(state)
    assert model.state_dict()["1.bias"].dtype == np.float32
    assert np.array_equal(model.state_dict()["0.weight"].data, before["0.weight"] + 1)


# -- DataLoader ---------------------------------------------------------------------------------------------

def test_a_shuffled_loader_over_an_empty_dataset_raises_as_torch_does():
    with pytest.raises(ValueError, match="num_samples should be a positive integer") as theirs:
        torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(0, 3)), shuffle=True)
    with pytest.raises(ValueError, match="num_samples should be a positive integer, but got 0 .the dataset is empty"):
        DataLoader(TensorDataset(minitorch.zeros(0, 3)), batch_size=2, shuffle=True)
    assert "num_samples=0" in str(theirs.value)
    assert list(DataLoader(TensorDataset(minitorch.zeros(0, 3)), batch_size=2)) == []  # unshuffled: empty


# -- tensor(...) --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [[[1, 2], [3]], [[1.0], [2.0, 3.0]], [[[1]], [2]]])
def test_ragged_input_raises_minitorchs_own_error(data):
    with pytest.raises((ValueError, TypeError)):  # torch refuses too
        torch.tensor(data)
    with pytest.raises(ValueError, match="tensor: the nested sequences have different lengths"):
        minitorch.tensor(data)


@pytest.mark.parametrize("data", [["a", "b"], [1, None], {"a": 1}, np.array([1, "x"], dtype=object), "text"])
def test_input_that_is_not_numbers_raises_minitorchs_own_error(data):
    with pytest.raises((TypeError, ValueError, RuntimeError)):
        torch.tensor(data)
    with pytest.raises(TypeError, match="tensor: cannot make a tensor of .* not numbers"):
        minitorch.tensor(data)


# -- in-place on a non-leaf ------------------------------------------------------------------------------------

def test_zero_on_a_non_leaf_says_non_leaf():
    """torch records y.zero_() in the graph; minitorch's in-place methods work outside it, so it
    refuses, and says that the tensor is a non-leaf (not, wrongly, a leaf)."""
    x = minitorch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="zero_: a non-leaf tensor that requires grad .an output of Mul."):
        y.zero_()
    with pytest.raises(RuntimeError, match="fill_: a leaf tensor that requires grad"):
        x.fill_(0.0)
    with minitorch.no_grad():
        y.zero_()  # outside the graph it is allowed, as in torch
    assert np.array_equal(y.data, [0.0, 0.0])


# -- scheduler before optimizer ----------------------------------------------------------------------------------

def scheduler_warnings(engine, optimizer_first: bool) -> list[str]:
    w = engine.tensor(np.ones(2), requires_grad=True)
    optimizer = engine.optim.SGD([w], lr=0.1)
    scheduler = engine.optim.lr_scheduler.StepLR(optimizer, step_size=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            if optimizer_first:
                optimizer.step()
            scheduler.step()
            if not optimizer_first:
                optimizer.step()
    return [str(c.message) for c in caught if "lr_scheduler.step()" in str(c.message)]


def test_scheduler_step_before_optimizer_step_warns_as_torch_does():
    for engine in (torch, minitorch):
        wrong = scheduler_warnings(engine, optimizer_first=False)
        assert len(wrong) == 1, engine.__name__
        assert wrong[0].startswith("Detected call of `lr_scheduler.step()` before `optimizer.step()`.")
        assert scheduler_warnings(engine, optimizer_first=True) == []


def test_header_json_is_what_the_tests_above_assume(tmp_path):
    path = tmp_path / "w.npz"
    minitorch.save({"w": np.zeros(1)}, path)
    with np.load(path) as archive:
        header = json.loads(str(archive[STRUCTURE_KEY]))
    assert header == json.loads(FORMAT % '{"dict": [["w", {"array": "arr_0"}]]}')
