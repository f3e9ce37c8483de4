"""Kernel tests run on a GPU when there is one, else in Triton's CPU interpreter.

TRITON_INTERPRET must be set before ``@triton.jit`` decorates the kernels (at the import of
``kernels``), so it is set here, at the top of this conftest, which pytest loads before it
imports any test module in this folder. torch is imported first only to ask for a GPU; it
does not import triton.
"""

from __future__ import annotations

import os

import torch

HAS_GPU = torch.cuda.is_available()
if not HAS_GPU:
    os.environ["TRITON_INTERPRET"] = "1"

import pytest  # noqa: E402


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the tests marked ``gpu`` (in this folder) when no CUDA GPU is present."""
    if HAS_GPU:
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU (none found; the interpreter cannot run it)")
    here = os.path.dirname(__file__)
    for item in items:
        if "gpu" in item.keywords and str(item.path).startswith(here):
            item.add_marker(skip)


@pytest.fixture
def device() -> str:
    """Where kernel inputs live: "cuda" on a GPU, "cpu" under the interpreter."""
    return "cuda" if HAS_GPU else "cpu"


# Output tolerances per dtype: the kernels accumulate in fp32 and round once, so the error is
# about one rounding of the output (fp16: 2**-11 relative, bf16: 2**-8) plus fp32 reordering.
TOLERANCES = {
    torch.float32: dict(rtol=1e-5, atol=1e-5),
    torch.float16: dict(rtol=2e-3, atol=2e-3),
    torch.bfloat16: dict(rtol=1.6e-2, atol=1.6e-2),
}


@pytest.fixture
def assert_matches():
    """``assert_matches(actual, expected)``: compare a kernel's output with an fp32 reference.

    The reference is rounded to the output's dtype first; tolerances scale with the largest
    reference value, because the absolute rounding error of a sum grows with its terms.
    """

    def check(actual: torch.Tensor, expected: torch.Tensor) -> None:
        tol = TOLERANCES[actual.dtype]
        expected = expected.to(actual.dtype).float().cpu()
        scale = max(1.0, expected.abs().max().item()) if expected.numel() else 1.0
        torch.testing.assert_close(actual.float().cpu(), expected, rtol=tol["rtol"],
                                   atol=tol["atol"] * scale)

    return check
