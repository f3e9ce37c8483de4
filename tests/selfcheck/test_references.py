"""The library's own solutions pass the grader, and every exercise is complete and well formed."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from comparisons.selfcheck.exercise import CHAPTERS, all_exercises
from comparisons.selfcheck.grader import check_reference, grade, run_in_process
from comparisons.selfcheck.workspace import stub_text

EXERCISES = all_exercises()
IDS = [e.name for e in EXERCISES]

# Every item the issue lists, by exercise name.
REQUIRED = {
    "unbroadcast", "sigmoid_backward", "tanh_backward", "gelu_backward", "softmax_cross_entropy_backward",
    "matmul_backward", "topological_order", "im2col", "conv2d_forward", "conv2d_backward",
    "maxpool2d_backward", "batchnorm_forward_train", "batchnorm_backward", "layer_norm_backward", "dropout",
    "embedding_backward", "lstm_cell", "scaled_dot_product_attention", "sgd_momentum_step", "adam_step",
    "adamw_step", "cosine_with_warmup", "clip_grad_norm", "gradcam_weights",
    # the project chapters (MNIST, CIFAR-10, text sentiment)
    "mlp_train_step", "accuracy_and_confusion", "random_crop_flip", "build_vocab", "pad_and_sort", "birnn_pool",
}


def test_the_list_covers_the_curriculum() -> None:
    assert len(EXERCISES) >= 35
    assert REQUIRED <= set(IDS)
    assert {e.chapter for e in EXERCISES} == set(CHAPTERS)


def test_the_guide_lists_every_exercise() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "selfcheck.md").read_text(encoding="utf-8")
    missing = [name for name in IDS if f"`{name}`" not in guide]
    assert not missing, f"docs/selfcheck.md does not list {missing}"
    for english, chinese in CHAPTERS.values():
        assert f"{english} ({chinese})" in guide


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_reference_passes(exercise) -> None:
    report = check_reference(exercise)
    assert report.passed, report.text()
    assert report.cases_total >= 4


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_exercise_is_documented(exercise) -> None:
    for part in ("Math", "Hint", "PyTorch"):
        assert part in exercise.doc, f"{exercise.name}: docstring lacks a {part!r} line"
    assert exercise.title and exercise.title_zh and exercise.difficulty in (1, 2, 3)
    assert exercise.classics, f"{exercise.name} names no classic mistake"


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_stub_is_the_signature_docstring_and_not_implemented(exercise) -> None:
    module = ast.parse(stub_text(exercise))
    functions = [n for n in module.body if isinstance(n, ast.FunctionDef)]
    assert [f.name for f in functions] == [exercise.name]
    body = functions[0].body
    assert ast.get_docstring(functions[0]) == exercise.doc.strip()
    assert len(body) == 2 and isinstance(body[1], ast.Raise)
    assert ast.unparse(body[1]) == "raise NotImplementedError"


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_every_classic_mistake_fails_with_its_hint(exercise) -> None:
    """Each classic's wrong answer is really wrong on some case, and grading it shows its hint."""
    cases = exercise.make_cases(np.random.default_rng(exercise.seed))
    for classic in exercise.classics:
        report = grade(exercise, run_in_process(classic.wrong, cases), cases)
        assert report.status == "failing", f"{exercise.name}: the classic {classic.hint!r} passes"
        shown = [m.split("\nHint: ", 1)[1] for m in report.messages if "\nHint: " in m]
        assert classic.hint in shown, f"{exercise.name}: {classic.hint!r} never shown; got {shown}"
