"""Image transforms, applied to one sample at a time (a dataset's `transform=`).

Images come in two layouts, as in torchvision: before `ToTensor`, a NumPy array H x W x C (or
H x W) of uint8, as read from the file; after it, a float Tensor C x H x W. Crop and flip work
on either (on the H and W axes of each layout). Random choices come from the `generator`
given (a `np.random.Generator`) or the global one (`minitorch.manual_seed`).

PyTorch equivalent: `torchvision.transforms` (v1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from minitorch.random import default_generator
from minitorch.tensor import Tensor

Image = np.ndarray | Tensor


class Compose:
    """Apply transforms in order: `Compose([ToTensor(), Normalize(mean, std)])`."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for transform in self.transforms:
            img = transform(img)
        return img

    def __repr__(self) -> str:
        return "Compose(\n" + "".join(f"    {t!r}\n" for t in self.transforms) + ")"


class ToTensor:
    """H x W x C (or H x W) array -> C x H x W float32 Tensor; uint8 values are divided by 255.

    Arrays of another dtype keep their values and dtype (torchvision's rule). PIL images are
    accepted too (converted with `np.asarray`).
    """

    def __call__(self, pic: Any) -> Tensor:
        array = np.asarray(pic)
        if array.ndim == 2:
            array = array[:, :, None]
        if array.ndim != 3:
            raise ValueError(f"ToTensor: pic should be 2 or 3 dimensional, got shape {array.shape}")
        chw = np.ascontiguousarray(array.transpose(2, 0, 1))
        if chw.dtype == np.uint8:
            return Tensor(chw.astype(np.float32) / np.float32(255))
        return Tensor(chw)

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """out[c] = (x[c] - mean[c]) / std[c] for a float Tensor (..., C, H, W); dtype kept."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        self.mean = tuple(mean)
        self.std = tuple(std)

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor) or tensor.dtype.kind != "f":
            raise TypeError(
                "Normalize: input should be a float Tensor (use ToTensor first), got "
                f"{type(tensor).__name__} of dtype {getattr(tensor, 'dtype', None)}"
            )
        mean = np.asarray(self.mean, dtype=tensor.dtype).reshape(-1, 1, 1)
        std = np.asarray(self.std, dtype=tensor.dtype).reshape(-1, 1, 1)
        if np.any(std == 0):
            raise ValueError(f"Normalize: std evaluated to zero after conversion to {tensor.dtype}, "
                             "leading to division by zero")
        if tensor.ndim < 3 or mean.shape[0] not in (1, tensor.shape[-3]):
            raise ValueError(
                f"Normalize: {mean.shape[0]} means for a tensor of shape {tensor.shape} "
                "(expected (..., C, H, W))"
            )
        return Tensor((tensor.data - mean) / std)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


def _hw_axes(img: Image) -> tuple[int, int]:
    """The (height, width) axes: 0 and 1 of an H x W (x C) array, the last two of a C x H x W Tensor."""
    return (-2, -1) if isinstance(img, Tensor) else (0, 1)


def _apply(img: Image, fn: Callable[[np.ndarray], np.ndarray]) -> Image:
    return Tensor(fn(img.data)) if isinstance(img, Tensor) else fn(img)


def pad(img: Image, padding: int | Sequence[int], fill: float = 0, padding_mode: str = "constant") -> Image:
    """Pad H and W. `padding`: one int for all sides, (left/right, top/bottom), or
    (left, top, right, bottom). Modes as np.pad / torchvision: constant, edge, reflect, symmetric."""
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError(
            f"pad: padding_mode should be constant, edge, reflect or symmetric, got {padding_mode!r}"
        )
    p = [padding] * 4 if isinstance(padding, int) else list(padding)
    if len(p) == 2:
        p = [p[0], p[1], p[0], p[1]]
    if len(p) != 4:
        raise ValueError(f"pad: padding must be an int or a 2 or 4 element sequence, got {padding}")
    left, top, right, bottom = p
    h_axis, w_axis = _hw_axes(img)

    def padded(array: np.ndarray) -> np.ndarray:
        widths = [(0, 0)] * array.ndim
        widths[h_axis], widths[w_axis] = (top, bottom), (left, right)
        if padding_mode == "constant":
            return np.pad(array, widths, mode="constant", constant_values=fill)
        return np.pad(array, widths, mode=padding_mode)

    return _apply(img, padded)


def crop(img: Image, top: int, left: int, height: int, width: int) -> Image:
    """The height x width window whose top-left corner is (top, left)."""
    h_axis, w_axis = _hw_axes(img)

    def cropped(array: np.ndarray) -> np.ndarray:
        index = [slice(None)] * array.ndim
        index[h_axis], index[w_axis] = slice(top, top + height), slice(left, left + width)
        return np.ascontiguousarray(array[tuple(index)])

    return _apply(img, cropped)


def hflip(img: Image) -> Image:
    """Mirror left-right."""
    _, w_axis = _hw_axes(img)
    return _apply(img, lambda array: np.ascontiguousarray(np.flip(array, axis=w_axis)))


class RandomCrop:
    """Pad (optionally), then cut a `size` window at a uniformly random position.

    The usual CIFAR augmentation: `RandomCrop(32, padding=4)` shifts the image by up to 4 pixels.
    """

    def __init__(self, size: int | Sequence[int], padding: int | Sequence[int] | None = None,
                 pad_if_needed: bool = False, fill: float = 0, padding_mode: str = "constant",
                 generator: np.random.Generator | None = None) -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode
        self.generator = generator

    @staticmethod
    def get_params(img: Image, output_size: tuple[int, int],
                   generator: np.random.Generator | None = None) -> tuple[int, int, int, int]:
        """(top, left, height, width) of a random window of `output_size`."""
        h_axis, w_axis = _hw_axes(img)
        h, w = img.shape[h_axis], img.shape[w_axis]
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(
                f"RandomCrop: required crop size {(th, tw)} is larger than input image size {(h, w)}"
            )
        if (h, w) == (th, tw):
            return 0, 0, h, w
        rng = generator or default_generator()
        return int(rng.integers(0, h - th + 1)), int(rng.integers(0, w - tw + 1)), th, tw

    def __call__(self, img: Image) -> Image:
        if self.padding is not None:
            img = pad(img, self.padding, self.fill, self.padding_mode)
        h_axis, w_axis = _hw_axes(img)
        th, tw = self.size
        if self.pad_if_needed and img.shape[w_axis] < tw:
            img = pad(img, [tw - img.shape[w_axis], 0], self.fill, self.padding_mode)
        if self.pad_if_needed and img.shape[h_axis] < th:
            img = pad(img, [0, th - img.shape[h_axis]], self.fill, self.padding_mode)
        return crop(img, *self.get_params(img, self.size, self.generator))

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror left-right with probability p."""

    def __init__(self, p: float = 0.5, generator: np.random.Generator | None = None) -> None:
        self.p = p
        self.generator = generator

    def __call__(self, img: Image) -> Image:
        if (self.generator or default_generator()).random() < self.p:
            return hflip(img)
        return img

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"
