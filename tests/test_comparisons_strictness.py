"""The parity harness is strict: float64 at 1e-12 relative, AMP gradients within 1%, missing
gradients named, every MNIST prediction equal. Each test breaks something on purpose and
checks that the harness notices."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch
import minitorch.ops.loss
from comparisons.builders import grad_check
from comparisons.mnist_twin import compare_predictions
from comparisons.registry import FLOAT64_RTOL, Case, Check, Outcome, all_cases
from comparisons.runner import evaluate, run_case
from minitorch.ops.arithmetic import MatMul
from minitorch.ops.conv import Conv2d

CASES = {c.name: c for c in all_cases()}


def off_by(factor: float, backward):
    """A backward whose every gradient is `factor` times the true one."""
    def wrong(self, *grads):
        result = backward(self, *grads)
        if isinstance(result, tuple):
            return tuple(None if g is None else g * factor for g in result)
        return result * factor

    return wrong


# -- float64 tolerances ------------------------------------------------------------------------------

def test_float64_checks_fail_beyond_1e_12_relative_at_every_scale():
    for scale in (1e-6, 1.0, 1e6):
        expected = np.array([1.0, -0.5, 1e-9]) * scale  # the last element sits near zero
        just_inside = expected + 0.9e-12 * scale
        just_outside = expected + np.array([0.0, 0.0, 2.1e-12 * scale])
        assert evaluate(Check("x", "forward", just_inside, expected, None, FLOAT64_RTOL))[2] is None
        assert evaluate(Check("x", "forward", just_outside, expected, None, FLOAT64_RTOL))[2] is not None


def test_a_looser_float64_check_needs_a_reason_written_in_its_case():
    expected = np.linspace(-1, 1, 5)
    loose = Outcome([Check("output 0", "forward", expected + 1e-9, expected, 1e-8, 1e-7)])
    failures = run_case(Case("loose", "op", lambda rng: loose)).failures
    assert failures and "looser than 1e-12" in failures[0]
    assert run_case(Case("loose", "op", lambda rng: loose, looser_because="a stated reason")).passed
    float32 = np.float32(expected)
    assert evaluate(Check("output 0", "forward", float32, float32, 1e-5, 1e-5))[2] is None  # not float64


def test_every_float64_case_is_exact_unless_it_says_why():
    looser = sorted((c.name, c.looser_because) for c in CASES.values() if c.looser_because)
    # torch's own BCE double backward adds eps to p and 1 - p (see the case's reason)
    allowed = {c.name for c in CASES.values() if c.group == "init"} | {"d2_binary_cross_entropy"}
    assert {name for name, _ in looser} <= allowed, looser


def test_a_backward_off_by_one_part_in_a_billion_fails_a_float64_case(monkeypatch):
    assert run_case(CASES["matmul_2d"]).passed
    monkeypatch.setattr(MatMul, "backward", off_by(1 + 1e-9, MatMul.backward))
    assert not run_case(CASES["matmul_2d"]).passed


def test_bce_clamps_with_torchs_float_epsilon(monkeypatch):
    """torch divides by max(p (1 - p), float(1e-12)) = 9.99999996e-13 even in float64."""
    assert run_case(CASES["BCELoss_saturated"]).passed
    monkeypatch.setattr(minitorch.ops.loss, "BCE_EPSILON", np.float64(1e-12))
    failures = run_case(CASES["BCELoss_saturated"]).failures
    assert failures and "grad of input 0" in failures[0]


# -- AMP ---------------------------------------------------------------------------------------------

AMP_BACKWARDS = {
    "amp_autocast_matmul": MatMul,
    "amp_autocast_matmul_batched": MatMul,
    "amp_autocast_then_float32_op": MatMul,
    "amp_autocast_disabled_inside": MatMul,
    "amp_autocast_linear": MatMul,
    "amp_autocast_conv2d": Conv2d,
    "amp_autocast_grad_scaler_training": MatMul,
}


@pytest.mark.parametrize("name", sorted(AMP_BACKWARDS))
def test_an_amp_backward_off_by_1_percent_fails(name, monkeypatch):
    assert run_case(CASES[name]).passed
    op = AMP_BACKWARDS[name]
    monkeypatch.setattr(op, "backward", off_by(1.01, op.backward))
    result = run_case(CASES[name])
    assert not result.passed
    assert any("grad" in f for f in result.failures), result.failures


def test_every_amp_case_with_gradients_is_mutated():
    with_grads = [c.name for c in CASES.values() if c.group == "amp" and not c.name.startswith("amp_grad_scaler")]
    assert sorted(with_grads) == sorted(AMP_BACKWARDS)


# -- missing gradients -------------------------------------------------------------------------------

def leaf(grad: np.ndarray | None, engine) -> object:
    """A leaf of `engine` (minitorch or torch) whose .grad is `grad` (None: no gradient)."""
    t = engine.tensor(np.array([1.0, 2.0]), requires_grad=True)
    if grad is not None:
        t.grad = engine.tensor(grad)
    return t


def test_a_gradient_missing_on_one_side_fails_and_names_the_side():
    grad = np.array([0.0, 0.0])
    for mt_grad, torch_grad, side in ((None, grad, "minitorch"), (grad, None, "torch")):
        check = grad_check("input 1", leaf(mt_grad, minitorch), leaf(torch_grad, torch), None, FLOAT64_RTOL)
        failure = evaluate(check)[2]
        assert failure is not None and f"grad of input 1 is missing in {side}" in failure


def test_a_gradient_missing_on_both_sides_is_compared_as_absent_not_as_zeros():
    """torch leaves .grad None for an input the output does not depend on; so must minitorch."""
    check = grad_check("input 1", leaf(None, minitorch), leaf(None, torch), None, FLOAT64_RTOL)
    assert evaluate(check)[2] is None and check.label == "grad of input 1 is None on both sides"
    assert check.actual.dtype == np.bool_  # a presence check, not arrays of zeros
    a = minitorch.tensor([1.0, 2.0], requires_grad=True)
    b = minitorch.tensor([3.0, 4.0], requires_grad=True)
    (a * 2).sum().backward()
    ta, tb = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([3.0, 4.0], requires_grad=True)
    (ta * 2).sum().backward()
    assert b.grad is None and tb.grad is None


# -- mnist_twin --------------------------------------------------------------------------------------

def test_mnist_twin_fails_when_a_prediction_differs_even_at_equal_accuracy(capsys):
    labels = np.array([0, 1, 2, 3])
    torch_predicted = np.array([0, 1, 3, 2])  # two mistakes
    assert compare_predictions(torch_predicted.copy(), torch_predicted, labels) == 0
    swapped = np.array([1, 0, 2, 3])  # two other mistakes: the same 50% accuracy
    assert np.mean(swapped == labels) == np.mean(torch_predicted == labels)
    assert compare_predictions(swapped, torch_predicted, labels) == 1
    assert "predictions that differ: 4 of 4" in capsys.readouterr().out
