"""MNIST and Fashion-MNIST as in-memory uint8 tensors.

Offline, the four IDX ``.gz`` files are parsed directly (no copy, nothing written); they are
looked for in ``<data root>/mnist`` (or ``fashion-mnist``) and, for Fashion-MNIST, in the Debian
package folder ``/usr/share/datasets/fashion-mnist``. Otherwise torchvision downloads the data
into the cache folder (``download=True``).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch
from torchvision import datasets

from projects.common.data_root import cache_dir, data_root, find_folder, missing

FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
SOURCES = {
    "mnist": ("mnist", (), datasets.MNIST),
    "fashion-mnist": (
        "fashion-mnist",
        (Path("/usr/share/datasets/fashion-mnist"),),
        datasets.FashionMNIST,
    ),
}
CLASSES = {
    "mnist": tuple(str(d) for d in range(10)),
    "fashion-mnist": tuple(datasets.FashionMNIST.classes),
}
IDX_DTYPE = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: Path) -> np.ndarray:
    """Parse an IDX file (optionally gzipped): 2 zero bytes, dtype code, ndim, big-endian dims."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPE:
        raise ValueError(f"read_idx: {path} is not an IDX file (header {raw[:4]!r})")
    ndim = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=IDX_DTYPE[raw[2]], offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"read_idx: {path} holds {data.size} values, header says {dims}")
    return data.reshape(dims)


def load_mnist(
    name: str = "mnist",
    root: str | Path | None = None,
    cache: str | Path | None = None,
    download: bool = True,
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """``{"train": (images, labels), "test": (images, labels)}``: uint8 (N, 28, 28), int64 (N,)."""
    folder_name, extra_places, tv_class = SOURCES[name]
    required = FILES["train"] + FILES["test"]
    candidates = [data_root(root) / folder_name, *extra_places]
    folder = find_folder(candidates, required)
    if folder is not None:
        out = {}
        for split, (images, labels) in FILES.items():
            x = torch.from_numpy(read_idx(folder / images).copy())
            y = torch.from_numpy(read_idx(folder / labels).astype(np.int64))
            out[split] = (x, y)
        return out
    cache_root = cache_dir(cache)
    try:
        splits = {s: tv_class(cache_root, train=s == "train", download=download) for s in FILES}
    except (RuntimeError, OSError) as err:  # not found offline; a failed download (URLError)
        raise missing(
            name,
            [*candidates, cache_root / tv_class.__name__ / "raw"],
            required,
            "run once with network access so torchvision downloads it into the cache "
            f"({cache_root}); Fashion-MNIST is also `apt-get install dataset-fashion-mnist`.",
        ) from err
    return {s: (d.data, d.targets.long()) for s, d in splits.items()}
