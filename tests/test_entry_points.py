"""The README's commands work after its plain `pip install -e .` (issue 13, item 9).

Every `python -m MODULE` the README shows is imported in a fresh interpreter, and every
third-party distribution that import loads must come with the main dependencies of
pyproject.toml (a dependency of theirs counts; an optional extra such as `dev` does not,
since the plain install leaves it out). Imports done lazily inside functions are not seen.
Also: the pytest options pyproject sets are understood by installed plugins."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+
ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# Imported only when installed (the importer falls back without it), so a plain install works.
OPTIONAL_IMPORTS = {"defusedxml": "torchvision.datasets.voc: try defusedxml, except ImportError use xml.etree"}


def readme_modules() -> list[str]:
    """The modules of the README's `python -m ...` commands (packages import their __main__)."""
    names = set(re.findall(r"python -m ([A-Za-z_][\w.]*\w)", (ROOT / "README.md").read_text()))
    modules = []
    for name in sorted(names):
        path = ROOT / name.replace(".", "/")
        modules.append(f"{name}.__main__" if (path / "__main__.py").exists() else name)
    return modules


def requirement_name(requirement: str) -> str:
    return re.split(r"[\s;<>=!~\[(]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def installed_closure(requirements: list[str]) -> set[str]:
    """The distributions a plain install brings: the requirements and theirs, recursively
    (an extra's requirements are left out)."""
    seen: set[str] = set()
    todo = [requirement_name(r) for r in requirements]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [requirement_name(r) for r in requires if "extra ==" not in r]
    return seen


IMPORT_EACH = """
import importlib, json, sys
from importlib.metadata import packages_distributions
owners = packages_distributions()
loaded = {}
for module in sys.argv[1:]:
    before = set(sys.modules)
    importlib.import_module(module)
    tops = {name.split(".")[0] for name in set(sys.modules) - before}
    loaded[module] = sorted(owners[top] for top in tops if top in owners)
print(json.dumps(loaded))
"""


def test_every_readme_command_imports_only_main_dependencies():
    modules = readme_modules()
    assert {"benchmarks.__main__", "comparisons.__main__", "minitorch.examples.mnist"} <= set(modules)
    run = subprocess.run([sys.executable, "-c", IMPORT_EACH, *modules], cwd=ROOT, capture_output=True,
                         text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    allowed = installed_closure(PYPROJECT["project"]["dependencies"]) | {"minitorch-lab", *OPTIONAL_IMPORTS}
    missing = {  # a top-level name several distributions share (the `google` namespace) needs one of them
        module: [owners for owners in loaded if not {d.lower().replace("_", "-") for d in owners} & allowed]
        for module, loaded in json.loads(run.stdout.splitlines()[-1]).items()
    }
    assert not any(missing.values()), f"imported but not in pyproject's main dependencies: {missing}"


def test_the_closure_leaves_out_the_dev_extra():
    """The check above can fail: the dev-only tools are not brought by the plain install."""
    allowed = installed_closure(PYPROJECT["project"]["dependencies"])
    assert "pytest" not in allowed and "hypothesis" not in allowed
    assert "torch" in allowed and "numpy" in allowed


def test_the_pytest_options_pyproject_sets_have_their_plugins(pytestconfig):
    options = PYPROJECT["tool"]["pytest"]["ini_options"]
    dev = {requirement_name(r) for r in PYPROJECT["project"]["optional-dependencies"]["dev"]}
    loaded = {getattr(p, "__name__", "").split(".")[0] for p in pytestconfig.pluginmanager.get_plugins()}
    if "timeout" in options:
        assert "pytest_timeout" in loaded and "pytest-timeout" in dev
        assert pytestconfig.getini("timeout") == str(options["timeout"])
    if "--benchmark-disable" in options.get("addopts", ""):
        assert "pytest_benchmark" in loaded and "pytest-benchmark" in dev
