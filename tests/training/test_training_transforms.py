"""Transforms against torchvision's on the same inputs (torchvision.transforms v1, tensor path)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision.transforms as TV
import torchvision.transforms.functional as TVF

import minitorch
from minitorch.data import transforms as T


@pytest.fixture
def image() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (6, 5, 3), dtype=np.uint8)


def test_to_tensor_matches_torchvision(image):
    for pic in (image, image[:, :, 0], image.astype(np.float64) / 7):
        mine, theirs = T.ToTensor()(pic), TV.ToTensor()(pic)
        assert mine.dtype == theirs.numpy().dtype
        np.testing.assert_array_equal(mine.data, theirs.numpy())
    assert T.ToTensor()(image).dtype == np.float32 and T.ToTensor()(image).shape == (3, 6, 5)
    with pytest.raises(ValueError, match="ToTensor: pic should be 2 or 3 dimensional"):
        T.ToTensor()(np.zeros((1, 2, 3, 4), dtype=np.uint8))


def test_to_tensor_accepts_pil_images(image):
    from PIL import Image

    pil = Image.fromarray(image)
    np.testing.assert_array_equal(T.ToTensor()(pil).data, TV.ToTensor()(pil).numpy())


def test_normalize_matches_torchvision_and_keeps_dtype(image):
    x = TV.ToTensor()(image)
    mean, std = (0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261)
    mine = T.Normalize(mean, std)(minitorch.Tensor(x.numpy().copy()))
    theirs = TV.Normalize(mean, std)(x)
    assert mine.dtype == np.float32
    np.testing.assert_allclose(mine.data, theirs.numpy(), rtol=1e-6, atol=1e-6)
    batch = minitorch.Tensor(np.stack([x.numpy()] * 2))
    np.testing.assert_allclose(T.Normalize(mean, std)(batch).data, TV.Normalize(mean, std)(torch.stack([x] * 2)),
                               rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.5,), (0.0,))(minitorch.zeros(1, 2, 2))
    with pytest.raises(TypeError, match="float Tensor"):
        T.Normalize((0.5,), (0.5,))(image)


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
@pytest.mark.parametrize("padding", [2, (1, 3), (1, 2, 3, 0)])
def test_pad_matches_torchvision_on_tensors_and_arrays(image, mode, padding):
    chw = torch.from_numpy(image.transpose(2, 0, 1).copy())
    theirs = TVF.pad(chw, list(padding) if isinstance(padding, tuple) else padding, fill=7, padding_mode=mode)
    mine = T.pad(minitorch.Tensor(chw.numpy().copy()), padding, fill=7, padding_mode=mode)
    np.testing.assert_array_equal(mine.data, theirs.numpy())
    hwc = T.pad(image, padding, fill=7, padding_mode=mode)  # the same on an H x W x C array
    np.testing.assert_array_equal(hwc.transpose(2, 0, 1), theirs.numpy())


def test_crop_and_hflip_match_torchvision(image):
    chw = torch.from_numpy(image.transpose(2, 0, 1).copy())
    np.testing.assert_array_equal(T.crop(minitorch.Tensor(chw.numpy()), 1, 2, 4, 3).data,
                                  TVF.crop(chw, 1, 2, 4, 3).numpy())
    np.testing.assert_array_equal(T.hflip(minitorch.Tensor(chw.numpy())).data, TVF.hflip(chw).numpy())
    np.testing.assert_array_equal(T.hflip(image).transpose(2, 0, 1), TVF.hflip(chw).numpy())


def test_random_crop_with_padding_is_torchvisions_crop_at_the_drawn_position(image):
    chw = torch.from_numpy(image.transpose(2, 0, 1).copy())
    crop = T.RandomCrop(5, padding=2, generator=np.random.default_rng(0))
    positions = set()
    for seed in range(20):
        rng = np.random.default_rng(seed)
        padded = T.pad(minitorch.Tensor(chw.numpy()), 2)
        top, left, h, w = T.RandomCrop.get_params(padded, (5, 5), np.random.default_rng(seed))
        positions.add((top, left))
        crop.generator = rng
        out = crop(minitorch.Tensor(chw.numpy()))
        expected = TVF.crop(TVF.pad(chw, 2), top, left, h, w)
        np.testing.assert_array_equal(out.data, expected.numpy())
        assert 0 <= top <= 10 - 5 and 0 <= left <= 9 - 5
    assert len(positions) > 5  # the position really varies


def test_random_crop_pad_if_needed_and_errors(image):
    out = T.RandomCrop((8, 7), pad_if_needed=True, generator=np.random.default_rng(0))(image)
    assert out.shape == (8, 7, 3)
    expected = TV.RandomCrop((8, 7), pad_if_needed=True)(torch.from_numpy(image.transpose(2, 0, 1).copy()))
    assert tuple(expected.shape[1:]) == out.shape[:2]
    assert T.RandomCrop((6, 5))(image) is not image and np.array_equal(T.RandomCrop((6, 5))(image), image)
    with pytest.raises(ValueError, match=r"required crop size \(7, 7\) is larger than input image size \(6, 5\)"):
        T.RandomCrop(7)(image)


def test_random_horizontal_flip_probability(image):
    always, never = T.RandomHorizontalFlip(1.0), T.RandomHorizontalFlip(0.0)
    np.testing.assert_array_equal(always(image), image[:, ::-1])
    assert never(image) is image
    flips = [np.array_equal(T.RandomHorizontalFlip(generator=np.random.default_rng(s))(image), image[:, ::-1])
             for s in range(200)]
    assert 70 < sum(flips) < 130


def test_compose_runs_in_order(image):
    pipeline = T.Compose([T.RandomHorizontalFlip(1.0), T.ToTensor(), T.Normalize((0.5,) * 3, (0.5,) * 3)])
    expected = TV.Compose([TV.ToTensor(), TV.RandomHorizontalFlip(1.0), TV.Normalize((0.5,) * 3, (0.5,) * 3)])
    np.testing.assert_allclose(pipeline(image).data, expected(image).numpy(), atol=1e-6)
    assert "RandomHorizontalFlip" in repr(pipeline)
