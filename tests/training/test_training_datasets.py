"""The MNIST and CIFAR-10-subset readers on the real files (skipped when MINITORCH_DATA is not set),
and their errors when the data is missing or damaged."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from minitorch.data import MNIST, CIFAR10Subset, DataLoader, read_idx
from minitorch.data import transforms as T

REAL = os.environ.get("MINITORCH_DATA")
needs_data = pytest.mark.skipif(
    not REAL or not (Path(REAL) / "mnist").is_dir(),
    reason="real data not available: set MINITORCH_DATA to a folder laid out like ../shared/data",
)


@needs_data
def test_mnist_test_set_equals_torchvisions_idx_reader(tmp_path):
    from torchvision.datasets.mnist import read_image_file, read_label_file

    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        with gzip.open(Path(REAL) / "mnist" / f"{name}.gz", "rb") as src, open(tmp_path / name, "wb") as dst:
            shutil.copyfileobj(src, dst)
    test = MNIST(train=False)
    assert test.data.shape == (10000, 28, 28) and test.data.dtype == np.uint8
    assert test.targets.dtype == np.int64
    np.testing.assert_array_equal(test.data.data, read_image_file(str(tmp_path / "t10k-images-idx3-ubyte")).numpy())
    np.testing.assert_array_equal(test.targets.data, read_label_file(str(tmp_path / "t10k-labels-idx1-ubyte")).numpy())


@needs_data
def test_mnist_train_set_and_transformed_samples():
    train = MNIST(train=True, transform=T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))]))
    assert len(train) == 60000
    assert train.targets.data[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert np.bincount(train.targets.data).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    pixels = train.data.data[:1000].astype(np.float64) / 255
    assert abs(pixels.mean() - 0.1307) < 0.01  # the usual normalization constants fit
    image, label = train[0]
    assert image.shape == (1, 28, 28) and image.dtype == np.float32 and label == 5
    images, labels = next(iter(DataLoader(train, batch_size=32)))
    assert images.shape == (32, 1, 28, 28) and images.dtype == np.float32 and labels.dtype == np.int64


@needs_data
def test_cifar10_subset_layout_and_known_labels():
    train, test = CIFAR10Subset(train=True), CIFAR10Subset(train=False)
    assert train.data.shape == (4000, 32, 32, 3) and test.data.shape == (1000, 32, 32, 3)
    assert train.data.dtype == np.uint8
    # Checks recorded in cifar10_subset/PROVENANCE.md.
    assert train.targets.data[:10].tolist() == [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]
    assert test.targets.data[:20].tolist() == [3, 8, 8, 0, 6, 6, 1, 6, 3, 1, 0, 9, 5, 7, 9, 8, 5, 7, 8, 6]
    assert set(np.unique(train.targets.data)) == set(range(10))
    # Rows of an image are continuous: neighbouring pixels are far more alike than distant ones.
    image = train.data.data[0].astype(np.float64)
    assert np.abs(np.diff(image, axis=0)).mean() < 0.5 * np.abs(image - image[::-1]).mean()
    sample, label = CIFAR10Subset(train=False, transform=T.Compose([
        T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor()]))[0]
    assert sample.shape == (3, 32, 32) and label == 3


def test_missing_data_names_where_it_looked_and_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("MINITORCH_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError) as err:
        MNIST(train=False)
    message = str(err.value)
    assert str(tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz") in message
    assert "MINITORCH_DATA" in message and "download=True" in message
    with pytest.raises(FileNotFoundError, match="cifar10_batch_50.png.*MINITORCH_DATA"):
        CIFAR10Subset(tmp_path, train=False)


def test_idx_reader_rejects_foreign_and_truncated_files(tmp_path):
    labels = tmp_path / "labels-idx1-ubyte"
    labels.write_bytes((2049).to_bytes(4, "big") + (5).to_bytes(4, "big") + bytes([1, 2, 3, 4, 5]))
    assert read_idx(labels).tolist() == [1, 2, 3, 4, 5]
    images = tmp_path / "images-idx3-ubyte.gz"
    with gzip.open(images, "wb") as f:
        f.write((2051).to_bytes(4, "big") + (2).to_bytes(4, "big") + (2).to_bytes(4, "big")
                + (2).to_bytes(4, "big") + bytes(7))
    with pytest.raises(ValueError, match=r"truncated: header says \(2, 2, 2\), found 7 bytes"):
        read_idx(images)
    foreign = tmp_path / "notes.txt"
    foreign.write_text("hello world")
    with pytest.raises(ValueError, match="not an IDX label or image file"):
        read_idx(foreign)
