"""Attention and the Transformer encoder: finite differences through the whole composition,
what masks do to the weights, error messages, float32, and independent layer copies.
(Parity with torch in every option is in comparisons/cases/attention.py.)"""

from __future__ import annotations

import numpy as np
import pytest

import minitorch
import minitorch.nn as nn
import minitorch.nn.functional as F


def randn(*shape: int, dtype=np.float64, grad: bool = True) -> minitorch.Tensor:
    return minitorch.randn(*shape, dtype=dtype, requires_grad=grad)


def test_multihead_attention_gradcheck_with_masks():
    mha = nn.MultiheadAttention(4, 2).double()
    query, key = randn(3, 2, 4), randn(5, 2, 4)
    attn_mask = minitorch.tensor(np.array([[False, True, False, False, True]] * 3))
    padding = minitorch.tensor(np.array([[False] * 5, [False, False, False, True, True]]))

    def f(q, k, w, *_):  # w is the module's own in_proj_weight, perturbed in place by gradcheck
        return mha(q, k, k, attn_mask=attn_mask, key_padding_mask=padding)

    assert minitorch.gradcheck(f, [query, key, mha.in_proj_weight, mha.out_proj.weight])


def test_sdpa_gradcheck_causal():
    q, k, v = randn(2, 3, 4), randn(2, 3, 4), randn(2, 3, 5)
    assert minitorch.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                               [q, k, v])


def test_masked_keys_get_exactly_zero_weight_and_rows_sum_to_one():
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    x = minitorch.randn(2, 4, 8)
    padding = minitorch.tensor(np.array([[False] * 4, [False, False, True, True]]))
    causal = minitorch.tensor(np.triu(np.ones((4, 4), dtype=bool), 1))
    _, weights = mha(x, x, x, key_padding_mask=padding, attn_mask=causal, average_attn_weights=False)
    w = weights.data
    assert w.shape == (2, 2, 4, 4)
    np.testing.assert_allclose(w.sum(-1), 1, rtol=1e-6)
    assert np.all(w[1, :, :, 2:] == 0)  # padded keys
    assert np.all(w[:, :, np.triu_indices(4, 1)[0], np.triu_indices(4, 1)[1]] == 0)  # future keys


def test_sdpa_bool_mask_means_keep_while_mha_bool_mask_means_block():
    q = k = v = minitorch.randn(1, 2, 4)
    keep_first = minitorch.tensor(np.array([[True, False], [True, False]]))
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=keep_first)
    np.testing.assert_allclose(out.data[0], np.repeat(v.data[0, :1], 2, axis=0), rtol=1e-6)
    mha = nn.MultiheadAttention(4, 1, batch_first=True)
    _, w = mha(q, k, v, attn_mask=keep_first)
    np.testing.assert_array_equal(w.data[0, :, 0], 0)  # True blocks in MultiheadAttention


def test_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"embed_dim \(6\) must be divisible by num_heads \(4\)"):
        nn.MultiheadAttention(6, 4)
    mha = nn.MultiheadAttention(8, 2)
    x = minitorch.randn(3, 2, 8)
    with pytest.raises(RuntimeError, match=r"must be embed_dim=8, got query \(3, 2, 6\)"):
        mha(minitorch.randn(3, 2, 6), x, x)
    with pytest.raises(RuntimeError, match=r"attn_mask of shape \(3, 4\) should be \(3, 3\) or \(4, 3, 3\)"):
        mha(x, x, x, attn_mask=minitorch.zeros(3, 4))
    with pytest.raises(RuntimeError, match=r"key_padding_mask of shape \(3, 2\) should be \(2, 3\)"):
        mha(x, x, x, key_padding_mask=minitorch.tensor(np.zeros((3, 2), bool)))
    with pytest.raises(RuntimeError, match="is_causal is a hint"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match=r"scaled_dot_product_attention: shapes query \(2, 3, 4\), key \(2, 3, 5\)"):
        F.scaled_dot_product_attention(minitorch.randn(2, 3, 4), minitorch.randn(2, 3, 5),
                                       minitorch.randn(2, 3, 5))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")


def test_float32_kept_through_the_encoder():
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True, norm_first=True), 2)
    x = minitorch.randn(2, 5, 8, requires_grad=True)
    padding = minitorch.tensor(np.array([[False] * 5, [False] * 3 + [True] * 2]))
    y = encoder(x, src_key_padding_mask=padding)
    assert y.dtype == np.float32 and y.shape == (2, 5, 8)
    y.sum().backward()
    assert x.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in encoder.parameters())


def test_encoder_layers_are_independent_copies():
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    encoder = nn.TransformerEncoder(layer, 3, norm=nn.LayerNorm(8))
    first, second = encoder.layers[0], encoder.layers[1]
    assert first.linear1.weight is not second.linear1.weight
    np.testing.assert_array_equal(first.linear1.weight.data, second.linear1.weight.data)
    first.linear1.weight.data[...] = 0
    assert np.any(second.linear1.weight.data != 0)
    assert len(list(encoder.parameters())) == 3 * len(list(layer.parameters())) + 2


def test_attention_dropout_only_in_training():
    mha = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = minitorch.randn(4, 2, 8)
    eval_out = mha.eval()(x, x, x)[0].data
    np.testing.assert_array_equal(eval_out, mha(x, x, x)[0].data)
    train_out, weights = mha.train()(x, x, x, average_attn_weights=False)
    assert not np.allclose(train_out.data, eval_out)
    assert np.any(weights.data == 0)  # dropped weights are returned as torch returns them
