"""Chapter: the CIFAR-10 project (CIFAR-10 项目): the standard augmentation, random crop with
padding and horizontal flip, with the random draws given so the answer is exact."""

from __future__ import annotations

import numpy as np
import torchvision.transforms.v2.functional as TF

from comparisons.selfcheck.exercise import Case, Classic, Exercise, register
from comparisons.selfcheck.exercises.common import randn, tensor
from comparisons.selfcheck.solutions.projects import random_crop_flip


def _cases(rng: np.random.Generator) -> list[Case]:
    def case(label: str, n: int, c: int, h: int, w: int, padding: int, offsets: np.ndarray | None = None,
             flips: np.ndarray | None = None) -> Case:
        drawn = rng.integers(0, 2 * padding + 1, (n, 2)) if offsets is None else offsets
        flipped = rng.random(n) < 0.5 if flips is None else flips
        return Case(label, (randn(rng, n, c, h, w), padding, drawn.astype(np.int64), flipped))

    return [
        case("4 RGB 8x8 images, padding 2", 4, 3, 8, 8, 2,
             flips=np.array([True, False, True, False])),
        case("CIFAR-sized: 2 images 32x32, padding 4", 2, 3, 32, 32, 4, flips=np.array([False, True])),
        case("corners: offsets (0, 0) and (2p, 2p)", 2, 1, 5, 5, 2, np.array([[0, 0], [4, 4]]),
             np.array([True, True])),
        case("non-square 6x10, top != left", 3, 2, 6, 10, 3, np.array([[0, 6], [6, 0], [1, 5]]),
             np.array([True, False, True])),
        case("padding 0: flip only", 2, 3, 4, 4, 0, np.zeros((2, 2), dtype=np.int64),
             np.array([True, False])),
    ]


def _torchvision(images: np.ndarray, padding: int, offsets: np.ndarray, flips: np.ndarray) -> np.ndarray:
    """torchvision's RandomCrop(size, padding) then RandomHorizontalFlip, with these draws."""
    _, _, height, width = images.shape
    out = []
    for image, (top, left), flip in zip(tensor(images), offsets, flips, strict=True):
        crop = TF.crop(TF.pad(image, [padding], fill=0), int(top), int(left), height, width)
        out.append(TF.horizontal_flip(crop) if flip else crop)
    return np.stack([o.numpy() for o in out])


def _crop(padded: np.ndarray, offsets: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    return np.stack([padded[n, :, t:t + size[0], s:s + size[1]] for n, (t, s) in enumerate(offsets)])


def _pad(images: np.ndarray, padding: int, mode: str = "constant") -> np.ndarray:
    return np.pad(images, ((0, 0), (0, 0), (padding, padding), (padding, padding)), mode=mode)


def _flip_then_crop(images: np.ndarray, padding: int, offsets: np.ndarray, flips: np.ndarray) -> np.ndarray:
    padded = _pad(images, padding)
    return _crop(np.where(flips[:, None, None, None], padded[..., ::-1], padded), offsets, images.shape[2:])


def _vertical(images: np.ndarray, padding: int, offsets: np.ndarray, flips: np.ndarray) -> np.ndarray:
    upright = random_crop_flip(images, padding, offsets, np.zeros_like(flips))
    return np.where(flips[:, None, None, None], upright[:, :, ::-1, :], upright)


def _reflect(images: np.ndarray, padding: int, offsets: np.ndarray, flips: np.ndarray) -> np.ndarray:
    crops = _crop(_pad(images, padding, "reflect"), offsets, images.shape[2:])
    return np.where(flips[:, None, None, None], crops[..., ::-1], crops)


RANDOM_CROP_FLIP = Exercise(
    name="random_crop_flip", chapter="cifar10", difficulty=2,
    title="Augmentation: random crop with padding, horizontal flip",
    signature="random_crop_flip(images: np.ndarray, padding: int, offsets: np.ndarray, flips: np.ndarray)"
              " -> np.ndarray",
    doc="""\
The CIFAR-10 training augmentation for a batch, with its random draws given as inputs.

Inputs: images (N, C, H, W); padding >= 0; offsets (N, 2) integers, offsets[n] = (top, left),
    each in [0, 2 * padding]; flips (N,) booleans.
Return: (N, C, H, W), the same size as the input. For each image n: pad it with `padding`
    zeros on all four sides (size H + 2p by W + 2p), cut out the H x W window whose top-left
    corner is (top, left), then, if flips[n], mirror it left-right.
Math: out[n, c, i, j] = padded[n, c, top + i, left + j']  with j' = W - 1 - j when flips[n],
    else j' = j.
Hint: np.pad(images, ((0, 0), (0, 0), (p, p), (p, p))) pads with zeros; x[..., ::-1] mirrors
    the last axis (the width). Crop first, then flip: the offsets refer to the padded image.
PyTorch: torchvision.transforms.RandomCrop(H, padding=p) then RandomHorizontalFlip(); with
    the draws fixed: F.crop(F.pad(img, [p], fill=0), top, left, H, W), then F.horizontal_flip
    (torchvision.transforms.v2.functional as F)
""",
    make_cases=_cases,
    expected=_torchvision,
    reference=random_crop_flip,
    outputs=("augmented",),
    classics=(
        Classic("crop first, then flip: mirroring the padded image before cropping moves the window "
                "to the other side.", _flip_then_crop),
        Classic("a horizontal flip mirrors the WIDTH (the last axis, x[..., ::-1]), not the height.",
                _vertical),
        Classic("offsets[n] is (top, left): the first number moves the window down, the second "
                "right.", lambda images, p, offsets, flips: random_crop_flip(images, p, offsets[:, ::-1],
                                                                            flips)),
        Classic("pad with zeros (RandomCrop's default fill=0), not by reflecting the border.", _reflect),
    ),
)

register(RANDOM_CROP_FLIP)
