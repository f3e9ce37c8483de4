"""The torch twins of the minitorch models (minitorch/nn/models/): the same structure, the same
submodule and parameter names, so a state dict moves between the two either way. Each twin
is written with torch.nn the way the minitorch model is written with minitorch.nn; read
them side by side."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F


class MLP(nn.Sequential):
    """minitorch.nn.models.MLP."""

    def __init__(self, in_features: int = 784, hidden: Sequence[int] = (512, 256), num_classes: int = 10,
                 dropout: float = 0.0) -> None:
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()] + ([nn.Dropout(dropout)] if dropout else [])
            width = h
        layers.append(nn.Linear(width, num_classes))
        super().__init__(*layers)


class LeNet5(nn.Module):
    """minitorch.nn.models.LeNet5."""

    def __init__(self, num_classes: int = 10, in_channels: int = 1, activation: str = "relu",
                 pool: str = "max") -> None:
        super().__init__()
        self.activation = F.relu if activation == "relu" else torch.tanh
        pool_cls = nn.MaxPool2d if pool == "max" else nn.AvgPool2d
        self.conv1 = nn.Conv2d(in_channels, 6, kernel_size=5, padding=2)
        self.pool1 = pool_cls(2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.pool2 = pool_cls(2)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        act = self.activation
        x = self.pool1(act(self.conv1(x)))
        x = self.pool2(act(self.conv2(x)))
        x = x.flatten(1)
        return self.fc3(act(self.fc2(act(self.fc1(x)))))


class BasicBlock(nn.Module):
    """minitorch.nn.models.BasicBlock (torchvision's BasicBlock, same names)."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_planes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False),
                                            nn.BatchNorm2d(planes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(out + shortcut)


class ResNet18(nn.Module):
    """minitorch.nn.models.ResNet18 (CIFAR stem, no max-pool)."""

    def __init__(self, num_classes: int = 10, width: int = 64, in_channels: int = 3) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        planes = width
        for i, stride in enumerate((1, 2, 2, 2)):
            out_planes = width * 2**i
            stage = nn.Sequential(BasicBlock(planes, out_planes, stride), BasicBlock(out_planes, out_planes))
            setattr(self, f"layer{i + 1}", stage)
            planes = out_planes
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(planes, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


class ViT(nn.Module):
    """minitorch.nn.models.ViT."""

    def __init__(self, image_size: int = 32, patch_size: int = 4, in_channels: int = 3,
                 num_classes: int = 10, dim: int = 128, depth: int = 6, heads: int = 4,
                 mlp_dim: int = 256, dropout: float = 0.0) -> None:
        super().__init__()
        num_patches = (image_size // patch_size) ** 2
        self.patch_embed = nn.Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.randn(1, num_patches + 1, dim) * 0.02)
        self.dropout = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(dim, heads, mlp_dim, dropout, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        x = self.dropout(torch.cat([cls, x], 1) + self.pos_embed)
        x = self.encoder(x)
        return self.head(self.norm(x[:, 0]))


class LSTMClassifier(nn.Module):
    """minitorch.nn.models.LSTMClassifier (no packing: the LSTM reads the padding too)."""

    def __init__(self, vocab_size: int, num_classes: int = 2, embed_dim: int = 128, hidden_size: int = 128,
                 num_layers: int = 1, bidirectional: bool = False, dropout: float = 0.0,
                 padding_idx: int = 0, pooling: str = "last") -> None:
        super().__init__()
        self.pooling, self.padding_idx = pooling, padding_idx
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.rnn = nn.LSTM(embed_dim, hidden_size, num_layers, batch_first=True, bidirectional=bidirectional,
                           dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden_size * (2 if bidirectional else 1), num_classes)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out, (h_n, _) = self.rnn(self.embedding(ids))
        if self.pooling == "last":
            directions = 2 if self.rnn.bidirectional else 1
            features = torch.cat([h_n[-directions + d] for d in range(directions)], 1)
        else:
            real = (ids != self.padding_idx).to(out.dtype).unsqueeze(-1)
            features = (out * real).sum(1) / real.sum(1).clamp(min=1)
        return self.fc(self.dropout(features))

