"""In-memory image datasets: uint8 tensors normalized once, or augmented per sample.

Small datasets (MNIST, the CIFAR-10 subset) fit in memory as tensors, so the deterministic
preprocessing runs once on the whole tensor; only random augmentation runs per sample, with
torchvision's ``transforms.v2`` on tensors (no PIL round trip).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch.utils.data import Dataset, TensorDataset
from torchvision.transforms import v2


def normalizer(mean: Sequence[float], std: Sequence[float]) -> v2.Compose:
    """uint8 (..., C, H, W) -> float32 in [0, 1] -> ``(x - mean) / std`` per channel."""
    return v2.Compose([v2.ToDtype(torch.float32, scale=True), v2.Normalize(list(mean), list(std))])


def normalized_dataset(
    images: torch.Tensor, labels: torch.Tensor, mean: Sequence[float], std: Sequence[float]
) -> TensorDataset:
    """All images normalized at once into a TensorDataset of float32 (N, C, H, W)."""
    if images.dim() == 3:
        images = images.unsqueeze(1)
    return TensorDataset(normalizer(mean, std)(images), labels)


class AugmentedImages(Dataset):
    """uint8 (N, C, H, W) images; ``transform`` (random augmentation + normalization) per sample."""

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        transform: Callable[[torch.Tensor], torch.Tensor],
    ) -> None:
        if images.dim() == 3:
            images = images.unsqueeze(1)
        if len(images) != len(labels):
            raise ValueError(f"AugmentedImages: {len(images)} images but {len(labels)} labels")
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.transform(self.images[i]), self.labels[i]
