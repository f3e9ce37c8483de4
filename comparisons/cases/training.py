"""Training parity: whole training loops run side by side, from the same weights on the same batches.

Each case copies the torch twin's weights into the minitorch model, then runs 20 steps of
zero_grad -> forward -> cross-entropy -> backward -> (clip) -> optimizer step -> scheduler
step in both engines, and compares the loss of every step and, at the end, every parameter.
Any difference anywhere in the chain (a layer's backward, the optimizer's state, the
scheduler's rate) would make the curves drift apart.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import minitorch
import minitorch.optim
from comparisons import twins
from comparisons.builders import copy_torch_weights
from comparisons.registry import FLOAT64_RTOL, Case, Check, Outcome, register
from minitorch.nn import models

Batch = tuple[np.ndarray, np.ndarray]


def training_case(name: str, torch_factory: Callable[[], torch.nn.Module], mt_factory: Callable[[], Any],
                  make_batch: Callable[[np.random.Generator], Batch],
                  make_optimizer: Callable[[Any, Any], tuple[Any, Any]], *, steps: int = 20,
                  dtype: str = "float64", clip: float | None = None, loss_tol: float = FLOAT64_RTOL,
                  param_tol: float = FLOAT64_RTOL, seed: int = 0) -> Case:
    """Register a training-parity case.

    `make_optimizer(engine, params)` returns (optimizer, scheduler or None) built from the
    engine's `optim` module; `make_batch(rng)` gives (inputs, int64 labels) for one step.
    The tolerances are relative; in float64 also near zero (atol None, see `Check`).
    """
    loss_atol, param_atol = (None, None) if dtype == "float64" else (loss_tol, param_tol)
    def run(rng: np.random.Generator) -> Outcome:
        torch.manual_seed(int(rng.integers(2**31)))
        torch_model = torch_factory().to(getattr(torch, dtype))
        mt_model = mt_factory().to(np.dtype(dtype))
        copy_torch_weights(torch_model, mt_model)
        engines = {
            "minitorch": (minitorch, mt_model, *make_optimizer(minitorch, mt_model.parameters())),
            "torch": (torch, torch_model, *make_optimizer(torch, torch_model.parameters())),
        }
        seconds = {"minitorch": 0.0, "torch": 0.0}
        checks = []
        for step in range(1, steps + 1):
            x, y = make_batch(rng)
            if x.dtype.kind == "f":
                x = x.astype(dtype)
            losses = {}
            for key, (engine, model, optimizer, scheduler) in engines.items():
                to_tensor = minitorch.Tensor if engine is minitorch else torch.from_numpy
                start = time.perf_counter()
                optimizer.zero_grad()
                loss = engine.nn.functional.cross_entropy(model(to_tensor(x.copy())), to_tensor(y.copy()))
                loss.backward()
                if clip is not None:
                    engine.nn.utils.clip_grad_norm_(model.parameters(), clip)
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                seconds[key] += time.perf_counter() - start
                losses[key] = np.array(loss.item(), dtype=dtype)
            checks.append(Check(f"step {step} loss", "state", losses["minitorch"], losses["torch"],
                                loss_atol, loss_tol))
        mt_params = dict(mt_model.named_parameters())
        checks += [Check(f"final {n}", "state", mt_params[n].data, p.detach().numpy(), param_atol, param_tol)
                   for n, p in torch_model.named_parameters()]
        return Outcome(checks, seconds["minitorch"], seconds["torch"])

    return register(Case(f"train_{name}", "training", run, seed))


def digits(batch: int) -> Callable[[np.random.Generator], Batch]:
    """Random 1x28x28 'images' with labels 0-9 (the parity needs equal batches, not real digits)."""
    return lambda rng: (rng.random((batch, 1, 28, 28)), rng.integers(0, 10, batch))


def sentences(batch: int, length: int, vocab: int) -> Callable[[np.random.Generator], Batch]:
    """Token ids padded with 0 at the end (lengths 3..length), labels 0/1."""
    def make(rng: np.random.Generator) -> Batch:
        ids = rng.integers(1, vocab, (batch, length))
        lengths = rng.integers(3, length + 1, batch)
        ids[np.arange(length)[None, :] >= lengths[:, None]] = 0
        return ids, rng.integers(0, 2, batch)

    return make


def sgd_cosine(engine: Any, params: Any) -> tuple[Any, Any]:
    optimizer = engine.optim.SGD(params, lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    return optimizer, engine.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=20)


def adam_step(engine: Any, params: Any) -> tuple[Any, Any]:
    optimizer = engine.optim.Adam(params, lr=3e-3)
    return optimizer, engine.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)


def adamw_onecycle(engine: Any, params: Any) -> tuple[Any, Any]:
    optimizer = engine.optim.AdamW(params, lr=1e-3, weight_decay=0.05)
    return optimizer, engine.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=5e-3, total_steps=20)


training_case("lenet5_sgd_nesterov_cosine", twins.LeNet5, models.LeNet5, digits(16), sgd_cosine)
training_case("lenet5_adamw_onecycle_float32", twins.LeNet5, models.LeNet5, digits(16), adamw_onecycle,
              dtype="float32", loss_tol=2e-5, param_tol=1e-4)
training_case("lstm_classifier_adam_clip", lambda: twins.LSTMClassifier(50, embed_dim=16, hidden_size=24),
              lambda: models.LSTMClassifier(50, embed_dim=16, hidden_size=24), sentences(8, 12, 50),
              adam_step, clip=1.0)
BIDIRECTIONAL = {"embed_dim": 16, "hidden_size": 24, "bidirectional": True, "pooling": "mean"}
training_case("lstm_classifier_bidirectional_mean_sgd", lambda: twins.LSTMClassifier(50, **BIDIRECTIONAL),
              lambda: models.LSTMClassifier(50, **BIDIRECTIONAL), sentences(8, 12, 50), sgd_cosine, clip=0.5)
