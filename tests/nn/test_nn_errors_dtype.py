"""Part-A layers and losses: error messages that name the op and the shapes, and float32 kept
end to end (output, input gradient, parameter gradients), int64 labels included."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch
import minitorch.nn as nn
import minitorch.nn.functional as F
from minitorch.autograd import Function


def all_functions(cls: type = Function) -> list[type]:
    return [c for sub in cls.__subclasses__() for c in (sub, *all_functions(sub))]


@pytest.fixture
def backward_dtypes(monkeypatch) -> list[tuple[str, np.dtype]]:
    """Record the dtype of every gradient array any node's backward returns. (The engine casts a
    gradient of the wrong dtype back to its input's dtype, which would hide a silent float64
    computation from a test that only looks at .grad.)"""
    seen: list[tuple[str, np.dtype]] = []
    for cls in all_functions():
        if "backward" in cls.__dict__:
            def recording(self, grad, _original=cls.__dict__["backward"]):
                result = _original(self, grad)
                for g in result if isinstance(result, tuple) else (result,):
                    if g is not None:
                        seen.append((type(self).__name__, np.asarray(g).dtype))
                return result
            monkeypatch.setattr(cls, "backward", recording)
    return seen


def assert_all_float32(seen: list[tuple[str, np.dtype]]) -> None:
    assert seen, "no backward ran"
    wrong = [(name, str(dtype)) for name, dtype in seen if dtype != np.float32]
    assert not wrong, f"backward returned non-float32 gradients: {wrong}"


def t(*shape, dtype=np.float32):
    return minitorch.tensor(np.random.default_rng(0).standard_normal(shape).astype(dtype))


def labels(*values):
    return minitorch.tensor(np.array(values, dtype=np.int64))


@pytest.mark.parametrize("call,error,message", [
    (lambda: F.conv2d(t(32, 32), t(8, 3, 3, 3)), RuntimeError,
     r"conv2d: expected input with 3 dims \(C, H, W\) or 4 dims \(N, C, H, W\), got shape \(32, 32\)"),
    (lambda: F.conv2d(t(2, 3, 8, 8), t(4, 2, 3, 3)), RuntimeError,
     r"conv2d: input of shape \(2, 3, 8, 8\) has 3 channels, but weight of shape \(4, 2, 3, 3\) expects 2"),
    (lambda: F.conv2d(t(1, 4, 8, 8), t(3, 2, 3, 3), groups=2), RuntimeError,
     r"conv2d: groups=2 must divide .* output channels \(3\)"),
    (lambda: F.conv2d(t(1, 1, 2, 2), t(1, 1, 3, 3)), RuntimeError,
     r"conv2d: input of shape \(1, 1, 2, 2\) .* too small .* output would be \(0, 0\)"),
    (lambda: F.conv2d(t(1, 1, 5, 5), t(1, 1, 3, 3), stride=2, padding="same"), ValueError,
     "padding='same' is not supported for strided"),
    (lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError, r"in_channels \(3\) and out_channels \(4\)"),
    (lambda: F.max_pool2d(t(3, 8, 8), 2), RuntimeError, r"max_pool2d: expected input with 4 dims"),
    (lambda: F.max_pool2d(t(1, 1, 4, 4), 2, padding=2), ValueError, "pad should be at most half"),
    (lambda: F.avg_pool2d(t(1, 1, 2, 2), 3), RuntimeError, r"avg_pool2d: input of shape \(1, 1, 2, 2\)"),
    (lambda: nn.Linear(4, 3)(t(2, 5)), RuntimeError,
     r"linear: input of shape \(2, 5\) does not match weight of shape \(3, 4\)"),
    (lambda: nn.BatchNorm2d(3)(t(2, 3, 4)), ValueError, r"BatchNorm2d: expected 4D input \(got 3D input"),
    (lambda: nn.BatchNorm1d(3)(t(2, 4)), RuntimeError, r"batch_norm: running_mean should have shape \(4,\)"),
    (lambda: nn.BatchNorm1d(3)(t(1, 3)), ValueError, "expected more than 1 value per channel when training"),
    (lambda: nn.LayerNorm(4)(t(2, 5)), RuntimeError,
     r"layer_norm: given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got input of shape \(2, 5\)"),
    (lambda: nn.Embedding(5, 2)(labels(1, 5)), IndexError, r"embedding: index 5 is out of range for a table of 5"),
    (lambda: nn.Embedding(5, 2)(t(2)), RuntimeError, "embedding: expected an integer index tensor"),
    (lambda: F.cross_entropy(t(3, 4), labels(0, 4, 1)), IndexError,
     "cross_entropy: target 4 is out of bounds for 4 classes"),
    (lambda: F.cross_entropy(t(3, 4), labels(0, 1)), ValueError,
     r"cross_entropy: expected target of shape \(3,\) for input of shape \(3, 4\), got \(2,\)"),
    (lambda: F.cross_entropy(t(3, 4), labels(0, 1, 2), weight=t(3)), RuntimeError,
     r"weight should have shape \(4,\)"),
    (lambda: F.cross_entropy(t(3, 4), labels(0, 1, 2), reduction="avg"), ValueError,
     "reduction must be 'none', 'mean' or 'sum', got 'avg'"),
    (lambda: F.nll_loss(t(3, 4), t(3, 4)), TypeError, "nll_loss: target must hold class indices"),
    (lambda: F.binary_cross_entropy(t(3), t(3, 1)), ValueError,
     r"binary_cross_entropy: target size \(3, 1\) must be the same as input size \(3,\)"),
    (lambda: F.gelu(t(3), approximate="erf"), ValueError, "gelu: approximate must be 'none' or 'tanh'"),
])
def test_error_messages(call, error, message):
    with pytest.raises(error, match=message):
        call()


LAYERS = [
    (lambda: nn.Linear(6, 4), (3, 6)),
    (lambda: nn.Conv2d(2, 4, 3, stride=2, padding=1, dilation=1, groups=2), (2, 2, 7, 7)),
    (lambda: nn.Conv2d(2, 3, (2, 3), padding="same", bias=False), (2, 2, 5, 6)),
    (lambda: nn.MaxPool2d(3, 2, 1, ceil_mode=True), (2, 2, 7, 7)),
    (lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False), (2, 2, 7, 7)),
    (lambda: nn.AdaptiveAvgPool2d((3, 2)), (2, 2, 7, 5)),
    (lambda: nn.BatchNorm1d(3), (4, 3)),
    (lambda: nn.BatchNorm2d(3).eval(), (2, 3, 4, 4)),
    (lambda: nn.BatchNorm2d(3, momentum=None), (2, 3, 4, 4)),
    (lambda: nn.LayerNorm((2, 3)), (4, 2, 3)),
    (lambda: nn.Dropout(0.3), (4, 5)),
    (nn.ReLU, (4, 5)), (nn.LeakyReLU, (4, 5)), (nn.GELU, (4, 5)), (lambda: nn.GELU("tanh"), (4, 5)),
    (nn.SiLU, (4, 5)), (nn.Sigmoid, (4, 5)), (nn.Tanh, (4, 5)), (lambda: nn.Softmax(1), (4, 5)),
    (lambda: nn.LogSoftmax(1), (4, 5)), (nn.Flatten, (2, 3, 4)),
]


@pytest.mark.parametrize("make,shape", LAYERS)
def test_layers_keep_float32(make, shape, backward_dtypes):
    layer = make()
    x = t(*shape).requires_grad_()
    y = layer(x)
    y.backward(np.ones(y.shape, dtype=np.float32))
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in layer.parameters())
    assert all(b.dtype in (np.float32, np.int64) for b in layer.buffers())
    assert_all_float32(backward_dtypes)


def test_embedding_keeps_float32(backward_dtypes):
    emb = nn.Embedding(6, 3, padding_idx=0)
    y = emb(labels(0, 2, 2))
    y.sum().backward()
    assert y.dtype == np.float32 and emb.weight.grad.dtype == np.float32
    assert_all_float32(backward_dtypes)


W4 = minitorch.tensor(np.array([1.0, 2.0, 0.5, 1.0], dtype=np.float32))
LOSSES = [
    lambda x: F.cross_entropy(x, labels(0, 3, 1), weight=W4, ignore_index=1, label_smoothing=0.1),
    lambda x: F.cross_entropy(x, F.softmax(t(3, 4), 1)),
    lambda x: F.nll_loss(F.log_softmax(x, 1), labels(0, 3, 1), reduction="sum"),
    lambda x: F.mse_loss(x, t(3, 4)),
    lambda x: F.l1_loss(x, t(3, 4), reduction="none"),
    lambda x: F.binary_cross_entropy(F.sigmoid(x), minitorch.tensor(np.ones((3, 4), dtype=np.float32)),
                                     weight=W4),
    lambda x: F.binary_cross_entropy_with_logits(x, t(3, 4).sigmoid(), pos_weight=W4),
]


@pytest.mark.parametrize("loss", LOSSES)
def test_losses_keep_float32(loss, backward_dtypes):
    x = t(3, 4).requires_grad_()
    out = loss(x)
    out.backward(np.ones(out.shape, dtype=np.float32))
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    assert_all_float32(backward_dtypes)
