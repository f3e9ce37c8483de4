"""minitorch.save / minitorch.load: exact round trips, atomic writes, clear errors that leave the
model untouched, and no pickle anywhere."""

from __future__ import annotations

import zipfile
from collections import Counter

import numpy as np
import pytest
import torch

import minitorch
import minitorch.optim
from minitorch.nn import functional as F
from minitorch.nn.models import LeNet5


def _train(model, optimizer, steps, seed):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        x = minitorch.Tensor(rng.random((4, 1, 28, 28), dtype=np.float32))
        y = minitorch.Tensor(rng.integers(0, 10, 4))
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


def test_model_and_optimizer_round_trip_exactly(tmp_path):
    model = LeNet5()
    optimizer = minitorch.optim.Adam(model.parameters(), lr=1e-3, amsgrad=True)
    _train(model, optimizer, 2, seed=0)
    path = tmp_path / "checkpoint.npz"
    minitorch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3}, path)
    loaded = minitorch.load(path)
    assert loaded["epoch"] == 3
    assert list(loaded["model"]) == list(model.state_dict())
    for name, value in model.state_dict().items():
        assert isinstance(loaded["model"][name], minitorch.Tensor)
        assert loaded["model"][name].dtype == value.dtype == np.float32
        np.testing.assert_array_equal(loaded["model"][name].data, value.data)
    saved_opt = optimizer.state_dict()
    assert list(loaded["optimizer"]["state"]) == list(saved_opt["state"])  # int keys stay ints
    assert all(isinstance(k, int) for k in loaded["optimizer"]["state"])
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)  # tuples stay tuples
    assert loaded["optimizer"]["param_groups"] == saved_opt["param_groups"]
    for index, state in saved_opt["state"].items():
        assert loaded["optimizer"]["state"][index]["step"] == state["step"] == 2
        np.testing.assert_array_equal(loaded["optimizer"]["state"][index]["exp_avg"].data, state["exp_avg"].data)


def test_resuming_from_a_checkpoint_continues_the_run_exactly(tmp_path):
    minitorch.manual_seed(0)
    straight = LeNet5()
    minitorch.manual_seed(0)
    resumed = LeNet5()
    opt_a = minitorch.optim.SGD(straight.parameters(), lr=0.1, momentum=0.9)
    opt_b = minitorch.optim.SGD(resumed.parameters(), lr=0.1, momentum=0.9)
    sched_b = minitorch.optim.lr_scheduler.StepLR(opt_b, step_size=1, gamma=0.5)
    _train(straight, opt_a, 2, seed=1)
    _train(resumed, opt_b, 2, seed=1)
    sched_b.step()
    minitorch.save({"model": resumed.state_dict(), "optimizer": opt_b.state_dict(),
                    "scheduler": sched_b.state_dict()}, tmp_path / "ckpt.npz")
    checkpoint = minitorch.load(tmp_path / "ckpt.npz")
    fresh = LeNet5()
    fresh_opt = minitorch.optim.SGD(fresh.parameters(), lr=0.1, momentum=0.9)
    fresh_sched = minitorch.optim.lr_scheduler.StepLR(fresh_opt, step_size=1, gamma=0.5)
    fresh.load_state_dict(checkpoint["model"])
    fresh_opt.load_state_dict(checkpoint["optimizer"])
    fresh_sched.load_state_dict(checkpoint["scheduler"])
    assert fresh_opt.param_groups[0]["lr"] == 0.05 and fresh_sched.get_last_lr() == [0.05]
    for group in opt_a.param_groups:
        group["lr"] = 0.05
    _train(straight, opt_a, 2, seed=2)
    _train(fresh, fresh_opt, 2, seed=2)
    for (name, a), b in zip(straight.state_dict().items(), fresh.state_dict().values(), strict=True):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)


def test_counter_numpy_scalars_and_special_floats_round_trip(tmp_path):
    value = {"milestones": Counter({3: 1, 8: 2}), "best": float("inf"), "nan": float("nan"),
             "scale": np.float32(1.5), "names": ["a", None, True], 7: np.arange(3)}
    minitorch.save(value, tmp_path / "x.npz")
    back = minitorch.load(tmp_path / "x.npz")
    assert isinstance(back["milestones"], Counter) and back["milestones"] == value["milestones"]
    assert back["best"] == float("inf") and np.isnan(back["nan"])
    assert back["scale"] == 1.5 and back["scale"].dtype == np.float32
    assert back["names"] == ["a", None, True]
    np.testing.assert_array_equal(back[7], np.arange(3))


def test_the_file_is_a_plain_npz_without_pickled_objects(tmp_path):
    minitorch.save(LeNet5().state_dict(), tmp_path / "w.npz")
    with np.load(tmp_path / "w.npz", allow_pickle=False) as archive:  # would raise on any object array
        assert all(archive[name].dtype != object for name in archive.files)
    with pytest.raises(TypeError, match="cannot save an object of type object"):
        minitorch.save({"x": object()}, tmp_path / "bad.npz")
    assert not (tmp_path / "bad.npz").exists()


def test_saved_weights_load_into_the_torch_twin(tmp_path):
    from comparisons.twins import LeNet5 as TorchLeNet5

    model = LeNet5()
    minitorch.save(model.state_dict(), tmp_path / "w.npz")
    twin = TorchLeNet5()
    twin.load_state_dict({k: torch.from_numpy(v.data.copy()) for k, v in minitorch.load(tmp_path / "w.npz").items()})
    x = np.random.default_rng(0).random((2, 1, 28, 28), dtype=np.float32)
    with torch.no_grad():
        np.testing.assert_allclose(model(minitorch.Tensor(x)).data, twin(torch.from_numpy(x)).numpy(), atol=1e-5)


def test_a_failed_save_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "w.npz"
    minitorch.save({"v": np.ones(3)}, path)
    before = path.read_bytes()

    def broken_savez(file, **arrays):
        file.write(b"PK\x03\x04 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        minitorch.save({"v": np.zeros(3)}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["w.npz"]


@pytest.mark.parametrize("damage", ["truncated", "foreign_npz", "torch_file", "text", "empty"])
def test_bad_files_raise_naming_the_file_and_leave_the_model_untouched(tmp_path, damage):
    model = LeNet5()
    good = tmp_path / "good.npz"
    minitorch.save(model.state_dict(), good)
    bad = tmp_path / f"{damage}.npz"
    if damage == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif damage == "foreign_npz":
        np.savez(bad, weights=np.zeros(3))
    elif damage == "torch_file":
        torch.save({"w": torch.zeros(2)}, bad)
    elif damage == "text":
        bad.write_text("these are not weights")
    else:
        bad.write_bytes(b"")
    before = {k: v.data.copy() for k, v in model.state_dict().items()}
    with pytest.raises(RuntimeError, match=f"load: .*{damage}.npz is not a valid minitorch checkpoint"):
        model.load_state_dict(minitorch.load(bad))
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value.data, before[name])


def test_corrupted_bytes_inside_the_archive_are_detected(tmp_path):
    path = tmp_path / "w.npz"
    minitorch.save({"v": np.arange(1000, dtype=np.float32)}, path)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("arr_0.npy")
    raw = bytearray(path.read_bytes())
    raw[info.header_offset + 200] ^= 0xFF  # flip bits in the stored array data
    path.write_bytes(bytes(raw))
    with pytest.raises(RuntimeError, match="w.npz is not a valid minitorch checkpoint"):
        minitorch.load(path)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="no such file: .*nowhere.npz"):
        minitorch.load("nowhere.npz")
