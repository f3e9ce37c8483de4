"""Dataset readers and the one clear message for missing data."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from projects.cifar10.__main__ import main as cifar_main
from projects.common import mnist_data
from projects.common.cifar_data import load_cifar_subset
from projects.common.data_root import ENV_VAR, DataMissingError, data_root
from projects.common.mnist_data import load_mnist, read_idx
from projects.common.text_data import read_polarity, read_sst2


def test_read_idx_round_trip_and_bad_header(tmp_path: Path) -> None:
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "x-idx3-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">BBBBIII", 0, 0, 8, 3, 2, 3, 4) + array.tobytes())
    np.testing.assert_array_equal(read_idx(path), array)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad")


def test_data_root_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert data_root() == tmp_path
    assert data_root(tmp_path / "flag") == tmp_path / "flag"  # the flag wins


def test_missing_data_names_places_and_remedy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty"
    with pytest.raises(DataMissingError) as err:
        load_mnist("mnist", root=empty, cache=tmp_path / "cache", download=False)
    message = str(err.value)
    for expected in (str(empty / "mnist"), "train-images-idx3-ubyte.gz", ENV_VAR, "--data-root", "download"):
        assert expected in message
    folder, _, tv_class = mnist_data.SOURCES["fashion-mnist"]
    monkeypatch.setitem(mnist_data.SOURCES, "fashion-mnist", (folder, (), tv_class))  # hide Debian's copy
    with pytest.raises(DataMissingError, match="apt-get install dataset-fashion-mnist"):
        load_mnist("fashion-mnist", root=empty, cache=tmp_path / "cache", download=False)
    with pytest.raises(DataMissingError, match=r"cifar10_batch_0\.png"):
        load_cifar_subset(empty)
    with pytest.raises(DataMissingError, match="cs.cornell.edu"):
        read_polarity(empty)
    with pytest.raises(DataMissingError, match=r"stsa\.binary\.test"):
        read_sst2("test", "kim", empty)


def test_cli_missing_data_message_lists_subset_and_full(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One clear message, exit status 2, no traceback."""
    with pytest.raises(SystemExit) as exit_info:
        cifar_main(["--data-root", str(tmp_path), "--no-download", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.startswith("python -m projects.cifar10: error: ")
    assert "CIFAR-10 subset not found" in err and "CIFAR-10 (full) not found" in err


def test_loaders_shapes(root: Path) -> None:
    mnist = load_mnist("mnist", root=root, download=False)
    x, y = mnist["train"]
    assert x.dtype == torch.uint8 and x.shape[1:] == (28, 28) and y.dtype == torch.int64
    cifar = load_cifar_subset(root)
    assert cifar["train"][0].shape == (4000, 3, 32, 32) and cifar["test"][0].shape == (1000, 3, 32, 32)
    assert int(cifar["train"][1].max()) <= 9


def test_real_mnist_and_cifar(real_root: Path) -> None:
    mnist = load_mnist("mnist", root=real_root, download=False)
    assert mnist["train"][0].shape == (60_000, 28, 28) and mnist["test"][0].shape == (10_000, 28, 28)
    assert mnist["train"][1][:5].tolist() == [5, 0, 4, 1, 9]  # the well-known first labels
    assert torch.bincount(mnist["test"][1]).tolist()[:2] == [980, 1135]
    cifar = load_cifar_subset(real_root)
    assert cifar["train"][1][:5].tolist() == [6, 9, 9, 4, 1]  # data_batch_1 begins frog, truck, truck
    assert cifar["test"][1][:5].tolist() == [3, 8, 8, 0, 6]  # test_batch begins cat, ship, ship


def test_fashion_mnist_debian_package() -> None:
    folder = Path("/usr/share/datasets/fashion-mnist")
    if not folder.is_dir():
        pytest.skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
    data = load_mnist("fashion-mnist", root="/nonexistent", download=False)
    assert data["train"][0].shape == (60_000, 28, 28) and data["test"][0].shape == (10_000, 28, 28)
    assert torch.bincount(data["train"][1]).tolist() == [6000] * 10
