"""The double_backward parity group catches wrong second derivatives: each test breaks one op's
differentiable backward on purpose (a factor, or a saved value treated as a constant, the classic
double-backward bug) and checks that its case fails where it should, while first-order backward
(the NumPy path) is untouched."""

from __future__ import annotations

import pytest
from test_comparisons_strictness import off_by  # a (differentiable) backward times a factor

from comparisons.registry import all_cases
from comparisons.runner import run_case
from minitorch import Tensor
from minitorch.nn.rnn import RecurrentScan
from minitorch.ops.conv import Conv2d
from minitorch.ops.elementwise import Exp, Tanh, tanh
from minitorch.ops.normalization import Normalize
from minitorch.ops.reductions import Softmax

CASES = {c.name: c for c in all_cases()}


def failures_of(name: str) -> list[str]:
    result = run_case(CASES[name])
    assert result.checks > 0
    return result.failures


def test_every_double_backward_case_passes_unbroken():
    names = [n for n, c in CASES.items() if c.group == "double_backward"]
    assert len(names) >= 40
    for name in ("d2_tanh", "d2_conv2d", "d2_exp", "d2_softmax", "d2_BatchNorm2d_train", "d2_LSTM_hx"):
        assert not failures_of(name), name


def test_a_factor_of_one_plus_1e_9_in_a_differentiable_backward_fails(monkeypatch):
    monkeypatch.setattr(Exp, "differentiable_backward", off_by(1 + 1e-9, Exp.differentiable_backward))
    failures = failures_of("d2_exp")
    assert any("second-order grad of input 0" in f for f in failures), failures


def test_conv2d_double_backward_off_by_1_percent_fails(monkeypatch):
    monkeypatch.setattr(Conv2d, "differentiable_backward", off_by(1.01, Conv2d.differentiable_backward))
    failures = failures_of("d2_conv2d")
    assert any("second-order" in f for f in failures), failures


def test_a_saved_output_taken_as_a_constant_breaks_only_the_second_derivative(monkeypatch):
    """tanh's derivative 1 - y^2 with y cut from the graph: the first-order gradient is still
    right, the second derivative in x (-2 y (1 - y^2) g) is lost, and only that check fails."""
    def detached(self, grad):
        y = Tensor(tanh(self.inputs[0]).data)
        return grad * (1 - y * y)

    monkeypatch.setattr(Tanh, "differentiable_backward", detached)
    failures = failures_of("d2_tanh")
    assert failures and all("second-order grad of input 0" in f for f in failures), failures


@pytest.mark.parametrize(("op", "case"), [(Softmax, "d2_softmax"), (Normalize, "d2_BatchNorm2d_train"),
                                          (RecurrentScan, "d2_LSTM_hx")])
def test_fused_ops_double_backward_off_by_1e_6_fails(monkeypatch, op, case):
    monkeypatch.setattr(op, "differentiable_backward", off_by(1 + 1e-6, op.differentiable_backward))
    assert failures_of(case)
