"""Optimizers, schedulers and clipping: error messages, dtype preservation, zero_grad, closures,
checkpoint validation (values are compared with torch in comparisons/cases/optim.py and friends)."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch
import minitorch.optim as optim
from minitorch.nn import Parameter
from minitorch.nn.utils import clip_grad_norm_, clip_grad_value_
from minitorch.optim import lr_scheduler

ALL = [
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda p: optim.SGD(p, lr=0.1, momentum=0.5, dampening=0.5),
    lambda p: optim.Adam(p, lr=0.1, amsgrad=True, weight_decay=0.1),
    lambda p: optim.AdamW(p, lr=0.1),
    lambda p: optim.RMSprop(p, lr=0.1, momentum=0.9, centered=True, weight_decay=0.1),
    lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.1, weight_decay=0.1),
]


def _params(dtype=np.float32):
    rng = np.random.default_rng(0)
    return [Parameter(rng.standard_normal((3, 4)).astype(dtype)), Parameter(rng.standard_normal(4).astype(dtype))]


def _set_grads(params, seed=1):
    rng = np.random.default_rng(seed)
    for p in params:
        p.grad = minitorch.Tensor(rng.standard_normal(p.shape).astype(p.dtype))


@pytest.mark.parametrize("make", ALL, ids=["sgd_nesterov", "sgd_dampening", "adam", "adamw", "rmsprop", "adagrad"])
def test_float32_stays_float32_in_place(make):
    params = _params()
    arrays = [p.data for p in params]
    optimizer = make(params)
    for step in range(3):
        _set_grads(params, step)
        optimizer.step()
    for p, array in zip(params, arrays, strict=True):
        assert p.data is array and p.dtype == np.float32  # updated in place, never promoted
        assert np.all(np.isfinite(p.data))
    for state in optimizer.state.values():
        for key, value in state.items():
            if isinstance(value, minitorch.Tensor):
                assert value.dtype == np.float32, key


def test_step_is_not_recorded_in_any_graph_and_skips_parameters_without_gradient():
    params = _params()
    frozen = params[1].data.copy()
    params[0].grad = minitorch.ones(3, 4)
    optim.SGD(params, lr=0.5).step()
    assert params[0].grad_fn is None
    np.testing.assert_array_equal(params[1].data, frozen)


def test_zero_grad_to_none_or_zeros():
    params = _params()
    _set_grads(params)
    optimizer = optim.SGD(params, lr=0.1)
    optimizer.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.data.any() for p in params)
    optimizer.zero_grad()
    assert all(p.grad is None for p in params)


def test_closure_is_evaluated_with_grad_enabled_and_its_loss_returned():
    w = Parameter(np.array([3.0], dtype=np.float32))
    optimizer = optim.SGD([w], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with minitorch.no_grad():
        loss = optimizer.step(closure)
    assert loss.item() == 9.0 and w.data[0] == pytest.approx(1.5)


def test_leaf_gradients_are_c_contiguous_like_their_parameters():
    """The layout contract (as torch's): a gradient that arrives transposed (W used as W.T) is
    stored in the parameter's C order, so optimizer updates stream through memory."""
    w = Parameter(np.ones((4, 3), dtype=np.float32))
    (minitorch.ones(2, 3) @ w.T).sum().backward()
    assert w.grad.data.flags["C_CONTIGUOUS"]


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD(p, lr=-1.0), "Invalid learning rate: -1.0"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda p: optim.Adam(p, eps=-1e-8), "Invalid epsilon value: -1e-08"),
    (lambda p: optim.RMSprop(p, alpha=-0.1), "Invalid alpha value: -0.1"),
    (lambda p: optim.Adagrad(p, lr_decay=-1.0), "Invalid lr_decay value: -1.0"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1.0), "Invalid initial_accumulator_value value"),
])
def test_invalid_options_are_rejected_as_torch_does(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make(_params())


def test_parameter_list_errors():
    p = _params()
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts, but got Parameter"):
        optim.SGD(p[0], lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optim.SGD([{"params": p}, {"params": p[:1]}], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([p[0] * 2], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is ndarray"):
        optim.SGD([np.zeros(2)], lr=0.1)
    with pytest.raises(TypeError, match="organized in ordered collections"):
        optim.SGD([{"params": set(p)}], lr=0.1)


def test_param_groups_fill_defaults_and_add_param_group():
    p = _params()
    optimizer = optim.SGD([{"params": p[:1], "lr": 0.5}], lr=0.1, momentum=0.9)
    optimizer.add_param_group({"params": p[1], "momentum": 0.0})
    assert [g["lr"] for g in optimizer.param_groups] == [0.5, 0.1]
    assert [g["momentum"] for g in optimizer.param_groups] == [0.9, 0.0]
    with pytest.raises(ValueError, match="more than one parameter group"):
        optimizer.add_param_group({"params": [p[0]]})
    added = optim.Adagrad([p[0]], lr=0.1)
    added.add_param_group({"params": [p[1]], "initial_accumulator_value": 0.5})
    _set_grads(p)
    added.step()  # a parameter added later gets its state lazily
    assert added.state[p[1]]["step"] == 1


def test_state_dict_has_torch_structure_and_bad_loads_change_nothing():
    p = _params()
    optimizer = optim.Adam([{"params": p[:1]}, {"params": p[1:], "lr": 0.01}], lr=0.1)
    _set_grads(p)
    optimizer.step()
    state = optimizer.state_dict()
    assert set(state) == {"state", "param_groups"}
    assert [g["params"] for g in state["param_groups"]] == [[0], [1]]
    assert set(state["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    before = {k: v["exp_avg"].data.copy() for k, v in state["state"].items()}
    other = optim.Adam([p[0]], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optimizer.load_state_dict(other.state_dict())
    mismatched = optim.Adam([{"params": p}, {"params": [Parameter(np.zeros(2, dtype=np.float32))]}], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optimizer.load_state_dict(mismatched.state_dict())
    for index, value in optimizer.state_dict()["state"].items():
        np.testing.assert_array_equal(value["exp_avg"].data, before[index])
    assert optimizer.param_groups[1]["lr"] == 0.01


def test_loaded_state_is_a_copy_cast_to_the_parameter_dtype():
    p = _params(np.float64)
    source = optim.SGD(p, lr=0.1, momentum=0.9)
    _set_grads(p)
    source.step()
    target_params = _params(np.float32)
    target = optim.SGD(target_params, lr=0.1, momentum=0.9)
    target.load_state_dict(source.state_dict())
    buffer = target.state[target_params[0]]["momentum_buffer"]
    assert buffer.dtype == np.float32
    buffer.data[...] = 0
    assert source.state[p[0]]["momentum_buffer"].data.any()  # not aliased


def test_scheduler_errors():
    optimizer = optim.SGD(_params(), lr=0.1, momentum=0.9)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], step_size=1)
    with pytest.raises(ValueError, match="starting multiplicative factor expected to be greater than 0"):
        lr_scheduler.LinearLR(optimizer, start_factor=0.0)
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        lr_scheduler.StepLR(optim.SGD(_params(), lr=0.1), step_size=2, last_epoch=3)
    with pytest.raises(ValueError, match="number of schedulers provided to be one more than the number of milestone"):
        lr_scheduler.SequentialLR(optimizer, [lr_scheduler.ExponentialLR(optimizer, 0.9)], milestones=[2])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        lr_scheduler.SequentialLR(optimizer, [lr_scheduler.ReduceLROnPlateau(optimizer)], milestones=[])
    with pytest.raises(ValueError, match="factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(optimizer, factor=1.0)
    with pytest.raises(ValueError, match="mode 'up' is unknown"):
        lr_scheduler.ReduceLROnPlateau(optimizer, mode="up")
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        lr_scheduler.OneCycleLR(optimizer, max_lr=1.0)
    with pytest.raises(ValueError, match="max_lr must have the same length as optimizer.param_groups"):
        lr_scheduler.OneCycleLR(optimizer, max_lr=[1.0, 2.0], total_steps=5)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        lr_scheduler.OneCycleLR(optim.Adagrad(_params()), max_lr=1.0, total_steps=5)
    one_cycle = lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=2)
    for _ in range(2):
        optimizer.step()
        one_cycle.step()
    with pytest.raises(ValueError, match="tried to step 3 times. The specified number of total steps is 2"):
        one_cycle.step()


def test_scheduler_state_dict_excludes_the_optimizer_and_round_trips():
    optimizer = optim.SGD(_params(), lr=1.0)
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=4)
    for _ in range(3):
        optimizer.step()
        scheduler.step()
    state = scheduler.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3
    fresh = lr_scheduler.CosineAnnealingLR(optim.SGD(_params(), lr=1.0), T_max=4)
    fresh.load_state_dict(state)
    assert fresh.get_last_lr() == scheduler.get_last_lr()


def test_clipping_returns_the_total_norm_and_reports_non_finite():
    params = _params()
    for p in params:
        p.grad = minitorch.full(p.shape, 2.0)
    total = clip_grad_norm_(params, max_norm=1.0)
    assert isinstance(total, minitorch.Tensor) and total.dtype == np.float32
    assert total.item() == pytest.approx(2.0 * np.sqrt(16))
    assert np.sqrt(sum((p.grad.data.astype(np.float64) ** 2).sum() for p in params)) == pytest.approx(1.0, rel=1e-5)
    assert clip_grad_norm_([Parameter(np.zeros(2, dtype=np.float32))], 1.0).item() == 0.0  # no gradients
    params[0].grad.data[0, 0] = np.nan
    with pytest.raises(RuntimeError, match="total norm of order 2.0 for gradients from `parameters` is non-finite"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    params[1].grad = minitorch.Tensor(np.array([-3.0, 0.5, 3.0, 1.0], dtype=np.float32))
    clip_grad_value_(params[1], 1.0)
    np.testing.assert_array_equal(params[1].grad.data, [-1.0, 0.5, 1.0, 1.0])
