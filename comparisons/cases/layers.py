"""Parity cases for the layers of minitorch.nn (part A: everything but the recurrent and
attention layers) and their functional forms. Each module case copies the torch layer's
weights into the minitorch twin and compares the output, the input gradient, every
parameter gradient and every buffer; float64 unless the dtype is the point."""

from __future__ import annotations

import torch
import torch.nn.functional as TF

import minitorch.nn as nn
import minitorch.nn.functional as F
from comparisons.builders import fixed, integers, module_case, op_case, randn

# -- Linear, Identity, Flatten ----------------------------------------------------------------------
module_case("Linear", lambda: torch.nn.Linear(5, 3), lambda: nn.Linear(5, 3), [randn(4, 5)])
module_case("Linear_no_bias", lambda: torch.nn.Linear(5, 3, bias=False),
            lambda: nn.Linear(5, 3, bias=False), [randn(4, 5)])
module_case("Linear_3d_input", lambda: torch.nn.Linear(4, 6), lambda: nn.Linear(4, 6), [randn(2, 3, 4)])
module_case("Linear_1d_input", lambda: torch.nn.Linear(4, 2), lambda: nn.Linear(4, 2), [randn(4)])
module_case("Linear_float32", lambda: torch.nn.Linear(16, 8), lambda: nn.Linear(16, 8),
            [randn(4, 16, dtype="float32")], dtype=torch.float32, atol=1e-5, rtol=1e-5)
module_case("Identity", lambda: torch.nn.Identity(3, k=1), lambda: nn.Identity(3, k=1), [randn(2, 3)])
module_case("Flatten", torch.nn.Flatten, nn.Flatten, [randn(2, 3, 4, 5)])
module_case("Flatten_dims", lambda: torch.nn.Flatten(0, 1), lambda: nn.Flatten(0, 1), [randn(2, 3, 4)])
op_case("F.linear", F.linear, TF.linear, [randn(3, 4), randn(5, 4), randn(5)], group="layer")

# -- activations -------------------------------------------------------------------------------------
for name, make_torch, make_mt in [
    ("ReLU", torch.nn.ReLU, nn.ReLU),
    ("LeakyReLU", torch.nn.LeakyReLU, nn.LeakyReLU),
    ("LeakyReLU_slope", lambda: torch.nn.LeakyReLU(0.2), lambda: nn.LeakyReLU(0.2)),
    ("GELU", torch.nn.GELU, nn.GELU),
    ("GELU_tanh", lambda: torch.nn.GELU("tanh"), lambda: nn.GELU("tanh")),
    ("SiLU", torch.nn.SiLU, nn.SiLU),
    ("Sigmoid", torch.nn.Sigmoid, nn.Sigmoid),
    ("Tanh", torch.nn.Tanh, nn.Tanh),
    ("Softmax", lambda: torch.nn.Softmax(dim=1), lambda: nn.Softmax(dim=1)),
    ("LogSoftmax", lambda: torch.nn.LogSoftmax(dim=-1), lambda: nn.LogSoftmax(dim=-1)),
]:
    module_case(name, make_torch, make_mt, [randn(3, 4, 5, scale=3)])
module_case("ReLU_LeakyReLU_at_zero", lambda: torch.nn.Sequential(torch.nn.LeakyReLU(0.1), torch.nn.ReLU()),
            lambda: nn.Sequential(nn.LeakyReLU(0.1), nn.ReLU()), [fixed([-2.0, 0.0, 0.0, 3.0])])
module_case("GELU_float32", torch.nn.GELU, nn.GELU, [randn(4, 8, dtype="float32", scale=3)],
            dtype=torch.float32, atol=1e-6, rtol=1e-5)
op_case("F.gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh"),
        [randn(3, 5, scale=3)], group="layer")
op_case("F.silu", F.silu, TF.silu, [randn(3, 5, scale=5)], group="layer")
op_case("F.leaky_relu", lambda x: F.leaky_relu(x, 0.3), lambda x: TF.leaky_relu(x, 0.3), [randn(3, 5)],
        group="layer")
op_case("F.softmax", lambda x: F.softmax(x, 0), lambda x: TF.softmax(x, 0), [randn(3, 5)], group="layer")
op_case("F.log_softmax", lambda x: F.log_softmax(x, 1), lambda x: TF.log_softmax(x, 1), [randn(3, 5)],
        group="layer")

# -- Dropout: eval is the identity; p=0 and p=1 are deterministic in training too ------------------------
# (the scaling and the statistics of random masks are tested in tests/nn/test_dropout.py)
module_case("Dropout_eval", lambda: torch.nn.Dropout(0.5), lambda: nn.Dropout(0.5), [randn(4, 6)],
            train=False)
module_case("Dropout_p0_train", lambda: torch.nn.Dropout(0.0), lambda: nn.Dropout(0.0), [randn(4, 6)])
module_case("Dropout_p1_train", lambda: torch.nn.Dropout(1.0), lambda: nn.Dropout(1.0), [randn(4, 6)])

# -- LayerNorm ------------------------------------------------------------------------------------------
module_case("LayerNorm", lambda: torch.nn.LayerNorm(6), lambda: nn.LayerNorm(6), [randn(2, 3, 6)])
module_case("LayerNorm_2d_shape", lambda: torch.nn.LayerNorm([3, 4]), lambda: nn.LayerNorm([3, 4]),
            [randn(2, 3, 4, scale=2)])
module_case("LayerNorm_no_affine", lambda: torch.nn.LayerNorm(5, elementwise_affine=False),
            lambda: nn.LayerNorm(5, elementwise_affine=False), [randn(4, 5)])
module_case("LayerNorm_no_bias_eps", lambda: torch.nn.LayerNorm(5, eps=1e-2, bias=False),
            lambda: nn.LayerNorm(5, eps=1e-2, bias=False), [randn(4, 5)])
module_case("LayerNorm_float32", lambda: torch.nn.LayerNorm(16), lambda: nn.LayerNorm(16),
            [randn(4, 16, dtype="float32")], dtype=torch.float32, atol=1e-5, rtol=1e-4)
op_case("F.layer_norm", lambda x, w, b: F.layer_norm(x, (4,), w, b),
        lambda x, w, b: TF.layer_norm(x, (4,), w, b), [randn(3, 4), randn(4), randn(4)], group="layer")

# -- Embedding -------------------------------------------------------------------------------------------
module_case("Embedding_repeated_indices", lambda: torch.nn.Embedding(10, 4), lambda: nn.Embedding(10, 4),
            [fixed([[1, 3, 1], [1, 9, 0]], dtype="int64", grad=False)])
module_case("Embedding_padding_idx", lambda: torch.nn.Embedding(8, 3, padding_idx=2),
            lambda: nn.Embedding(8, 3, padding_idx=2), [fixed([[2, 0, 2, 5], [2, 2, 7, 0]], dtype="int64",
                                                              grad=False)])
module_case("Embedding_negative_padding_idx", lambda: torch.nn.Embedding(8, 3, padding_idx=-1),
            lambda: nn.Embedding(8, 3, padding_idx=-1), [integers(0, 8, 5, 4)])
op_case("F.embedding", lambda i, w: F.embedding(i, w, padding_idx=0),
        lambda i, w: TF.embedding(i, w, padding_idx=0), [integers(0, 6, 3, 4), randn(6, 2)], group="layer")
