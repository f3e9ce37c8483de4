"""The five models: state dicts load both ways between each model and its torch twin (float32,
the dtype people train in) and give the same outputs; the models load the weights of the
projects' real torch models; shapes, dtypes and errors. (Float64 parity of every gradient is
in comparisons/cases/models.py.)"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

import minitorch
import minitorch.nn.models as models
from comparisons import twins

VIT = {"image_size": 16, "patch_size": 4, "num_classes": 5, "dim": 16, "depth": 2, "heads": 2, "mlp_dim": 32}


def images(*shape: int) -> Callable[[np.random.Generator], np.ndarray]:
    return lambda rng: rng.standard_normal(shape).astype(np.float32)


def tokens(rng: np.random.Generator) -> np.ndarray:
    ids = rng.integers(1, 30, (3, 6))
    ids[1, 4:] = 0
    return ids


# name -> (minitorch model, torch twin, input maker, logits shape)
MODELS = {
    "MLP": (lambda: models.MLP(12, (8, 8), 3), lambda: twins.MLP(12, (8, 8), 3), images(2, 3, 4), (2, 3)),
    "LeNet5": (models.LeNet5, twins.LeNet5, images(2, 1, 28, 28), (2, 10)),
    "ResNet18": (lambda: models.ResNet18(4, width=4), lambda: twins.ResNet18(4, width=4),
                 images(2, 3, 16, 16), (2, 4)),
    "ViT": (lambda: models.ViT(**VIT), lambda: twins.ViT(**VIT), images(2, 3, 16, 16), (2, 5)),
    "LSTMClassifier": (lambda: models.LSTMClassifier(30, 3, 8, 6, bidirectional=True, pooling="mean"),
                       lambda: twins.LSTMClassifier(30, 3, 8, 6, bidirectional=True, pooling="mean"),
                       tokens, (3, 3)),
}


def outputs(model, array: np.ndarray) -> np.ndarray:
    if isinstance(model, torch.nn.Module):
        with torch.no_grad():
            return model(torch.from_numpy(array.copy())).numpy()
    with minitorch.no_grad():
        return model(minitorch.tensor(array)).data


@pytest.mark.parametrize("name", MODELS)
def test_state_dicts_load_both_ways_in_float32(name):
    make_mt, make_torch, make_input, _ = MODELS[name]
    x = make_input(np.random.default_rng(0))
    ours, theirs = make_mt().eval(), make_torch().eval()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_allclose(outputs(ours, x), outputs(theirs, x), rtol=1e-4, atol=1e-5)

    ours, theirs = make_mt().eval(), make_torch().eval()
    theirs.load_state_dict({k: torch.from_numpy(v.data.copy()) for k, v in ours.state_dict().items()})
    np.testing.assert_allclose(outputs(theirs, x), outputs(ours, x), rtol=1e-4, atol=1e-5)
    assert all(v.dtype == np.float32 for v in ours.state_dict().values() if v.dtype.kind == "f")


@pytest.mark.parametrize("name", MODELS)
def test_forward_backward_shapes_and_float32(name, tmp_path):
    make_mt, _, make_input, logits_shape = MODELS[name]
    model = make_mt()
    x = minitorch.tensor(make_input(np.random.default_rng(0)))
    logits = model(x)
    assert logits.shape == logits_shape and logits.dtype == np.float32
    logits.sum().backward()
    assert all(p.grad is not None and p.grad.dtype == np.float32 for p in model.parameters())
    # A minitorch checkpoint (.npz, no pickle) restores the same function.
    minitorch.save(model.state_dict(), tmp_path / "model.npz")
    restored = make_mt()
    restored.load_state_dict(minitorch.load(tmp_path / "model.npz"))
    model.eval(), restored.eval()
    np.testing.assert_array_equal(outputs(restored, x.data), outputs(model, x.data))


def test_mlp_loads_the_mnist_projects_torch_mlp():
    from projects.mnist.models import mlp

    theirs = mlp(hidden=64).eval()
    ours = models.MLP(784, (64, 32), 10).eval()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 1, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(outputs(ours, x), outputs(theirs, x), rtol=1e-4, atol=1e-5)


@pytest.mark.slow  # importing torchvision takes seconds
def test_resnet18_loads_the_cifar_projects_torchvision_resnet():
    from projects.cifar10.models import resnet18_cifar

    theirs, ours = resnet18_cifar(classes=10).eval(), models.ResNet18(10, width=64).eval()
    assert [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()] == [
        (k, v.shape) for k, v in ours.state_dict().items()
    ]
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(outputs(ours, x), outputs(theirs, x), rtol=1e-4, atol=1e-5)


def test_lstm_classifier_loads_the_sentiment_projects_model():
    """Equal-length sequences: the project's packed LSTM then reads exactly what ours reads."""
    from projects.sentiment.model import RNNClassifier

    theirs = RNNClassifier(50, 2, embed_dim=8, hidden=6, cell="lstm", bidirectional=True,
                           pooling="last").eval()
    ours = models.LSTMClassifier(50, 2, embed_dim=8, hidden_size=6, bidirectional=True).eval()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    ids = np.random.default_rng(0).integers(1, 50, (3, 5))
    with torch.no_grad():
        expected = theirs(torch.from_numpy(ids), torch.full((3,), 5)).numpy()
    np.testing.assert_allclose(outputs(ours, ids), expected, rtol=1e-4, atol=1e-5)


def test_model_errors():
    with pytest.raises(ValueError, match="LSTMClassifier: expected integer token ids of shape \\(B, T\\)"):
        models.LSTMClassifier(10, embed_dim=4, hidden_size=4)(minitorch.randn(2, 3))
    with pytest.raises(ValueError, match="LSTMClassifier: pooling must be 'last' or 'mean'"):
        models.LSTMClassifier(10, pooling="max")
    with pytest.raises(ValueError, match="ViT: image_size 30 is not a multiple of patch_size 4"):
        models.ViT(image_size=30)
    with pytest.raises(ValueError, match="LeNet5: activation 'sigmoid' / pool 'max' not supported"):
        models.LeNet5(activation="sigmoid")
