"""Kernel tests run on a GPU when there is one, else in Triton's CPU interpreter.

TRITON_INTERPRET must be set before ``@triton.jit`` decorates anything; the root
``tests/conftest.py`` sets it (pytest loads that one first, before any test folder can import
triton indirectly).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import torch

HAS_GPU = torch.cuda.is_available()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the tests marked ``gpu`` (in this folder) when no CUDA GPU is present, and start
    the ahead-of-time compiles in the background when their tests were selected."""
    here = os.path.dirname(__file__)
    if not HAS_GPU:
        skip = pytest.mark.skip(reason="needs a CUDA GPU (none found; the interpreter cannot run it)")
        for item in items:
            if "gpu" in item.keywords and str(item.path).startswith(here):
                item.add_marker(skip)
    if any(item.path.name == "test_kernels_aot.py" for item in items):
        _start_aot_jobs()
        items.sort(key=lambda item: item.path.name == "test_kernels_aot.py")  # run them last


# ---- Ahead-of-time compiles, in the background ----------------------------------------------
# Compiling every shipped config takes a minute or more of CPU on a cold Triton cache. The
# compiles run in subprocesses (they must not see TRITON_INTERPRET) started as soon as the AOT
# tests are collected, and those tests are moved to the end of the run, so the compiles overlap
# with the interpreter tests; the AOT tests' fixtures wait for them. Each job's stdout goes to
# <name>.out in a temporary folder.

AOT_JOBS: dict[str, tuple[subprocess.Popen, Path]] = {}
OVERSIZED_SCRIPT = """
import json
from dataclasses import asdict
from kernels.aot import KERNELS, compile_config
from kernels.matmul import tile_configs
too_much_shared, too_many_registers = tile_configs((64, 64, 256, 4, 8), (128, 128, 32, 2, 2))
matmul = KERNELS[0]
rows = [compile_config(matmul, "sm_80", "16bit", c, matmul.layouts[0])
        for c in (too_much_shared, too_many_registers)]
print(json.dumps([dict(asdict(r), ok=r.ok) for r in rows]))
"""


def _start_aot_jobs() -> None:
    folder = Path(tempfile.mkdtemp(prefix="kernels-aot-"))
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    jobs = {"report": ["-m", "kernels.aot", "--json", str(folder / "report.json")],
            "oversized": ["-c", OVERSIZED_SCRIPT]}
    for name, args in jobs.items():
        out = folder / f"{name}.out"
        with out.open("w") as f:
            proc = subprocess.Popen([sys.executable, *args], env=env, stdout=f,
                                    stderr=subprocess.STDOUT)
        AOT_JOBS[name] = (proc, out)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Do not leave compile jobs running after an interrupted session."""
    for proc, _ in AOT_JOBS.values():
        if proc.poll() is None:
            proc.kill()


def aot_job(name: str) -> tuple[int, str]:
    """Wait for a background AOT job; its exit code and output."""
    if name not in AOT_JOBS:  # e.g. the test was selected by a plugin after collection
        _start_aot_jobs()
    proc, out = AOT_JOBS[name]
    return proc.wait(timeout=1200), out.read_text()


@pytest.fixture(scope="session")
def aot_report() -> tuple[int, str, list[dict]]:
    """``python -m kernels.aot``: exit code, printed table, and rows (from its --json file)."""
    code, text = aot_job("report")
    report = AOT_JOBS["report"][1].with_name("report.json")
    assert report.exists(), text[-4000:]
    return code, text, json.loads(report.read_text())


@pytest.fixture(scope="session")
def aot_oversized() -> list[dict]:
    """Two deliberately oversized matmul configs compiled for sm_80 (see test_kernels_aot)."""
    code, text = aot_job("oversized")
    assert code == 0, text[-4000:]
    return json.loads(text.splitlines()[-1])


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
