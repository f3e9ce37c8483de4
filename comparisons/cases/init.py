"""Parity of weight initialization with torch: the two engines draw different random numbers, so
each case draws a large tensor on both sides and compares the statistics that define the
distribution: mean and standard deviation (and, for uniform draws, the range), within a few
standard errors. Also the default initialization of the layers that draw random weights."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import minitorch
import minitorch.nn as nn
from comparisons.registry import Case, Check, Outcome, register

STATISTICAL = ("the engines draw different random numbers: the statistics of two samples agree within "
               "6 standard errors, not to rounding")
SHAPE = (256, 64, 3, 3)  # 147k draws: the sample std is within ~0.4% of the true one


def statistics_checks(actual: np.ndarray, expected: np.ndarray, uniform: bool) -> list[Check]:
    """mean and std (and min, max when uniform) of minitorch's draw against torch's, each within
    6 standard errors of the difference of two independent samples of n draws: sigma sqrt(2/n)
    for the mean, sigma / sqrt(n) for the std, and (range / n) for the extremes of a uniform."""
    n = expected.size
    sigma = float(expected.std())
    names = ["mean", "std"] + (["min", "max"] if uniform else [])
    tolerances = [6 * sigma * np.sqrt(2 / n), 6 * sigma / np.sqrt(n)]
    tolerances += [6 * float(np.ptp(expected)) / n] * 2 if uniform else []

    def stats(a: np.ndarray) -> list[float]:
        a = a.astype(np.float64)
        return [a.mean(), a.std()] + ([a.min(), a.max()] if uniform else [])

    return [Check(name, "state", np.asarray(m), np.asarray(t), tol, 0.0)
            for name, m, t, tol in zip(names, stats(actual), stats(expected), tolerances, strict=True)]


def init_case(name: str, mt_fn: Callable[[minitorch.Tensor], Any], torch_fn: Callable[[torch.Tensor], Any],
              uniform: bool, shape: tuple[int, ...] = SHAPE) -> None:
    def run(rng: np.random.Generator) -> Outcome:
        minitorch.manual_seed(int(rng.integers(2**31)))
        torch.manual_seed(int(rng.integers(2**31)))
        mine = minitorch.Tensor(np.zeros(shape, dtype=np.float32))
        theirs = torch.zeros(shape)
        mt_fn(mine)
        torch_fn(theirs)
        return Outcome(statistics_checks(mine.data, theirs.numpy(), uniform))

    register(Case(name, "init", run, looser_because=STATISTICAL))


def layer_init_case(name: str, make_mt: Callable[[], Any], make_torch: Callable[[], torch.nn.Module],
                    uniform: bool) -> None:
    """Every parameter of a freshly built layer: statistics against torch's layer."""
    def run(rng: np.random.Generator) -> Outcome:
        minitorch.manual_seed(int(rng.integers(2**31)))
        torch.manual_seed(int(rng.integers(2**31)))
        mine, theirs = dict(make_mt().named_parameters()), make_torch()
        checks = []
        for param_name, p in theirs.named_parameters():
            for check in statistics_checks(mine[param_name].data, p.detach().numpy(), uniform):
                check.label = f"{param_name} {check.label}"
                checks.append(check)
        return Outcome(checks)

    register(Case(name, "init", run, looser_because=STATISTICAL))


I = torch.nn.init
for kwargs in ({}, {"a": 5 ** 0.5}, {"mode": "fan_out", "nonlinearity": "relu"}, {"a": 0.2}):
    label = "_".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in kwargs.items())
    label = label or "default"
    init_case(f"kaiming_uniform_{label}", lambda t, k=kwargs: nn.init.kaiming_uniform_(t, **k),
              lambda t, k=kwargs: I.kaiming_uniform_(t, **k), uniform=True)
    init_case(f"kaiming_normal_{label}", lambda t, k=kwargs: nn.init.kaiming_normal_(t, **k),
              lambda t, k=kwargs: I.kaiming_normal_(t, **k), uniform=False)
for gain in (1.0, 5 / 3):
    init_case(f"xavier_uniform_gain={gain:.3g}", lambda t, g=gain: nn.init.xavier_uniform_(t, gain=g),
              lambda t, g=gain: I.xavier_uniform_(t, gain=g), uniform=True)
    init_case(f"xavier_normal_gain={gain:.3g}", lambda t, g=gain: nn.init.xavier_normal_(t, gain=g),
              lambda t, g=gain: I.xavier_normal_(t, gain=g), uniform=False)
init_case("normal_mean_std", lambda t: nn.init.normal_(t, 1.5, 0.3), lambda t: I.normal_(t, 1.5, 0.3),
          uniform=False)
init_case("uniform_a_b", lambda t: nn.init.uniform_(t, -2.0, 0.5), lambda t: I.uniform_(t, -2.0, 0.5),
          uniform=True)
init_case("constant_", lambda t: nn.init.constant_(t, 0.75), lambda t: I.constant_(t, 0.75), uniform=True,
          shape=(4, 5))
init_case("zeros_", nn.init.zeros_, I.zeros_, uniform=True, shape=(4, 5))
init_case("ones_", nn.init.ones_, I.ones_, uniform=True, shape=(4, 5))
init_case("kaiming_uniform_linear_shape", nn.init.kaiming_uniform_, I.kaiming_uniform_, uniform=True,
          shape=(300, 500))

layer_init_case("Linear_default_init", lambda: nn.Linear(500, 300), lambda: torch.nn.Linear(500, 300), True)
layer_init_case("Conv2d_default_init", lambda: nn.Conv2d(64, 256, 3), lambda: torch.nn.Conv2d(64, 256, 3),
                True)
layer_init_case("Conv2d_groups_default_init", lambda: nn.Conv2d(64, 256, (3, 5), groups=4),
                lambda: torch.nn.Conv2d(64, 256, (3, 5), groups=4), True)
layer_init_case("Embedding_default_init", lambda: nn.Embedding(2000, 64),
                lambda: torch.nn.Embedding(2000, 64), False)
