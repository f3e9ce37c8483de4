"""Attention: `scaled_dot_product_attention` and `MultiheadAttention`.

For queries Q (L, d), keys K (S, d) and values V (S, d_v):

    Attention(Q, K, V) = softmax(Q K^T / sqrt(d) + M) V

Row i of the softmax says how much query i looks at each key; M is an additive mask (0 where
allowed, -inf where forbidden, so those weights become exactly 0). Multi-head attention
projects the inputs with W_q, W_k, W_v (stacked as `in_proj_weight`), splits the embedding
into `num_heads` heads of size d = embed_dim / num_heads, attends in every head at once (the
heads are a batch dim of the matmuls), joins the heads and applies `out_proj`.

Everything here is a composition of existing ops (matmul, softmax, reshape), so autograd
derives the backward; the lesson is the shapes.
PyTorch equivalent: `torch.nn.functional.scaled_dot_product_attention`,
`torch.nn.MultiheadAttention`.
"""

from __future__ import annotations

import math

import numpy as np

from minitorch.nn import functional as F
from minitorch.nn import init
from minitorch.nn.linear import Linear
from minitorch.nn.module import Module
from minitorch.nn.parameter import Parameter
from minitorch.ops.reductions import softmax
from minitorch.tensor import Tensor, get_default_dtype


def additive_mask(mask: Tensor | None, dtype: np.dtype, true_means: str, op: str) -> Tensor | None:
    """A mask as the bias added to the attention scores.

    A bool mask becomes 0 / -inf. Its True means "masked out" in MultiheadAttention
    (`true_means="block"`) but "takes part" in scaled_dot_product_attention
    (`true_means="keep"`), as in torch. A float mask is added as it is.
    """
    if mask is None:
        return None
    if mask.dtype == np.bool_:
        blocked = mask.data if true_means == "block" else ~mask.data
        return Tensor(np.where(blocked, -np.inf, 0.0).astype(dtype))
    if mask.dtype.kind != "f":
        raise TypeError(f"{op}: only bool and floating masks are supported, got {mask.dtype}")
    return mask.to(dtype)


def attend(q: Tensor, k: Tensor, v: Tensor, bias: Tensor | None, dropout_p: float,
           scale: float) -> tuple[Tensor, Tensor]:
    """(softmax(q k^T * scale + bias) with dropout) @ v, and the attention weights."""
    scores = (q @ k.mT) * scale
    if bias is not None:
        scores = scores + bias
    weights = F.dropout(softmax(scores, -1), dropout_p, training=dropout_p > 0)
    return weights @ v, weights


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None) -> Tensor:
    """softmax(Q K^T * scale + mask) V over the last two dims (any leading batch dims).

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev). `scale` defaults to
    1/sqrt(E). A bool `attn_mask` is True where a query MAY attend; a float one is added to the
    scores. `is_causal` masks out the keys after each query (needs L x S, no attn_mask).
    Dropout (on the weights) is applied whenever dropout_p > 0, as in torch.
    """
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            f"scaled_dot_product_attention: shapes query {query.shape}, key {key.shape}, value "
            f"{value.shape} do not fit (need query (..., L, E), key (..., S, E), value (..., S, Ev))"
        )
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("scaled_dot_product_attention: pass either attn_mask or is_causal, not both")
        L, S = query.shape[-2], key.shape[-2]
        attn_mask = Tensor(np.tril(np.ones((L, S), dtype=np.bool_)))
    bias = additive_mask(attn_mask, query.dtype, "keep", "scaled_dot_product_attention")
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    return attend(query, key, value, bias, dropout_p, scale)[0]


