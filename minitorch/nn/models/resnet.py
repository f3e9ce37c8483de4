"""ResNet-18 for CIFAR-10 (He et al. 2016): a 3x3 stride-1 stem and no max-pool (32x32 inputs
are small already), then four stages of two BasicBlocks each, global average pooling and a
linear head.

    stem    conv 3x3, w channels, BN, ReLU            (B, w, 32, 32)
    layer1  2 x BasicBlock(w),   stride 1             (B, w, 32, 32)
    layer2  2 x BasicBlock(2w),  first with stride 2  (B, 2w, 16, 16)
    layer3  2 x BasicBlock(4w),  first with stride 2  (B, 4w, 8, 8)
    layer4  2 x BasicBlock(8w),  first with stride 2  (B, 8w, 4, 4)
    avgpool -> (B, 8w), fc -> (B, num_classes)

The names follow torchvision's ResNet (conv1, bn1, layer1.0.conv1, layer2.0.downsample.0,
fc, ...), so with w = 64 the state dict of `projects/cifar10/models.py: resnet18_cifar` (a
torchvision ResNet-18 with this stem) loads into this model. `width` shrinks it for tests.
"""

from __future__ import annotations

from minitorch.nn import functional as F
from minitorch.nn.batchnorm import BatchNorm2d
from minitorch.nn.containers import Sequential
from minitorch.nn.conv import Conv2d
from minitorch.nn.linear import Linear
from minitorch.nn.module import Module
from minitorch.nn.pooling import AdaptiveAvgPool2d
from minitorch.tensor import Tensor


class BasicBlock(Module):
    """y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), two 3x3 convs.

    The shortcut is the identity, or a 1x1 conv + BN (`downsample`) when the block changes the
    resolution (stride 2) or the number of channels, so the two terms have the same shape.
    """

    def __init__(self, in_planes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = BatchNorm2d(planes)
        self.conv2 = Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_planes != planes:
            self.downsample = Sequential(Conv2d(in_planes, planes, 1, stride=stride, bias=False),
                                         BatchNorm2d(planes))

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(out + shortcut)


class ResNet18(Module):
    """ResNet-18, CIFAR variant; `width` is the channel count of the first stage (64 in the paper)."""

    def __init__(self, num_classes: int = 10, width: int = 64, in_channels: int = 3) -> None:
        super().__init__()
        self.conv1 = Conv2d(in_channels, width, 3, stride=1, padding=1, bias=False)
        self.bn1 = BatchNorm2d(width)
        planes = width
        for i, stride in enumerate((1, 2, 2, 2)):
            out_planes = width * 2**i
            stage = Sequential(BasicBlock(planes, out_planes, stride), BasicBlock(out_planes, out_planes))
            setattr(self, f"layer{i + 1}", stage)
            planes = out_planes
        self.avgpool = AdaptiveAvgPool2d(1)
        self.fc = Linear(planes, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))
