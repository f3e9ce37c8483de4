"""Parity cases for in-place safety: version counters.

Each scenario is written once and run on both engines (`lib` is `minitorch` or `torch`, whose
APIs agree here): it builds a small graph from the same float64 arrays, changes a tensor in
place (`fill_`, `copy_`, `zero_`, setitem, an optimizer step, an init function,
`load_state_dict`) and calls backward.

- Error cases: the change hits memory a node saved for its backward. torch raises "one of the
  variables needed for gradient computation has been modified by an inplace operation ... is
  at version N; expected version M instead"; minitorch must raise it too, with the same N and M.
- Legal cases: the change hits a tensor no node saved, or comes after the backward. Both engines
  run to the end; every returned tensor (values, gradients) agrees at 1e-12.

Which saved tensors are guarded follows torch: a product's operand (mul, matmul, linear, div's
numerator) only when the other operand needs a gradient, since only that gradient reads it;
conv2d's input and weight, max_pool2d's input, relu's output always.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import minitorch
from comparisons.registry import FLOAT64_RTOL, Case, Check, Outcome, register

Scenario = Callable[[Any, dict[str, np.ndarray]], dict[str, Any]]
INPLACE_ERROR = re.compile(r"modified by an inplace operation.*is at version (\d+); expected version (\d+)")
TOL = {"atol": None, "rtol": FLOAT64_RTOL}  # atol None: rtol times the largest |expected|


def make_arrays(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The float64 inputs every scenario may use."""
    shapes = {"w": (3,), "x": (3,), "a": (2, 3), "b": (3, 4), "c": (2, 3), "input": (5, 4),
              "w1": (8, 4), "b1": (8,), "w2": (2, 8), "b2": (2,), "image": (2, 1, 6, 6),
              "kernel": (3, 1, 3, 3), "kernel_bias": (3,)}
    return {name: rng.standard_normal(shape) for name, shape in shapes.items()}


def leaf(lib: Any, array: np.ndarray, grad: bool = True) -> Any:
    return lib.tensor(array.copy(), requires_grad=grad)


def mlp(lib: Any, arrays: dict[str, np.ndarray]) -> Any:
    """Linear(4, 8) -> ReLU -> Linear(8, 2) in float64 with the weights from `arrays`."""
    model = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Linear(8, 2)).double()
    with lib.no_grad():
        for param, name in zip(model.parameters(), ("w1", "b1", "w2", "b2"), strict=True):
            param.copy_(lib.tensor(arrays[name]))
    return model


def run_both(scenario: Scenario, rng: np.random.Generator) -> tuple[Any, Any, float, float]:
    """Run the scenario on each engine; each result is its returned dict or the error it raised."""
    arrays = make_arrays(rng)
    results, seconds = [], []
    for lib in (minitorch, torch):
        start = time.perf_counter()
        try:
            results.append(scenario(lib, arrays))
        except RuntimeError as err:
            results.append(err)
        seconds.append(time.perf_counter() - start)
    return results[0], results[1], seconds[0], seconds[1]


def error_case(name: str, scenario: Scenario) -> Case:
    """Both engines must raise the in-place error, with the same versions in the message."""

    def run(rng: np.random.Generator) -> Outcome:
        mt_result, torch_result, mt_seconds, torch_seconds = run_both(scenario, rng)
        torch_match = INPLACE_ERROR.search(str(torch_result)) if isinstance(torch_result, Exception) else None
        if torch_match is None:
            raise AssertionError(f"torch no longer raises the in-place error here: {torch_result!r}")
        mt_match = INPLACE_ERROR.search(str(mt_result)) if isinstance(mt_result, Exception) else None
        if mt_match is None:
            raise AssertionError(f"torch raises the in-place error, minitorch does not: {mt_result!r}")
        versions = [np.array([int(v) for v in m.groups()]) for m in (mt_match, torch_match)]
        checks = [Check("raises 'modified by an inplace operation'", "state", np.array(True), np.array(True),
                        0, 0),
                  Check("versions in the message (now, expected)", "state", *versions, 0, 0)]
        return Outcome(checks, mt_seconds, torch_seconds)

    return register(Case(f"inplace_error_{name}", "inplace", run))


