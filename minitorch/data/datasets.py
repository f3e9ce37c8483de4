"""Readers for the real datasets: MNIST (IDX files) and the CIFAR-10 subset (PNG batches).

Where the data is: the folder given as `root`, else the environment variable `MINITORCH_DATA`,
else `../shared/data` next to the repository. That folder is laid out as

    mnist/train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz  t10k-images-...  t10k-labels-...
    cifar10_subset/cifar10_batch_{0,1,2,3,50}.png  cifar10_labels.js

A missing file raises an error naming the path looked at and how to get the data.
`MNIST(download=True)` fetches the four official files (checked by MD5) when they are absent.

PyTorch equivalent: `torchvision.datasets.MNIST` (CIFAR-10's PNG subset has no torchvision reader).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from minitorch.data.dataset import Dataset
from minitorch.tensor import Tensor

ENV_VAR = "MINITORCH_DATA"
DEFAULT_ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The data folder: `root`, else $MINITORCH_DATA, else ../shared/data next to the repository."""
    if root is not None:
        return Path(root).expanduser()
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    return DEFAULT_ROOT


def _missing(path: Path, how_to_get: str) -> FileNotFoundError:
    setting = os.environ.get(ENV_VAR)
    where = f"{ENV_VAR}={setting}" if setting else f"{ENV_VAR} is not set, default {DEFAULT_ROOT}"
    return FileNotFoundError(f"{path} not found ({where}). {how_to_get}")


class LabelledImages(Dataset):
    """Images (N, H, W[, C]) uint8 and integer labels; a sample is (transform(image), label)."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, transform: Callable[[Any], Any] | None,
                 target_transform: Callable[[int], Any] | None) -> None:
        self.data = Tensor(images)
        self.targets = Tensor(labels.astype(np.int64))
        self.transform = transform
        self.target_transform = target_transform

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image, label = self.data.data[index], int(self.targets.data[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def __len__(self) -> int:
        return len(self.data)


# -- MNIST -------------------------------------------------------------------------------------

MNIST_MIRRORS = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}


def read_idx(path: Path) -> np.ndarray:
    """Read a (gzipped) IDX file: a big-endian header (magic 2049 labels / 2051 images, the
    count, then rows and columns for images) followed by unsigned bytes."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    if magic not in (2049, 2051):
        raise ValueError(f"read_idx: {path} is not an IDX label or image file (magic number {magic})")
    ndim = 1 if magic == 2049 else 3
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(
            f"read_idx: {path} is truncated: header says {shape}, found {data.size} bytes of data"
        )
    return data.reshape(shape)


def _download(url: str, target: Path, md5: str) -> None:
    """Fetch `url` to `target` atomically, checking its MD5."""
    fd, temp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            out.write(response.read())
        digest = hashlib.md5(Path(temp).read_bytes()).hexdigest()
        if digest != md5:
            raise OSError(f"download of {url} has MD5 {digest}, expected {md5}")
        os.replace(temp, target)
    finally:
        Path(temp).unlink(missing_ok=True)


class MNIST(LabelledImages):
    """The 60,000 training or 10,000 test digits: samples (transform(28x28 uint8 array), label).

    `data` is a uint8 Tensor (N, 28, 28) and `targets` an int64 Tensor (N,), as in torchvision.
    """

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True,
                 transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[int], Any] | None = None, download: bool = False) -> None:
        folder = data_root(root) / "mnist"
        prefix = "train" if train else "t10k"
        paths = [folder / f"{prefix}-images-idx3-ubyte.gz", folder / f"{prefix}-labels-idx1-ubyte.gz"]
        for path in paths:
            if not path.is_file() and download:
                folder.mkdir(parents=True, exist_ok=True)
                self._fetch(path)
            if not path.is_file():
                raise _missing(path, "Put the four MNIST IDX .gz files there (from "
                               f"{MNIST_MIRRORS[0]}), or pass download=True, or set {ENV_VAR} to a folder "
                               "whose mnist/ subfolder has them.")
        images, labels = read_idx(paths[0]), read_idx(paths[1])
        if len(images) != len(labels):
            raise ValueError(f"MNIST: {len(images)} images but {len(labels)} labels in {folder}")
        super().__init__(images, labels, transform, target_transform)

    @staticmethod
    def _fetch(path: Path) -> None:
        errors = []
        for mirror in MNIST_MIRRORS:
            try:
                _download(mirror + path.name, path, MNIST_FILES[path.name])
                return
            except OSError as err:
                errors.append(f"{mirror}: {err}")
        raise OSError(f"MNIST: could not download {path.name}: " + "; ".join(errors))


# -- CIFAR-10 subset ---------------------------------------------------------------------------

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


class CIFAR10Subset(LabelledImages):
    """The offline CIFAR-10 subset: 4,000 training or 1,000 test images, samples (transform(32x32x3
    uint8 array), label).

    Batch k is a 1000 x 1024 RGB PNG whose row i is image 1000 k + i (a 32x32 HWC image stored
    row-major); label j of `cifar10_labels.js` belongs to image j. Batches 0-3 are the first
    4,000 training images, batch 50 the first 1,000 test images.
    """

    classes = CIFAR10_CLASSES

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True,
                 transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[int], Any] | None = None) -> None:
        from PIL import Image  # only this reader needs Pillow

        folder = data_root(root) / "cifar10_subset"
        batches = [0, 1, 2, 3] if train else [50]
        paths = [folder / f"cifar10_batch_{k}.png" for k in batches] + [folder / "cifar10_labels.js"]
        for path in paths:
            if not path.is_file():
                raise _missing(path, "This subset (ConvNetJS PNG batches) ships in the project's shared data "
                               f"folder; set {ENV_VAR} to a folder whose cifar10_subset/ subfolder has it. "
                               "For the full CIFAR-10 use torchvision.datasets.CIFAR10(download=True).")
        images = []
        for path in paths[:-1]:
            with Image.open(path) as png:
                pixels = np.asarray(png.convert("RGB"))
            if pixels.shape != (1000, 1024, 3):
                raise ValueError(f"CIFAR10Subset: {path} has shape {pixels.shape}, expected (1000, 1024, 3)")
            images.append(pixels.reshape(1000, 32, 32, 3))
        text = paths[-1].read_text()
        all_labels = np.array(json.loads(text[text.index("["):text.rindex("]") + 1]), dtype=np.int64)
        labels = np.concatenate([all_labels[1000 * k:1000 * (k + 1)] for k in batches])
        super().__init__(np.concatenate(images), labels, transform, target_transform)
