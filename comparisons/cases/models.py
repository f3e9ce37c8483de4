"""Parity cases for the models (minitorch.nn.models against their torch twins in
comparisons/twins.py), at small sizes but with the real structure: forward and the gradient
of every parameter with copied weights, and the state-dict round trip both ways (torch's state
dict loaded into minitorch gives torch's outputs; minitorch's own state dict loaded into torch
gives minitorch's outputs)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import minitorch
import minitorch.nn.models as models
from comparisons import twins
from comparisons.builders import Input, as_numpy, module_case, randn
from comparisons.registry import FLOAT64_RTOL, Case, Check, Outcome, register

VOCAB, TOKENS = 20, 7


def token_ids(batch: int) -> Input:
    """Token ids in [1, VOCAB) with 0 (padding_idx) after each sequence's length; the first
    sequence is unpadded."""

    def make(rng: np.random.Generator) -> np.ndarray:
        ids = rng.integers(1, VOCAB, (batch, TOKENS))
        lengths = np.maximum(TOKENS - 2 * np.arange(batch), 1)
        ids[np.arange(TOKENS) >= lengths[:, None]] = 0
        return ids

    return Input(make, False)


def round_trip_case(name: str, torch_factory: Callable[[], torch.nn.Module],
                    minitorch_factory: Callable[[], minitorch.nn.Module], inputs: Sequence[Input],
                    atol: float | None = None, rtol: float = FLOAT64_RTOL) -> Case:
    """Register the state-dict round trip of a model, in float64 and eval mode:

    1. torch model's state dict (as NumPy arrays) -> minitorch model: same outputs;
    2. a fresh minitorch model's state dict (its own init) -> a fresh torch model: same outputs.
    Both state dicts must have the same keys in the same order.
    """

    def outputs(model: Any, arrays: list[np.ndarray], make: Callable[[np.ndarray], Any]) -> np.ndarray:
        return as_numpy(model(*(make(a.copy()) for a in arrays)))

    def run(rng: np.random.Generator) -> Outcome:
        torch.manual_seed(int(rng.integers(2**31)))
        arrays = [spec(rng) for spec in inputs]
        checks = []
        with torch.no_grad(), minitorch.no_grad():
            t_model, m_model = torch_factory().double().eval(), minitorch_factory().double().eval()
            if list(t_model.state_dict()) != list(m_model.state_dict()):
                raise AssertionError(f"state dict keys differ:\n torch     {list(t_model.state_dict())}\n"
                                     f" minitorch {list(m_model.state_dict())}")
            m_model.load_state_dict({k: v.numpy().copy() for k, v in t_model.state_dict().items()})
            checks.append(Check("torch state dict -> minitorch: output", "forward",
                                outputs(m_model, arrays, minitorch.tensor),
                                outputs(t_model, arrays, torch.from_numpy), atol, rtol))
            m_model, t_model = minitorch_factory().double().eval(), torch_factory().double().eval()
            state = m_model.state_dict()
            t_model.load_state_dict({k: torch.from_numpy(v.data.copy()) for k, v in state.items()})
            checks.append(Check("minitorch state dict -> torch: output", "forward",
                                outputs(m_model, arrays, minitorch.tensor),
                                outputs(t_model, arrays, torch.from_numpy), atol, rtol))
            for key, value in t_model.state_dict().items():
                checks.append(Check(f"round trip of {key}", "state", m_model.state_dict()[key].data,
                                    value.numpy(), 0, 0))
        return Outcome(checks)

    return register(Case(name, "model", run))


def model_cases(name: str, torch_factory: Callable[[], torch.nn.Module],
                minitorch_factory: Callable[[], minitorch.nn.Module], inputs: Sequence[Input],
                **options: Any) -> None:
    """A forward+backward case (train mode) and the state-dict round trip for one model."""
    module_case(name, torch_factory, minitorch_factory, inputs, group="model", **options)
    round_trip_case(f"{name}_state_dict_round_trip", torch_factory, minitorch_factory, inputs)


model_cases("MLP", lambda: twins.MLP(20, (16, 8), 4), lambda: models.MLP(20, (16, 8), 4), [randn(3, 4, 5)])
model_cases("MLP_dropout_eval", lambda: twins.MLP(20, (16,), 4, dropout=0.5),
            lambda: models.MLP(20, (16,), 4, dropout=0.5), [randn(3, 20)], train=False)
for label, options in {"last": {"pooling": "last"},
                       "mean_bidirectional": {"pooling": "mean", "bidirectional": True},
                       "last_bidirectional_2layers": {"bidirectional": True, "num_layers": 2}}.items():
    model_cases(f"LSTMClassifier_{label}",
                lambda o=options: twins.LSTMClassifier(VOCAB, 3, embed_dim=8, hidden_size=6, **o),
                lambda o=options: models.LSTMClassifier(VOCAB, 3, embed_dim=8, hidden_size=6, **o),
                [token_ids(4)])
model_cases("LeNet5", twins.LeNet5, models.LeNet5, [randn(2, 1, 28, 28)])
model_cases("LeNet5_tanh_avgpool", lambda: twins.LeNet5(activation="tanh", pool="avg"),
            lambda: models.LeNet5(activation="tanh", pool="avg"), [randn(2, 1, 28, 28)])
# ResNet-18 with 4 channels in the first stage (the real 2-2-2-2 structure, with downsampling
# shortcuts), in training mode (batch statistics; running statistics compared as buffers) and eval.
model_cases("ResNet18_width4", lambda: twins.ResNet18(num_classes=5, width=4),
            lambda: models.ResNet18(num_classes=5, width=4), [randn(2, 3, 16, 16)])
module_case("ResNet18_width4_eval", lambda: twins.ResNet18(num_classes=5, width=4),
            lambda: models.ResNet18(num_classes=5, width=4), [randn(2, 3, 16, 16)], group="model",
            train=False)
VIT = {"image_size": 16, "patch_size": 4, "num_classes": 5, "dim": 16, "depth": 2, "heads": 2, "mlp_dim": 32}
model_cases("ViT_small", lambda: twins.ViT(**VIT), lambda: models.ViT(**VIT), [randn(2, 3, 16, 16)])
module_case("ViT_small_dropout_eval", lambda: twins.ViT(**VIT, dropout=0.1),
            lambda: models.ViT(**VIT, dropout=0.1), [randn(2, 3, 16, 16)], group="model", train=False)
