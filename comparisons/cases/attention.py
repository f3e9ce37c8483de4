"""Parity cases for attention: scaled_dot_product_attention, MultiheadAttention (self and
cross attention, bool and float masks in 2-D and 3-D, key padding masks, need_weights and
per-head weights, batch_first, unbatched, no bias, float32) and TransformerEncoderLayer
(norm_first both ways x relu/gelu, in eval mode with dropout on and in train mode with
dropout=0) and TransformerEncoder. Dropout masks cannot match torch's, so dropout is only
compared where it is off."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as TF

import minitorch.nn as nn
import minitorch.nn.functional as F
from comparisons.builders import Input, module_case, op_case, randn

L, S, B, E, HEADS = 4, 5, 2, 8, 2  # query length, key length, batch, embed dim, heads


def mask(*shape: int, p: float = 0.3) -> Input:
    """A random bool mask (True with probability p) that never masks key 0, so no query row is
    fully masked (torch gives NaN rows there)."""

    def make(rng: np.random.Generator) -> np.ndarray:
        m = rng.random(shape) < p
        m[..., 0] = False
        return m

    return Input(make, False)


def key_padding(*shape: int) -> Input:
    """Padding at the end of each sequence: sequence b has length S - b."""
    return Input(lambda rng: np.arange(shape[-1]) >= shape[-1] - np.arange(shape[0])[:, None], False)


# -- scaled_dot_product_attention ------------------------------------------------------------------
q, k, v = randn(B, HEADS, L, E), randn(B, HEADS, S, E), randn(B, HEADS, S, 6)
op_case("F.scaled_dot_product_attention", F.scaled_dot_product_attention,
        TF.scaled_dot_product_attention, [q, k, v], group="layer")
op_case("F.scaled_dot_product_attention_bool_mask",
        lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=~m),
        lambda q, k, v, m: TF.scaled_dot_product_attention(q, k, v, attn_mask=~m),
        [q, k, v, mask(L, S)], group="layer")
op_case("F.scaled_dot_product_attention_float_mask",
        lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
        lambda q, k, v, m: TF.scaled_dot_product_attention(q, k, v, attn_mask=m),
        [q, k, v, randn(B, 1, L, S, grad=False)], group="layer")
op_case("F.scaled_dot_product_attention_causal_scale",
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.3),
        lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.3),
        [randn(3, L, E), randn(3, L, E), randn(3, L, E)], group="layer")

# -- MultiheadAttention ------------------------------------------------------------------------------


def mha(**options):
    return (lambda: torch.nn.MultiheadAttention(E, HEADS, **options),
            lambda: nn.MultiheadAttention(E, HEADS, **options))


def cross_attention(*mask_names: str, **options):
    """forward(module, [query, key, value, masks...])."""
    return lambda m, a: m(a[0], a[1], a[2], **dict(zip(mask_names, a[3:], strict=True)), **options)


x_seq, x_batch = randn(L, B, E), randn(B, L, E)
qkv_seq = [randn(L, B, E), randn(S, B, E), randn(S, B, E)]
qkv_batch = [randn(B, L, E), randn(B, S, E), randn(B, S, E)]

module_case("MultiheadAttention_self", *mha(), [x_seq], forward=lambda m, a: m(a[0], a[0], a[0]))
module_case("MultiheadAttention_cross", *mha(), qkv_seq, forward=cross_attention())
module_case("MultiheadAttention_batch_first", *mha(batch_first=True), qkv_batch, forward=cross_attention())
module_case("MultiheadAttention_no_bias", *mha(bias=False), qkv_seq, forward=cross_attention())
module_case("MultiheadAttention_unbatched", *mha(), [randn(L, E), randn(S, E), randn(S, E)],
            forward=cross_attention())
module_case("MultiheadAttention_bool_attn_mask", *mha(), [*qkv_seq, mask(L, S)],
            forward=cross_attention("attn_mask"))
module_case("MultiheadAttention_float_attn_mask", *mha(), [*qkv_seq, randn(L, S, grad=False)],
            forward=cross_attention("attn_mask"))
module_case("MultiheadAttention_bool_attn_mask_3d", *mha(), [*qkv_seq, mask(B * HEADS, L, S)],
            forward=cross_attention("attn_mask"))
module_case("MultiheadAttention_float_attn_mask_3d", *mha(batch_first=True),
            [*qkv_batch, randn(B * HEADS, L, S, grad=False)], forward=cross_attention("attn_mask"))
module_case("MultiheadAttention_key_padding_mask", *mha(), [*qkv_seq, key_padding(B, S)],
            forward=cross_attention("key_padding_mask"))
module_case("MultiheadAttention_float_key_padding_mask", *mha(), [*qkv_seq, randn(B, S, grad=False)],
            forward=cross_attention("key_padding_mask"))
module_case("MultiheadAttention_both_masks", *mha(batch_first=True),
            [*qkv_batch, mask(L, S), key_padding(B, S)],
            forward=cross_attention("attn_mask", "key_padding_mask"))
module_case("MultiheadAttention_per_head_weights", *mha(), qkv_seq,
            forward=cross_attention(average_attn_weights=False))
module_case("MultiheadAttention_need_weights_false", *mha(), [*qkv_seq, mask(L, S)],
            forward=lambda m, a: m(a[0], a[1], a[2], attn_mask=a[3], need_weights=False)[0])
module_case("MultiheadAttention_dropout_eval", *mha(dropout=0.5), [x_seq],
            forward=lambda m, a: m(a[0], a[0], a[0]), train=False)
module_case("MultiheadAttention_float32", *mha(batch_first=True),
            [randn(B, L, E, dtype="float32")] * 3, forward=cross_attention(),
            dtype=torch.float32, atol=1e-5, rtol=1e-4)

# -- TransformerEncoderLayer and TransformerEncoder ----------------------------------------------------
for norm_first in (False, True):
    for activation in ("relu", "gelu"):
        name = f"TransformerEncoderLayer_{'pre' if norm_first else 'post'}norm_{activation}"
        for mode, dropout, train in (("eval", 0.1, False), ("train_dropout0", 0.0, True)):
            options = {"dim_feedforward": 16, "dropout": dropout, "activation": activation,
                       "norm_first": norm_first}
            module_case(f"{name}_{mode}", lambda o=options: torch.nn.TransformerEncoderLayer(E, HEADS, **o),
                        lambda o=options: nn.TransformerEncoderLayer(E, HEADS, **o), [x_seq], train=train)

layer_options = {"dim_feedforward": 16, "dropout": 0.0, "batch_first": True}
module_case("TransformerEncoderLayer_masks_batch_first",
            lambda: torch.nn.TransformerEncoderLayer(E, HEADS, **layer_options),
            lambda: nn.TransformerEncoderLayer(E, HEADS, **layer_options),
            [x_batch, mask(L, L), key_padding(B, L)],
            forward=lambda m, a: m(a[0], src_mask=a[1], src_key_padding_mask=a[2]))
eps_no_bias = layer_options | {"layer_norm_eps": 1e-2, "bias": False}
module_case("TransformerEncoderLayer_eps_no_bias",
            lambda: torch.nn.TransformerEncoderLayer(E, HEADS, **eps_no_bias),
            lambda: nn.TransformerEncoderLayer(E, HEADS, **eps_no_bias), [x_batch])
prenorm = layer_options | {"norm_first": True}
module_case("TransformerEncoder_2layers_norm",
            lambda: torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(E, HEADS, **prenorm), 2,
                                                norm=torch.nn.LayerNorm(E), enable_nested_tensor=False),
            lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(E, HEADS, **prenorm), 2,
                                          norm=nn.LayerNorm(E)),
            [x_batch])
