"""Parity cases for mixed precision: autocast dtypes and values, and GradScaler's rules.

- autocast: matmul and linear inside `autocast` (float16) against `torch.autocast("cpu",
  dtype=torch.float16)`: the output is float16 in both, the gradients reaching the float32
  inputs and weights are float32 in both, and the values agree to float16 precision.
- GradScaler: both engines' scalers see the same sequence of scaled gradients, some finite and
  some with inf or NaN; after every iteration the scale, the growth tracker and every parameter
  must agree (a skipped step leaves the parameters exactly as they were).
- A small model trained with autocast + GradScaler from a scale so large that float16
  gradients overflow: the scale backs off step by step in both engines alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import minitorch
import minitorch.optim
from comparisons.builders import copy_torch_weights, module_case, op_case, randn
from comparisons.cases.optim import twin_parameters
from comparisons.registry import Case, Check, Outcome, register
from minitorch.amp import GradScaler, autocast
from minitorch.nn import Conv2d, Linear

# float16 outputs: both engines round the same float32 sums to float16, at most a unit or two in
# the last place apart (float16's eps is 9.8e-4).
FLOAT16_TOL = {"atol": None, "rtol": 5e-3}
# Gradients: each case allows a little more than its measured error (relative, also near zero,
# see comparisons.registry.Check), so a backward that is 1% off fails
# (tests/test_comparisons_amp_mutation.py multiplies the matmul and conv2d backwards by 1.01).
EXACT_GRADS = {"grad_atol": 0.0, "grad_rtol": 1e-6}  # float32 gradients of the same float16 products


def in_autocast(fn: Callable[..., Any]) -> Callable[..., Any]:
    """minitorch: fn run inside minitorch.amp.autocast (float16)."""
    return lambda *args: autocast()(fn)(*args)


def in_torch_autocast(fn: Callable[..., Any]) -> Callable[..., Any]:
    """torch: fn run inside torch.autocast on the CPU with float16."""
    def run(*args: Any) -> Any:
        with torch.autocast("cpu", dtype=torch.float16):
            return fn(*args)

    return run


def matmul(a: Any, b: Any) -> Any:
    return a @ b


op_case("amp_autocast_matmul", in_autocast(matmul), in_torch_autocast(matmul),
        [randn(8, 16, dtype="float32"), randn(16, 4, dtype="float32")], gradcheck=False, group="amp",
        **FLOAT16_TOL, **EXACT_GRADS)
op_case("amp_autocast_matmul_batched", in_autocast(matmul), in_torch_autocast(matmul),
        [randn(3, 5, 16, dtype="float32"), randn(16, 6, dtype="float32")], gradcheck=False, group="amp",
        **FLOAT16_TOL, **EXACT_GRADS)
op_case("amp_autocast_then_float32_op", in_autocast(lambda a, b: (a @ b).float().tanh() * a[:, :4]),
        in_torch_autocast(lambda a, b: (a @ b).float().tanh() * a[:, :4]),
        [randn(8, 16, dtype="float32"), randn(16, 4, dtype="float32")], gradcheck=False, group="amp",
        **FLOAT16_TOL, grad_atol=None, grad_rtol=1e-6)
op_case("amp_autocast_disabled_inside", lambda a, b: autocast()(autocast(enabled=False)(matmul))(a, b),
        lambda a, b: a @ b, [randn(8, 16, dtype="float32"), randn(16, 4, dtype="float32")],
        gradcheck=False, group="amp", atol=None, rtol=1e-6, grad_atol=None, grad_rtol=1e-6)


def autocast_forward(module: Any, args: list[Any]) -> Any:
    """Call a module of either engine inside its engine's autocast."""
    wrap = in_torch_autocast if isinstance(module, torch.nn.Module) else in_autocast
    return wrap(module)(*args)


module_case("amp_autocast_linear", lambda: torch.nn.Linear(16, 8), lambda: Linear(16, 8),
            [randn(4, 16, dtype="float32")], group="amp", dtype=torch.float32, forward=autocast_forward,
            **FLOAT16_TOL, grad_atol=None, grad_rtol=2e-3)
module_case("amp_autocast_conv2d", lambda: torch.nn.Conv2d(3, 4, 3, padding=1),
            lambda: Conv2d(3, 4, 3, padding=1), [randn(2, 3, 8, 8, dtype="float32")], group="amp",
            dtype=torch.float32, forward=autocast_forward, **FLOAT16_TOL, grad_atol=None, grad_rtol=2e-3)


