"""CIFAR-10 as in-memory uint8 tensors: the offline PNG-batch subset, or torchvision's full set.

The subset in ``<data root>/cifar10_subset`` stores batch ``k`` as a 1024x1000 RGB PNG whose row
``i`` is image ``1000*k + i`` (32x32 HWC, row-major); ``cifar10_labels.js`` is a JS array of
51,000 labels. Batches 0-3 are ``train[0:4000]`` and batch 50 is ``test[0:1000]``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torchvision import datasets

from projects.common.data_root import cache_dir, data_root, find_folder, missing

CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
SUBSET_BATCHES = {"train": (0, 1, 2, 3), "test": (50,)}
LABELS_FILE = "cifar10_labels.js"
Split = tuple[torch.Tensor, torch.Tensor]


def read_png_batch(path: Path) -> np.ndarray:
    """One PNG batch as uint8 (1000, 3, 32, 32)."""
    pixels = np.asarray(Image.open(path).convert("RGB"))
    if pixels.shape != (1000, 1024, 3):
        raise ValueError(f"read_png_batch: {path} has shape {pixels.shape}, expected (1000, 1024, 3)")
    return pixels.reshape(1000, 32, 32, 3).transpose(0, 3, 1, 2)


def read_js_labels(path: Path) -> np.ndarray:
    """The integers of the JS array ``var labels=[...]``."""
    return np.array([int(v) for v in re.findall(r"-?\d+", path.read_text().split("=", 1)[1])])


def load_cifar_subset(root: str | Path | None = None) -> dict[str, Split]:
    """The offline subset: ``{"train": 4,000 images, "test": 1,000 images}``."""
    pngs = [f"cifar10_batch_{k}.png" for ks in SUBSET_BATCHES.values() for k in ks]
    candidates = [data_root(root) / "cifar10_subset"]
    folder = find_folder(candidates, [*pngs, LABELS_FILE])
    if folder is None:
        raise missing(
            "CIFAR-10 subset",
            candidates,
            [*pngs, LABELS_FILE],
            "use --dataset full on a machine with network access (torchvision download).",
        )
    labels = read_js_labels(folder / LABELS_FILE)
    out = {}
    for split, batches in SUBSET_BATCHES.items():
        x = np.concatenate([read_png_batch(folder / f"cifar10_batch_{k}.png") for k in batches])
        idx = np.concatenate([np.arange(1000 * k, 1000 * (k + 1)) for k in batches])
        out[split] = (torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(labels[idx]))
    return out


def load_cifar_full(cache: str | Path | None = None, download: bool = True) -> dict[str, Split]:
    """Full CIFAR-10 (50,000 / 10,000) through torchvision, downloaded into the cache folder."""
    root = cache_dir(cache)
    try:
        sets = {s: datasets.CIFAR10(root, train=s == "train", download=download) for s in ("train", "test")}
    except (RuntimeError, OSError) as err:  # not found offline; a failed download (URLError)
        raise missing(
            "CIFAR-10 (full)",
            [root / "cifar-10-batches-py"],
            ["data_batch_1..5", "test_batch"],
            "run once with network access so torchvision downloads it, or use the offline "
            "subset (--dataset subset).",
        ) from err
    return {
        s: (torch.from_numpy(d.data).permute(0, 3, 1, 2).contiguous(), torch.tensor(d.targets))
        for s, d in sets.items()
    }