def legal_case(name: str, scenario: Scenario) -> Case:
    """Both engines run to the end; every returned tensor agrees at 1e-12."""

    def run(rng: np.random.Generator) -> Outcome:
        mt_result, torch_result, mt_seconds, torch_seconds = run_both(scenario, rng)
        for engine, result in (("torch", torch_result), ("minitorch", mt_result)):
            if isinstance(result, Exception):
                raise AssertionError(f"{engine} raised on a legal in-place change: {result}")
        checks = []
        for label, torch_value in torch_result.items():
            mt_value = mt_result[label]
            if torch_value is None or mt_value is None:
                raise AssertionError(f"{label}: minitorch gives {mt_value!r}, torch {torch_value!r}")
            kind = "grad" if label.startswith("grad") else "state"
            checks.append(Check(label, kind, np.asarray(mt_value.data), torch_value.detach().numpy(), **TOL))
        return Outcome(checks, mt_seconds, torch_seconds)

    return register(Case(f"inplace_legal_{name}", "inplace", run))


# -- error cases: a node saved the memory that was changed -------------------------------------------

def fill_weight_saved_by_mul(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """The issue's first reproduction: w * x saved w (for x's gradient), then w.fill_(5)."""
    w, x = leaf(lib, arrays["w"]), leaf(lib, arrays["x"])
    loss = (w * x).sum()
    with lib.no_grad():
        w.fill_(5)
    loss.backward()
    return {"grad x": x.grad}


def optimizer_step_before_backward(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """The issue's second reproduction: a training loop that steps between forward and backward.
    The first step finds no gradients and changes nothing; the second changes saved weights."""
    model = mlp(lib, arrays)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = lib.tensor(arrays["input"])
    for _ in range(2):
        loss = model(x).pow(2).mean()
        optimizer.step()  # the mistake: before backward, so it changes weights the graph saved
        loss.backward()
    return {"grad w1": model[0].weight.grad}


def adam_step_before_backward(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    model = mlp(lib, arrays)
    optimizer = lib.optim.Adam(model.parameters(), lr=0.01)
    x = lib.tensor(arrays["input"])
    model(x).sum().backward()
    loss = model(x).sum()
    optimizer.step()
    loss.backward()
    return {"grad w1": model[0].weight.grad}


def conv_weight_stepped_before_backward(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """The same mistake on a convolution with a bias (conv2d saves its input and weight)."""
    w, bias = leaf(lib, arrays["kernel"]), leaf(lib, arrays["kernel_bias"])
    optimizer = lib.optim.SGD([w, bias], lr=0.1)
    image = lib.tensor(arrays["image"])
    lib.nn.functional.conv2d(image, w, bias).sum().backward()
    loss = lib.nn.functional.conv2d(image, w, bias).pow(2).sum()
    optimizer.step()
    loss.backward()
    return {"grad w": w.grad}


def copy_into_input_saved_by_matmul(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """x @ w saved x (for w's gradient); x needs no gradient itself, so copy_ is allowed."""
    x, w = leaf(lib, arrays["a"], grad=False), leaf(lib, arrays["b"])
    loss = (x @ w).sum()
    x.copy_(lib.tensor(arrays["c"]))
    loss.backward()
    return {"grad w": w.grad}


def setitem_on_constant_saved_by_mul(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    a, c = leaf(lib, arrays["a"]), leaf(lib, arrays["c"], grad=False)
    loss = (a * c).sum()
    c[0, 1] = 7.0
    loss.backward()
    return {"grad a": a.grad}


def setitem_through_a_view(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """A view shares its base's version counter: writing through it is writing the base."""
    a, c = leaf(lib, arrays["a"]), leaf(lib, arrays["c"], grad=False)
    loss = (a * c).sum()
    view = c.reshape(3, 2)[1:]
    view[0] = 1.5
    loss.backward()
    return {"grad a": a.grad}


def fill_through_detach(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """detach() shares memory and the version counter with the original."""
    w, x = leaf(lib, arrays["w"]), leaf(lib, arrays["x"])
    loss = (w * x).sum()
    w.detach().fill_(0.5)
    loss.backward()
    return {"grad x": x.grad}


def zero_output_saved_by_exp(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """exp saves its output (d exp(x)/dx = exp(x)): zeroing the output breaks its backward."""
    x = leaf(lib, arrays["a"])
    y = x.exp()
    loss = y.sum()
    with lib.no_grad():
        y.zero_()
    loss.backward()
    return {"grad x": x.grad}


def init_between_forward_and_backward(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    model = mlp(lib, arrays)
    loss = model(lib.tensor(arrays["input"])).sum()
    lib.nn.init.uniform_(model[2].weight, -0.1, 0.1)
    loss.backward()
    return {"grad w1": model[0].weight.grad}


def load_state_dict_between_forward_and_backward(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    model = mlp(lib, arrays)
    state = {k: v.detach().clone() if lib is torch else v.detach().data.copy()
             for k, v in model.state_dict().items()}
    loss = model(lib.tensor(arrays["input"])).sum()
    model.load_state_dict(state)
    loss.backward()
    return {"grad w1": model[0].weight.grad}


def second_backward_after_change(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """A retained graph stays guarded: the first backward runs, the second (after fill_) raises."""
    a, c = leaf(lib, arrays["a"]), leaf(lib, arrays["c"], grad=False)
    loss = (a * c).tanh().sum()
    loss.backward(retain_graph=True)
    c.fill_(2.0)
    loss.backward()
    return {"grad a": a.grad}


def fill_relu_output(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """relu saves its output (dx = g where y > 0)."""
    x = leaf(lib, arrays["a"])
    y = (x * 2).relu()
    loss = y.sum()
    with lib.no_grad():
        y.fill_(1.0)
    loss.backward()
    return {"grad x": x.grad}


def fill_input_of(op: Callable[[Any, Any], Any]) -> Scenario:
    """A scenario: `op(lib, hidden)` saves its input `hidden`, which is then filled in place."""
    def scenario(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
        x = leaf(lib, arrays["image"])
        hidden = x * 2
        loss = op(lib, hidden).sum()
        with lib.no_grad():
            hidden.fill_(-1.0)
        loss.backward()
        return {"grad x": x.grad}

    return scenario


def copy_into_conv_input(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """conv2d saves its input (for the weight's gradient)."""
    image, w = lib.tensor(arrays["image"]), leaf(lib, arrays["kernel"])
    loss = lib.nn.functional.conv2d(image, w).sum()
    image.copy_(lib.tensor(arrays["image"] * 2))
    loss.backward()
    return {"grad w": w.grad}


def fill_denominator(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """a / d reads d for a's gradient (g / d) even when d needs none."""
    a, d = leaf(lib, arrays["a"]), lib.tensor(arrays["c"] ** 2 + 1)
    loss = (a / d).sum()
    d.fill_(2.0)
    loss.backward()
    return {"grad a": a.grad}


for scenario in (fill_weight_saved_by_mul, optimizer_step_before_backward, adam_step_before_backward,
                 conv_weight_stepped_before_backward, copy_into_input_saved_by_matmul,
                 setitem_on_constant_saved_by_mul, setitem_through_a_view, fill_through_detach,
                 zero_output_saved_by_exp, init_between_forward_and_backward,
                 load_state_dict_between_forward_and_backward, second_backward_after_change,
                 fill_relu_output, copy_into_conv_input, fill_denominator):
    error_case(scenario.__name__, scenario)
error_case("fill_max_pool_input", fill_input_of(lambda lib, h: lib.nn.functional.max_pool2d(h, 2)))
error_case("fill_leaky_relu_input", fill_input_of(lambda lib, h: lib.nn.functional.leaky_relu(h, 0.1)))


# -- legal cases: nothing saved the changed memory, or the backward already ran -------------------

def change_input_add_did_not_save(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """a + c saves nothing (its gradient is g for both), so changing c afterwards is harmless."""
    a, c = leaf(lib, arrays["a"]), leaf(lib, arrays["c"], grad=False)
    y = a + c
    loss = (y * y).sum()  # saves y, not c
    c.fill_(7.0)
    c[1] = -1.0
    loss.backward()
    return {"grad a": a.grad, "c": c, "y": y}


def change_after_backward(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    w, x = leaf(lib, arrays["w"]), leaf(lib, arrays["x"])
    (w * x).sum().backward()
    with lib.no_grad():
        w.fill_(5)
        x[0] = 2.0
    return {"grad w": w.grad, "grad x": x.grad, "w": w, "x": x}


def change_before_forward(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """Changes made before the graph is built are simply the values it is built from."""
    a, c = leaf(lib, arrays["a"]), leaf(lib, arrays["c"], grad=False)
    c[:, 0] = 3.0
    c.copy_(c * 2)
    with lib.no_grad():
        a.zero_()
        a[0] = lib.tensor(arrays["c"][1])
    loss = (a * c).sin().sum()
    loss.backward()
    return {"loss": loss, "grad a": a.grad}


def training_loop_in_order(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """zero_grad, forward, backward, step, three times: every step changes the weights in place,
    always after the backward that needed them."""
    model = mlp(lib, arrays)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = lib.tensor(arrays["input"])
    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        loss = model(x).pow(2).mean()
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        losses.append(loss.detach())
    return {f"loss {i}": loss for i, loss in enumerate(losses)} | {
        name: param for name, param in model.named_parameters()}


def change_a_tensor_used_only_by_add(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """A bias added to a matmul: add saves nothing, so changing the bias after the forward is
    legal, and the gradients are those of the graph as it was built."""
    x, w, bias = leaf(lib, arrays["a"], grad=False), leaf(lib, arrays["b"]), leaf(lib, arrays["b"][0])
    loss = (x @ w + bias).sum()
    with lib.no_grad():
        bias.fill_(1.0)
    loss.backward()
    return {"grad w": w.grad, "grad bias": bias.grad}


def step_one_layer_model_before_backward(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """A single linear layer on data: x @ W^T saved x for W's gradient, not W (x needs no
    gradient, and dW = g^T x does not read W), so stepping before backward is harmless here."""
    layer = mlp(lib, arrays)[0]
    optimizer = lib.optim.SGD(layer.parameters(), lr=0.1)
    x = lib.tensor(arrays["input"])
    layer(x).sum().backward()
    loss = layer(x).pow(2).sum()
    optimizer.step()
    loss.backward()
    return {"grad weight": layer.weight.grad, "grad bias": layer.bias.grad, "weight": layer.weight}


def change_numerator_and_factor_nobody_reads(lib: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """w * c and w / d with only w needing a gradient: w's value is read by no gradient."""
    w, c, d = leaf(lib, arrays["a"]), lib.tensor(arrays["c"]), lib.tensor(arrays["c"] ** 2 + 1)
    loss = (w * c).sum() + (w / d).sum()
    with lib.no_grad():
        w.fill_(3.0)
    loss.backward()
    return {"grad w": w.grad}


for scenario in (change_input_add_did_not_save, change_after_backward, change_before_forward,
                 training_loop_in_order, change_a_tensor_used_only_by_add,
                 step_one_layer_model_before_backward, change_numerator_and_factor_nobody_reads):
    legal_case(scenario.__name__, scenario)
