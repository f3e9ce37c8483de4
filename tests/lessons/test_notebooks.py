"""The lesson notebooks (docs/lessons/NN_name.ipynb): each one runs top to bottom without an
error, and each committed notebook carries its outputs (figures included), none of them an error.

A notebook that reads a real dataset names it in its metadata, `{"lesson": {"needs_data":
["mnist"]}}`; it is skipped, saying why, when `$MINITORCH_DATA/<name>` is absent (the tests never
download data). Notebooks run with docs/lessons as their working directory, like `jupyter lab
docs/lessons`, in a kernel on this Python (jupyter_client maps the kernelspec's "python" to
sys.executable), with one BLAS thread; two notebooks run at a time.

Re-execute them in place, storing outputs: see docs/lessons/README.md.
"""

from __future__ import annotations

import itertools
import os
import re
import textwrap
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

LESSONS_DIR = Path(__file__).resolve().parents[2] / "docs" / "lessons"
CHAPTERS = ("01_basics", "02_tensor", "03_autograd", "04_nn_module", "05_data_and_saving", "06_cnn",
            "07_resnet_vit", "08_rnn", "09_training_techniques", "10_debugging", "11_mnist",
            "12_cifar10", "13_sentiment", "14_self_check")
NOTEBOOKS = sorted(LESSONS_DIR.glob("*.ipynb"))
IMAGE_TYPES = ("image/png", "image/svg+xml", "image/jpeg")
CELL_TIMEOUT_S = 120


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def test_notebook_names_follow_the_curriculum_map() -> None:
    unknown = [p.name for p in NOTEBOOKS if p.stem not in CHAPTERS]
    assert not unknown, f"notebooks not in the curriculum map {CHAPTERS}: {unknown}"


def _missing_data(nb: nbformat.NotebookNode) -> list[Path]:
    from minitorch.data.datasets import data_root

    needs = nb.metadata.get("lesson", {}).get("needs_data", [])
    return [data_root() / name for name in needs if not (data_root() / name).is_dir()]


def _run(path: Path) -> str | None:
    """Execute the notebook at `path` in a fresh kernel; the error text, or None when it ran."""
    nb = nbformat.read(path, as_version=4)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(LESSONS_DIR)}})
    try:
        client.execute(env=env)
    except CellExecutionError as err:
        return str(err)
    return None


@pytest.fixture(scope="session")
def notebook_runs(request: pytest.FixtureRequest) -> dict[Path, Future]:
    """Every selected notebook that has its data, started at once on one worker per CPU core (at
    most two kernels run together; each kernel uses one thread), so the notebooks share the
    machine instead of waiting in line. Each test then waits for its own notebook."""
    selected = [item.callspec.params["path"] for item in request.session.items
                if item.originalname == "test_notebook_runs_top_to_bottom"]
    runnable = [p for p in selected if not _missing_data(nbformat.read(p, as_version=4))]
    pool = ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1)))
    request.addfinalizer(pool.shutdown)
    return {path: pool.submit(_run, path) for path in runnable}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_top_to_bottom(path: Path, notebook_runs: dict[Path, Future]) -> None:
    missing = _missing_data(nbformat.read(path, as_version=4))
    if missing:
        pytest.skip(f"{path.name} needs real data that is absent: {', '.join(map(str, missing))} "
                    "(set MINITORCH_DATA, see README)")
    error = notebook_runs[path].result()
    if error is not None:
        pytest.fail(f"{path.name} failed while running:\n{error}", pytrace=False)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_stores_its_outputs(path: Path) -> None:
    """What a reader sees on a code-hosting site: every code cell run, in order, no error output,
    and at least one figure."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert code, f"{path.name} has no code cell"
    not_run = [i for i, c in enumerate(code) if c.execution_count is None]
    assert not not_run, f"{path.name}: code cells {not_run} have no stored run (re-execute it in place)"
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), \
        f"{path.name}: not one fresh run from top to bottom (execution counts {counts})"
    errors = [(i, o.get("ename"), o.get("evalue")) for i, c in enumerate(code) for o in c.outputs
              if o.output_type == "error"]
    assert not errors, f"{path.name} stores error outputs: {errors}"
    images = [o for c in code for o in c.outputs if any(t in o.get("data", {}) for t in IMAGE_TYPES)]
    assert images, f"{path.name} stores no figure (image output)"


EXCERPT_HEADER = re.compile(r"^# ((?:minitorch|projects|kernels|comparisons)/[\w/]+\.py):(\d+)-(\d+)$")
EXCERPT_END = re.compile(rf"{EXCERPT_HEADER.pattern}|^# \.\.\. \d+ more lines in the file$")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_stored_source_excerpts_match_the_code(path: Path) -> None:
    """A stored excerpt (``lesson_utils.show_source`` / ``show_between``: ``# file:first-last``
    and the lines) is today's code at those lines: re-execute the lesson when the code moves
    (main's lesson 13 showed the sentiment loop 31 lines above where it had moved)."""
    stale = []
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []):
            lines = "".join(output.get("text", "")).splitlines()
            for i, line in enumerate(lines):
                if not (match := EXCERPT_HEADER.match(line)):
                    continue
                file, first, last = match[1], int(match[2]), int(match[3])
                source = (LESSONS_DIR.parents[1] / file).read_text(encoding="utf-8").splitlines()
                expected = textwrap.dedent("\n".join(source[first - 1 : last])).splitlines()
                expected[0] = expected[0].removeprefix('"""')  # a module docstring shown as text
                shown = lines[i + 1 : i + 1 + len(expected)]
                shown = list(itertools.takewhile(lambda s: not EXCERPT_END.match(s), shown))
                if shown != expected[: len(shown)] or not shown:
                    stale.append(line)
    assert not stale, f"{path.name}: excerpts differ from the code (re-execute the lesson): {stale}"