# -- GradScaler on a fixed sequence of gradients ---------------------------------------------------

def scaler_state_checks(step: int, mt_scaler: GradScaler, torch_scaler: Any) -> list[Check]:
    mt_state, torch_state = mt_scaler.state_dict(), torch_scaler.state_dict()
    return [Check(f"iteration {step} {key}", "state", np.float64(mt_state[key]), np.float64(value), 0.0, 0.0)
            for key, value in torch_state.items()]


def scaler_case(name: str, make_optimizers: Callable[[Any, list[Any]], list[Any]], events: str, *,
                scaler_options: dict[str, Any], unscale_and_clip: bool = False, seed: int = 0) -> Case:
    """Register a case feeding both scalers the gradient sequence `events`: one character per
    iteration, '.' finite gradients, 'i' one +inf entry, 'n' one NaN entry (in the first or the
    second parameter, alternately).

    `make_optimizers(engine.optim, params)` gives the optimizers one scaler serves (with two,
    only the one whose gradients hold the inf skips its step; the scale still backs off).
    With `unscale_and_clip`, each iteration unscales explicitly and clips each optimizer's
    gradients to total norm 1 before `step`, as a training loop with clipping does.
    """
    def run(rng: np.random.Generator) -> Outcome:
        mt_params, torch_params = twin_parameters(rng, [(4, 3), (3,)], "float32")
        mt_opts = make_optimizers(minitorch.optim, mt_params)
        torch_opts = make_optimizers(torch.optim, torch_params)
        mt_scaler = GradScaler(**scaler_options)
        torch_scaler = torch.amp.GradScaler("cpu", **scaler_options)
        checks = scaler_state_checks(0, mt_scaler, torch_scaler)
        mt_seconds = torch_seconds = 0.0
        for step, event in enumerate(events, start=1):
            # The gradients a backward of scaler.scale(loss) would give: true gradient * scale.
            mt_factor = mt_scaler.scale(minitorch.tensor(1.0)).data
            torch_factor = torch_scaler.scale(torch.tensor(1.0)).numpy()
            for i, (mp, tp) in enumerate(zip(mt_params, torch_params, strict=True)):
                grad = rng.standard_normal(mp.shape).astype(np.float32)
                if event != "." and i == step % 2:
                    grad.flat[step % grad.size] = np.inf if event == "i" else np.nan
                mp.grad = minitorch.Tensor(grad * mt_factor)
                tp.grad = torch.from_numpy(grad * torch_factor)
            for engine, scaler, opts in ((minitorch, mt_scaler, mt_opts), (torch, torch_scaler, torch_opts)):
                start = time.perf_counter()
                for opt in opts:
                    if unscale_and_clip:
                        scaler.unscale_(opt)
                        engine.nn.utils.clip_grad_norm_(opt.param_groups[0]["params"], 1.0)
                    scaler.step(opt)
                scaler.update()
                elapsed = time.perf_counter() - start
                if engine is minitorch:
                    mt_seconds += elapsed
                else:
                    torch_seconds += elapsed
            checks += scaler_state_checks(step, mt_scaler, torch_scaler)
            checks += [
                Check(f"iteration {step} param {i}", "state", mp.data.copy(), tp.detach().numpy().copy(),
                      1e-6, 1e-5)
                for i, (mp, tp) in enumerate(zip(mt_params, torch_params, strict=True))
            ]
        return Outcome(checks, mt_seconds, torch_seconds)

    return register(Case(f"amp_grad_scaler_{name}", "amp", run, seed))


scaler_case("sgd_backoff_and_growth", lambda o, p: [o.SGD(p, lr=0.1, momentum=0.9)], "..i...n....iin.....",
            scaler_options={"init_scale": 2.0**10, "growth_interval": 3})
scaler_case("adam_custom_factors", lambda o, p: [o.Adam(p, lr=0.01)], ".i..n.i.........ii..",
            scaler_options={"init_scale": 3.0, "growth_factor": 1.5, "backoff_factor": 0.3,
                            "growth_interval": 2})
scaler_case("unscale_then_clip", lambda o, p: [o.SGD(p, lr=0.05)], "....i..n..",
            scaler_options={"init_scale": 256.0, "growth_interval": 4}, unscale_and_clip=True)
scaler_case("two_optimizers", lambda o, p: [o.SGD(p[:1], lr=0.05, momentum=0.9), o.Adam(p[1:], lr=0.01)],
            "..i.n..ii...", scaler_options={"init_scale": 64.0, "growth_interval": 2}, unscale_and_clip=True)
