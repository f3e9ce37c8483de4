"""A small Vision Transformer (Dosovitskiy et al. 2021) for 32x32 images.

    patches  Conv2d(C, dim, kernel=p, stride=p): each p x p patch -> one dim-vector
             (B, C, 32, 32) -> (B, dim, 32/p, 32/p) -> (B, N, dim), N = (32/p)^2
    tokens   [cls_token; patches] + pos_embed                  (B, N + 1, dim)
    encoder  `depth` pre-norm TransformerEncoderLayers (GELU)  (B, N + 1, dim)
    head     LayerNorm of the class token's output -> Linear -> (B, num_classes)

The class token is a learned vector that attends to every patch; its final state summarizes
the image. The position embedding is learned (one vector per token position), because
attention by itself does not know where a patch came from.
"""

from __future__ import annotations

import numpy as np

from minitorch.nn import init
from minitorch.nn.conv import Conv2d
from minitorch.nn.dropout import Dropout
from minitorch.nn.linear import Linear
from minitorch.nn.module import Module
from minitorch.nn.normalization import LayerNorm
from minitorch.nn.parameter import Parameter
from minitorch.nn.transformer import TransformerEncoder, TransformerEncoderLayer
from minitorch.ops.shape import cat
from minitorch.tensor import Tensor, get_default_dtype


class ViT(Module):
    """Patch embedding, class token, position embedding, pre-norm encoder, LayerNorm, head."""

    def __init__(self, image_size: int = 32, patch_size: int = 4, in_channels: int = 3,
                 num_classes: int = 10, dim: int = 128, depth: int = 6, heads: int = 4,
                 mlp_dim: int = 256, dropout: float = 0.0) -> None:
        super().__init__()
        if image_size % patch_size:
            raise ValueError(f"ViT: image_size {image_size} is not a multiple of patch_size {patch_size}")
        num_patches = (image_size // patch_size) ** 2
        self.patch_embed = Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size)
        self.cls_token = Parameter(np.zeros((1, 1, dim), dtype=get_default_dtype()))
        self.pos_embed = Parameter(np.zeros((1, num_patches + 1, dim), dtype=get_default_dtype()))
        init.normal_(self.pos_embed, std=0.02)
        self.dropout = Dropout(dropout)
        layer = TransformerEncoderLayer(dim, heads, mlp_dim, dropout, activation="gelu",
                                        batch_first=True, norm_first=True)
        self.encoder = TransformerEncoder(layer, depth)
        self.norm = LayerNorm(dim)
        self.head = Linear(dim, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.patch_embed(x).flatten(2).transpose(1, 2)  # (B, N, dim)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        x = self.dropout(cat([cls, x], 1) + self.pos_embed)
        x = self.encoder(x)
        return self.head(self.norm(x[:, 0]))