class MultiheadAttention(Module):
    """Multi-head attention with torch's parameters: `in_proj_weight` (3E, E) = [W_q; W_k; W_v],
    `in_proj_bias` (3E,), `out_proj` (Linear E -> E).

    `forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True)` -> (output, weights or None). Inputs are (L, B, E) ((B, L, E)
    with batch_first, (L, E) unbatched). `attn_mask` is (L, S) or (B * num_heads, L, S);
    `key_padding_mask` is (B, S); for both a bool True means "do not attend", a float is
    added to the scores. The weights returned are averaged over the heads, (B, L, S), or per
    head, (B, num_heads, L, S), with dropout applied (as torch returns them).
    Init (torch's): in_proj_weight xavier-uniform, biases zero, out_proj.weight as Linear.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 batch_first: bool = False) -> None:
        super().__init__()
        if num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})"
            )
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.dropout, self.batch_first = dropout, batch_first
        self.in_proj_weight = Parameter(np.zeros((3 * embed_dim, embed_dim), dtype=get_default_dtype()))
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype=get_default_dtype()))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias)
        init.xavier_uniform_(self.in_proj_weight)
        if bias:
            init.zeros_(self.out_proj.bias)

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"

    def _project(self, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Q, K, V = x W^T + b for each input; one GEMM for all three in self-attention."""
        w, b = self.in_proj_weight, self.in_proj_bias
        if query is key and key is value:
            return F.linear(query, w, b).chunk(3, -1)
        ws = w.chunk(3)
        bs = b.chunk(3) if b is not None else (None, None, None)
        return tuple(F.linear(x, wi, bi) for x, wi, bi in zip((query, key, value), ws, bs, strict=True))

    def _check(self, query: Tensor, key: Tensor, value: Tensor) -> None:
        shapes = f"query {query.shape}, key {key.shape}, value {value.shape}"
        if not query.ndim == key.ndim == value.ndim or query.ndim not in (2, 3):
            raise RuntimeError(f"MultiheadAttention: query, key and value must all be 2-D (unbatched) "
                               f"or 3-D, got {shapes}")
        if any(x.shape[-1] != self.embed_dim for x in (query, key, value)):
            raise RuntimeError(f"MultiheadAttention: the last dim of query, key and value must be "
                               f"embed_dim={self.embed_dim}, got {shapes}")
        batch_dim = 0 if self.batch_first else 1
        if key.shape != value.shape or (query.ndim == 3 and query.shape[batch_dim] != key.shape[batch_dim]):
            raise RuntimeError(f"MultiheadAttention: key and value must have the same shape, and the "
                               f"batch size of the query, got {shapes}")

    def _mask(self, attn_mask: Tensor | None, key_padding_mask: Tensor | None, B: int, L: int,
              S: int, dtype: np.dtype) -> Tensor | None:
        """Both masks as one additive bias that broadcasts to the scores (B, num_heads, L, S)."""
        H = self.num_heads
        bias = additive_mask(attn_mask, dtype, "block", "MultiheadAttention")
        if bias is not None and bias.shape != (L, S):
            if bias.shape != (B * H, L, S):
                raise RuntimeError(f"MultiheadAttention: attn_mask of shape {bias.shape} should be "
                                   f"({L}, {S}) or ({B * H}, {L}, {S}) (batch * num_heads, L, S)")
            bias = bias.reshape(B, H, L, S)
        padding = additive_mask(key_padding_mask, dtype, "block", "MultiheadAttention")
        if padding is not None:
            if padding.numel() != B * S or padding.shape[-1] != S:
                raise RuntimeError(f"MultiheadAttention: key_padding_mask of shape {padding.shape} "
                                   f"should be ({B}, {S}) (batch, key length)")
            padding = padding.reshape(B, 1, 1, S)
            bias = padding if bias is None else bias + padding
        return bias

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
                need_weights: bool = True, attn_mask: Tensor | None = None,
                average_attn_weights: bool = True, is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        if is_causal and attn_mask is None:
            raise RuntimeError("MultiheadAttention: is_causal is a hint that attn_mask is the causal "
                               "mask; pass attn_mask too")
        self._check(query, key, value)
        batched = query.ndim == 3
        q, k, v = self._project(query, key, value)
        # Work in (B, L, E): unbatched inputs get B = 1, sequence-first inputs are transposed.
        if not batched:
            q, k, v = q.unsqueeze(0), k.unsqueeze(0), v.unsqueeze(0)
        elif not self.batch_first:
            q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
        B, L, E = q.shape
        S, H, d = k.shape[1], self.num_heads, self.head_dim
        bias = self._mask(attn_mask, key_padding_mask, B, L, S, q.dtype)
        heads = [x.reshape(B, x.shape[1], H, d).transpose(1, 2) for x in (q, k, v)]  # (B, H, len, d)
        dropout_p = self.dropout if self.training else 0.0
        out, weights = attend(*heads, bias, dropout_p, 1 / math.sqrt(d))
        out = self.out_proj(out.transpose(1, 2).reshape(B, L, E))
        if not batched:
            out = out.squeeze(0)
        elif not self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(1)
        return out, (weights if batched else weights.squeeze(0))