scaler_case("disabled", lambda o, p: [o.SGD(p, lr=0.05)], "......",
            scaler_options={"enabled": False})


def amp_training_step(model: Any, optimizer: Any, scaler: Any, context: Any, x: Any, y: Any) -> Any:
    """One mixed-precision step of a mean-squared-error regression, the same code for both engines.
    (float16 gradients overflowing to inf is expected here: NumPy's warnings about it are muted.)"""
    with context:
        loss = ((model(x).float() - y) ** 2).mean()
    optimizer.zero_grad()
    with np.errstate(over="ignore", invalid="ignore"):
        scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return loss


def unscaled_grad_checks(step: int, mt_model: Any, torch_model: Any) -> list[Check]:
    """The gradients `scaler.step` left unscaled. On a step torch skipped (an inf or NaN somewhere)
    only that minitorch found one too: where float16 first overflows differs between the engines
    (NumPy sums float16 in float16), and the values are thrown away anyway."""
    mt_params = dict(mt_model.named_parameters())
    pairs = [(n, mt_params[n].grad.data.copy(), p.grad.numpy().copy())
             for n, p in torch_model.named_parameters()]
    if not all(np.isfinite(t).all() for _, _, t in pairs):
        found = np.array(not all(np.isfinite(m).all() for _, m, _ in pairs))
        return [Check(f"step {step} inf/NaN gradients found (skipped step)", "grad", found, np.array(True),
                      0.0, 0.0)]
    return [Check(f"step {step} grad of {n}", "grad", m, t, None, 2e-3) for n, m, t in pairs]


def autocast_training_case(name: str, steps: int = 12, seed: int = 0) -> Case:
    """A Linear-Tanh-Linear model trained with autocast and GradScaler from init_scale 2**24:
    the float16 gradients overflow at first, so steps are skipped and the scale halves until
    they fit. Losses, scale, gradients and weights are compared at every step."""
    def run(rng: np.random.Generator) -> Outcome:
        torch.manual_seed(int(rng.integers(2**31)))
        torch_model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.Tanh(), torch.nn.Linear(32, 4))
        mt_model = minitorch.nn.Sequential(Linear(16, 32), minitorch.nn.Tanh(), Linear(32, 4))
        copy_torch_weights(torch_model, mt_model)
        mt_opt = minitorch.optim.SGD(mt_model.parameters(), lr=0.05, momentum=0.9)
        torch_opt = torch.optim.SGD(torch_model.parameters(), lr=0.05, momentum=0.9)
        options = {"init_scale": 2.0**24, "growth_interval": 4}
        mt_scaler, torch_scaler = GradScaler(**options), torch.amp.GradScaler("cpu", **options)
        checks: list[Check] = []
        mt_seconds = torch_seconds = 0.0
        for step in range(1, steps + 1):
            x = rng.standard_normal((8, 16)).astype(np.float32)
            y = rng.standard_normal((8, 4)).astype(np.float32)
            start = time.perf_counter()
            mt_loss = amp_training_step(mt_model, mt_opt, mt_scaler, autocast(), minitorch.Tensor(x),
                                        minitorch.Tensor(y))
            mt_seconds += time.perf_counter() - start
            start = time.perf_counter()
            torch_loss = amp_training_step(torch_model, torch_opt, torch_scaler,
                                           torch.autocast("cpu", dtype=torch.float16), torch.from_numpy(x),
                                           torch.from_numpy(y))
            torch_seconds += time.perf_counter() - start
            checks.append(Check(f"step {step} loss", "state", mt_loss.data, torch_loss.detach().numpy(),
                                **FLOAT16_TOL))
            checks += scaler_state_checks(step, mt_scaler, torch_scaler)
            mt_params = dict(mt_model.named_parameters())
            checks += unscaled_grad_checks(step, mt_model, torch_model)
            checks += [Check(f"step {step} {n}", "state", mt_params[n].data.copy(), p.detach().numpy().copy(),
                             5e-3, 5e-3) for n, p in torch_model.named_parameters()]
        if mt_scaler.get_scale() == 2.0**24:
            raise AssertionError("the scale never backed off: the case no longer exercises overflow")
        return Outcome(checks, mt_seconds, torch_seconds)

    return register(Case(f"amp_{name}", "amp", run, seed))


autocast_training_case("autocast_grad_scaler_training")
