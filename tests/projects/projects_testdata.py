"""A tiny, learnable stand-in for ../shared/data in the same layout (used when it is absent)."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
from PIL import Image

POSITIVE = ["good", "great", "wonderful", "charming", "moving", "superb", "fun", "brilliant"]
NEGATIVE = ["bad", "dull", "boring", "awful", "tedious", "mess", "weak", "clumsy"]
FILLER = ["the", "film", "a", "story", "is", "and", "movie", "of", "acting", "plot", "café"]


def _idx(path: Path, array: np.ndarray) -> None:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + b"".join(
        struct.pack(">I", d) for d in array.shape
    )
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def _mnist_like(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Class ``c`` is a bright 6x6 square at a class-specific place, plus noise."""
    labels = rng.integers(0, 10, n)
    images = rng.integers(0, 60, (n, 28, 28))
    for i, c in enumerate(labels):
        r, col = 2 + 5 * (c // 4), 2 + 6 * (c % 4)
        images[i, r : r + 6, col : col + 6] = 255
    return images, labels


def _sentences(rng: np.random.Generator, n: int) -> list[tuple[str, int]]:
    out = []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        words = list(rng.choice(FILLER, 6)) + [str(rng.choice(POSITIVE if label else NEGATIVE))]
        rng.shuffle(words)
        out.append((" ".join(words) + " .", label))
    return out


def make_data_root(root: Path, seed: int = 0) -> Path:
    """Write mnist/, cifar10_subset/, rt-polarity/ and sst2/ (small) under ``root``."""
    rng = np.random.default_rng(seed)
    (root / "mnist").mkdir(parents=True)
    for split, n in (("train", 1200), ("t10k", 400)):
        images, labels = _mnist_like(rng, n)
        _idx(root / "mnist" / f"{split}-images-idx3-ubyte.gz", images)
        _idx(root / "mnist" / f"{split}-labels-idx1-ubyte.gz", labels)

    cifar = root / "cifar10_subset"
    cifar.mkdir()
    labels = rng.integers(0, 10, 51_000)
    colors = rng.integers(0, 256, (10, 3))
    for k in (0, 1, 2, 3, 50):
        lab = labels[1000 * k : 1000 * (k + 1)]
        pixels = colors[lab][:, None, :] * 0.7 + rng.integers(0, 77, (1000, 1024, 3))
        Image.fromarray(pixels.astype(np.uint8), "RGB").save(cifar / f"cifar10_batch_{k}.png")
    (cifar / "cifar10_labels.js").write_text("var labels=[" + ", ".join(map(str, labels)) + "];")

    pol = root / "rt-polarity"
    pol.mkdir()
    sentences = _sentences(rng, 600)
    for label, name in enumerate(("rt-polarity.neg", "rt-polarity.pos")):
        text = "\n".join(s for s, lab in sentences if lab == label) + "\n"
        (pol / name).write_bytes(text.encode("latin-1"))

    kim, glue = root / "sst2" / "kim2014", root / "sst2" / "glue"
    kim.mkdir(parents=True)
    glue.mkdir()
    for split, n in (("train", 800), ("dev", 200), ("test", 200)):
        rows = _sentences(rng, n)
        (kim / f"stsa.binary.{split}").write_text("".join(f"{lab} {s}\n" for s, lab in rows))
        if split != "test":
            (glue / f"{split}.tsv").write_text(
                "sentence\tlabel\n" + "".join(f"{s} \t{lab}\n" for s, lab in rows)
            )
    return root
