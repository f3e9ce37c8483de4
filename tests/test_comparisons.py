"""Every registered parity case is a test; every op case's minitorch side also passes the
finite-difference gradient check (independent of torch)."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch
from comparisons.registry import all_cases
from comparisons.runner import run_case

CASES = all_cases()
GRADCHECK_CASES = [c for c in CASES if c.gradcheck]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_parity_with_torch(case):
    result = run_case(case)
    assert result.passed, f"{case.name} failed:\n" + "\n".join(result.failures)


@pytest.mark.parametrize("case", GRADCHECK_CASES, ids=[c.name for c in GRADCHECK_CASES])
def test_finite_difference_gradient(case):
    arrays = case.make_inputs(np.random.default_rng(case.seed))
    inputs = [minitorch.tensor(a, requires_grad=g) for a, g in zip(arrays, case.grad_mask, strict=True)]
    assert any(t.requires_grad for t in inputs), "a gradcheck case needs a differentiable input"
    assert minitorch.gradcheck(case.minitorch_fn, inputs)


def test_registry_has_the_foundation_op_cases():
    ops = [c for c in CASES if c.group == "op"]
    assert len(ops) >= 60
    assert len(GRADCHECK_CASES) >= 50
