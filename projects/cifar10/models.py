"""CIFAR-10 models: torchvision's ResNet-18 with a CIFAR stem, a small fast ResNet, and
transfer learning (ImageNet weights or one of this project's checkpoints, new head)."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torchvision import models


def resnet18_cifar(classes: int = 10) -> models.ResNet:
    """ResNet-18 for 32x32 inputs: a 3x3 stride-1 stem and no max-pool (He et al. 2016, sec. 4.2)."""
    net = models.resnet18(num_classes=classes)
    net.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
    net.maxpool = nn.Identity()
    return net


def conv_bn(cin: int, cout: int) -> nn.Sequential:
    """3x3 conv -> BatchNorm -> ReLU."""
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class Residual(nn.Module):
    """``x + f(x)`` with ``f`` two conv_bn blocks at constant width."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.f = nn.Sequential(conv_bn(channels, channels), conv_bn(channels, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.f(x)


def small_resnet(width: int = 16, classes: int = 10) -> nn.Sequential:
    """A ResNet-9 in the style of Page's fast CIFAR-10 training (widths w, 2w, 4w, 8w):
    prep conv; [conv, pool, residual]; [conv, pool]; [conv, pool, residual]; global max-pool; linear.
    """
    w = width
    return nn.Sequential(
        conv_bn(3, w),
        conv_bn(w, 2 * w),
        nn.MaxPool2d(2),
        Residual(2 * w),
        conv_bn(2 * w, 4 * w),
        nn.MaxPool2d(2),
        conv_bn(4 * w, 8 * w),
        nn.MaxPool2d(2),
        Residual(8 * w),
        nn.AdaptiveMaxPool2d(1),
        nn.Flatten(),
        nn.Linear(8 * w, classes),
    )


def head_of(model: nn.Module) -> nn.Linear:
    """The final linear layer (ResNet's ``fc``, or the last module of a Sequential)."""
    head = model.fc if isinstance(model, models.ResNet) else model[-1]
    if not isinstance(head, nn.Linear):
        raise TypeError(f"head_of: expected a Linear head, found {type(head).__name__}")
    return head


def imagenet_resnet18(weights: str, classes: int = 10) -> models.ResNet:
    """torchvision's ResNet-18 with ImageNet weights (``imagenet`` downloads them, otherwise a
    path to a saved state dict) and a new ``classes``-way head."""
    net = models.resnet18()
    if weights == "imagenet":
        try:
            state = models.ResNet18_Weights.IMAGENET1K_V1.get_state_dict(progress=False)
        except (OSError, RuntimeError) as err:  # URLError is an OSError
            raise RuntimeError(
                f"imagenet_resnet18: could not download torchvision's ImageNet ResNet-18 weights "
                f"({err}). Offline, pass --pretrained PATH to a saved state dict "
                f"({models.ResNet18_Weights.IMAGENET1K_V1.url})."
            ) from err
    else:
        if not Path(weights).is_file():
            raise FileNotFoundError(f"imagenet_resnet18: no weights file at {weights}")
        state = torch.load(weights, map_location="cpu", weights_only=True)
    net.load_state_dict(state)
    net.fc = nn.Linear(net.fc.in_features, classes)
    return net


def load_backbone(model: nn.Module, checkpoint_model: dict[str, torch.Tensor]) -> list[str]:
    """Copy a checkpoint's weights into ``model`` except its head; returns the copied names."""
    head = {
        f"{name}.{p}" for name, m in model.named_modules() if m is head_of(model) for p in ("weight", "bias")
    }
    own = model.state_dict()
    copied = [
        k for k, v in checkpoint_model.items() if k in own and k not in head and own[k].shape == v.shape
    ]
    missing = [k for k in own if k not in head and k not in copied]
    if missing:
        raise ValueError(
            f"load_backbone: the checkpoint lacks {len(missing)} backbone tensors, e.g. {missing[:3]}"
        )
    model.load_state_dict({k: checkpoint_model[k] for k in copied}, strict=False)
    return copied


def freeze_backbone(model: nn.Module) -> None:
    """Only the head gets gradients (BatchNorm running statistics still adapt to the new data)."""
    head = head_of(model)
    for p in model.parameters():
        p.requires_grad = False
    for p in head.parameters():
        p.requires_grad = True


MODELS = {"resnet18": resnet18_cifar, "small": small_resnet}
