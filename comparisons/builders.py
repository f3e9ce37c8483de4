"""Builders for the common shapes of case: an op (`op_case`) and a module (`module_case`).

Both follow the same recipe:

1. make identical input arrays (float64 unless the dtype is the point) from the case's seed;
2. run the minitorch side and the torch side on copies of them;
3. compare every output (shape, dtype, values);
4. backpropagate the *same* random upstream gradient through both sides;
5. compare the gradient of every input (and, for modules, of every parameter, by name).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

import minitorch
from comparisons.registry import FLOAT64_RTOL, Case, Check, Outcome, register

# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


@dataclass
class Input:
    """How to make one input array. `grad` says whether it requires grad (floats default to yes)."""

    make: Callable[[np.random.Generator], np.ndarray]
    grad: bool

    def __call__(self, rng: np.random.Generator) -> np.ndarray:
        return self.make(rng)


def randn(*shape: int, dtype: str = "float64", scale: float = 1.0, grad: bool = True) -> Input:
    """Standard normal values (times `scale`)."""
    return Input(lambda rng: (rng.standard_normal(shape) * scale).astype(dtype), grad)


def uniform(*shape: int, low: float = -1.0, high: float = 1.0, dtype: str = "float64",
            grad: bool = True) -> Input:
    """Uniform values in [low, high): e.g. positive inputs for log and sqrt."""
    return Input(lambda rng: rng.uniform(low, high, shape).astype(dtype), grad)


def integers(low: int, high: int, *shape: int, dtype: str = "int64") -> Input:
    """Integer values in [low, high) (labels, indices); never require grad."""
    return Input(lambda rng: rng.integers(low, high, shape).astype(dtype), False)


def booleans(*shape: int, p: float = 0.5) -> Input:
    """A random boolean mask with P(True) = p."""
    return Input(lambda rng: rng.random(shape) < p, False)


def fixed(values: Any, dtype: str = "float64", grad: bool = True) -> Input:
    """Exact values, e.g. inputs built to contain ties."""
    array = np.asarray(values, dtype=dtype)
    return Input(lambda rng: array.copy(), grad)


# ---------------------------------------------------------------------------------------------
# Running both sides
# ---------------------------------------------------------------------------------------------

def to_torch(array: np.ndarray, grad: bool) -> torch.Tensor:
    t = torch.from_numpy(np.array(array, copy=True))
    return t.requires_grad_(grad)


def to_minitorch(array: np.ndarray, grad: bool) -> minitorch.Tensor:
    return minitorch.Tensor(np.array(array, copy=True), requires_grad=grad)


def flatten_outputs(output: Any) -> list[Any]:
    """Nested tuples/lists (e.g. LSTM's `out, (h, c)`) as a flat list of tensors, in order."""
    if isinstance(output, tuple | list):
        return [leaf for item in output for leaf in flatten_outputs(item)]
    return [output]


def as_numpy(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, minitorch.Tensor):
        return value.data
    return np.asarray(value)


def torch_dtype_name(t: torch.Tensor) -> str:
    return str(t.dtype).removeprefix("torch.")


def output_checks(mt_outs: Sequence[Any], torch_outs: Sequence[Any], atol: float | None,
                  rtol: float) -> list[Check]:
    if len(mt_outs) != len(torch_outs):
        raise AssertionError(f"minitorch returned {len(mt_outs)} outputs, torch {len(torch_outs)}")
    return [
        Check(f"output {i}", "forward", as_numpy(m), as_numpy(t), atol, rtol)
        for i, (m, t) in enumerate(zip(mt_outs, torch_outs, strict=True))
    ]


def backward_both(mt_outs: Sequence[Any], torch_outs: Sequence[Any],
                  rng: np.random.Generator) -> tuple[float, float]:
    """Send the same random upstream gradient into every differentiable output of both sides.

    Returns the seconds each backward took.
    """
    pairs = [
        (m, t) for m, t in zip(mt_outs, torch_outs, strict=True)
        if isinstance(t, torch.Tensor) and t.requires_grad
    ]
    if not pairs:
        return 0.0, 0.0
    upstream = [rng.standard_normal(t.shape).astype(as_numpy(t).dtype) for _, t in pairs]
    start = time.perf_counter()
    if len(pairs) == 1:
        pairs[0][0].backward(upstream[0])
    else:
        total = sum((m * minitorch.Tensor(u)).sum() for (m, _), u in zip(pairs, upstream, strict=True))
        total.backward()
    mt_seconds = time.perf_counter() - start
    start = time.perf_counter()
    torch.autograd.backward([t for _, t in pairs], [torch.from_numpy(u) for u in upstream])
    return mt_seconds, time.perf_counter() - start


def grad_check(label: str, mt_tensor: minitorch.Tensor, torch_tensor: torch.Tensor,
               atol: float | None, rtol: float) -> Check:
    """Compare two gradients. A gradient missing on one side only is a failure that names the
    side; missing on both sides (an input the output does not depend on: torch leaves `.grad`
    None) is compared as absence, never as zeros."""
    expected, actual = torch_tensor.grad, mt_tensor.grad
    if expected is None and actual is None:
        return Check(f"grad of {label} is None on both sides", "grad", np.array(True), np.array(True),
                     0.0, 0.0)
    if expected is None or actual is None:
        missing = "minitorch" if actual is None else "torch"
        return Check(f"grad of {label} is missing in {missing}", "grad", np.array(False), np.array(True),
                     0.0, 0.0)
    return Check(f"grad of {label}", "grad", as_numpy(actual), as_numpy(expected), atol, rtol)


def compare_calls(mt_call: Callable[[list[Any]], Any], torch_call: Callable[[list[Any]], Any],
                  inputs: Sequence[Input], rng: np.random.Generator, atol: float | None, rtol: float,
                  grad_atol: float | None, grad_rtol: float) -> Outcome:
    """Steps 1-5 of the recipe for one call on each side: same inputs, outputs compared, same
    upstream gradient, input gradients compared. Times include forward and backward."""
    arrays = [spec(rng) for spec in inputs]
    mt_in = [to_minitorch(a, s.grad) for a, s in zip(arrays, inputs, strict=True)]
    torch_in = [to_torch(a, s.grad) for a, s in zip(arrays, inputs, strict=True)]
    start = time.perf_counter()
    mt_outs = flatten_outputs(mt_call(mt_in))
    mt_seconds = time.perf_counter() - start
    start = time.perf_counter()
    torch_outs = flatten_outputs(torch_call(torch_in))
    torch_seconds = time.perf_counter() - start
    checks = output_checks(mt_outs, torch_outs, atol, rtol)
    mt_back, torch_back = backward_both(mt_outs, torch_outs, rng)
    checks += [
        grad_check(f"input {i}", m, t, grad_atol, grad_rtol)
        for i, (m, t, spec) in enumerate(zip(mt_in, torch_in, inputs, strict=True)) if spec.grad
    ]
    return Outcome(checks, mt_seconds + mt_back, torch_seconds + torch_back)


def grad_tolerances(atol: float | None, rtol: float, grad_atol: float | None,
                     grad_rtol: float | None) -> tuple[float | None, float]:
    """Gradient tolerances: as given, else the forward's (a float32 case's, which gives an
    explicit atol, times 10: its gradients sum more rounding)."""
    if grad_rtol is None:
        grad_rtol = rtol if atol is None else rtol * 10
    if grad_atol is None and atol is not None:
        grad_atol = atol * 10
    return grad_atol, grad_rtol


# ---------------------------------------------------------------------------------------------
# Op cases
# ---------------------------------------------------------------------------------------------

def op_case(name: str, minitorch_fn: Callable[..., Any], torch_fn: Callable[..., Any],
            inputs: Sequence[Input], *, atol: float | None = None, rtol: float = FLOAT64_RTOL,
            grad_atol: float | None = None, grad_rtol: float | None = None,
            gradcheck: bool = True, group: str = "op", seed: int = 0, looser_because: str = "") -> Case:
    """Register a case comparing `minitorch_fn(*inputs)` with `torch_fn(*inputs)`.

    Tolerances default to float64's (see `Check`); gradients default to the forward's.
    `gradcheck=False` for ops whose test inputs sit on a kink (ties, the 0 of relu): the
    finite-difference check is meaningless there, while the torch comparison still holds.
    """
    grad_atol, grad_rtol = grad_tolerances(atol, rtol, grad_atol, grad_rtol)

    def make_inputs(rng: np.random.Generator) -> list[np.ndarray]:
        return [spec(rng) for spec in inputs]

    def run(rng: np.random.Generator) -> Outcome:
        return compare_calls(lambda args: minitorch_fn(*args), lambda args: torch_fn(*args), inputs,
                             rng, atol, rtol, grad_atol, grad_rtol)

    return register(Case(name, group, run, seed, minitorch_fn=minitorch_fn, make_inputs=make_inputs,
                         grad_mask=[s.grad for s in inputs],
                         gradcheck=gradcheck and any(s.grad for s in inputs), looser_because=looser_because))


# ---------------------------------------------------------------------------------------------
# Module cases
# ---------------------------------------------------------------------------------------------

def copy_torch_weights(torch_module: torch.nn.Module, mt_module: Any) -> None:
    """Load the torch module's state dict (as NumPy arrays) into the minitorch twin."""
    state = {k: v.detach().cpu().numpy().copy() for k, v in torch_module.state_dict().items()}
    mt_module.load_state_dict(state)


def module_case(name: str, torch_factory: Callable[[], torch.nn.Module],
                minitorch_factory: Callable[[], Any], inputs: Sequence[Input], *,
                atol: float | None = None, rtol: float = FLOAT64_RTOL, grad_atol: float | None = None,
                grad_rtol: float | None = None, group: str = "layer", train: bool = True,
                forward: Callable[[Any, list[Any]], Any] | None = None,
                dtype: torch.dtype = torch.float64, seed: int = 0, looser_because: str = "") -> Case:
    """Register a case comparing a minitorch module with its torch twin on copied weights.

    The torch module is built (seeded), both modules are converted to `dtype`, and the torch
    state dict is loaded into the minitorch module; both get the same inputs.
    `forward(module, inputs)` defaults to `module(*inputs)`. Output, input gradients, every
    parameter's gradient and every buffer are compared.
    """
    grad_atol, grad_rtol = grad_tolerances(atol, rtol, grad_atol, grad_rtol)
    call = forward or (lambda module, args: module(*args))

    def run(rng: np.random.Generator) -> Outcome:
        torch.manual_seed(int(rng.integers(2**31)))
        torch_module = torch_factory().to(dtype)
        mt_module = minitorch_factory().to(np.dtype(str(dtype).removeprefix("torch.")))
        copy_torch_weights(torch_module, mt_module)
        torch_module.train(train)
        mt_module.train(train)
        outcome = compare_calls(lambda args: call(mt_module, args), lambda args: call(torch_module, args),
                                inputs, rng, atol, rtol, grad_atol, grad_rtol)
        checks = outcome.checks
        mt_params = dict(mt_module.named_parameters())
        for param_name, torch_param in torch_module.named_parameters():
            if param_name not in mt_params:
                raise AssertionError(f"minitorch module has no parameter named {param_name!r}")
            checks.append(grad_check(param_name, mt_params[param_name], torch_param,
                                     grad_atol, grad_rtol))
        mt_buffers = dict(mt_module.named_buffers())
        for buffer_name, torch_buffer in torch_module.named_buffers():
            checks.append(Check(f"buffer {buffer_name}", "state", as_numpy(mt_buffers[buffer_name]),
                                as_numpy(torch_buffer), atol, rtol))
        return outcome

    return register(Case(name, group, run, seed, looser_because=looser_because))
