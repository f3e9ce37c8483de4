"""What an exercise is: the function a learner writes, how it is graded, and the classic mistakes.

An `Exercise` names a function on NumPy arrays (arrays in, arrays out), documents it fully (the
docstring is what the learner's stub shows), and says how to grade it:

- `make_cases(rng)` builds the inputs: several random cases plus the edge cases that catch
  mistakes (size-1 dimensions, broadcasting, repeated indices, ties, large values).
- `expected(*args)` computes the right answer with PyTorch (autograd for the backward
  exercises; torch.nn.functional, torch.optim, torch.optim.lr_scheduler, torch.nn.utils for
  the rest). A case may carry its expected value instead, when PyTorch draws random numbers
  the learner must be given (dropout's mask).
- `reference` is the library's own solution (minitorch, or `comparisons/selfcheck/solutions`);
  the tests prove it passes the grader.
- `classics` are known mistakes, each as the wrong answer it produces plus a hint: when the
  learner's output matches the wrong answer, the grader shows the hint.
- `validate` replaces comparison with `expected` where many answers are right (a topological
  order); it returns None for a right answer or the reason it is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from comparisons.selfcheck.locale import zh

CHAPTERS: dict[str, tuple[str, str]] = {
    "basics": ("Deep-learning basics", "深度学习基础"),
    "tensor": ("Tensor", "张量"),
    "autograd": ("Autograd", "自动求导"),
    "module": ("nn.Module and model building", "模型构建"),
    "data": ("Dataset/DataLoader and saving", "数据加载与保存"),
    "cnn": ("CNN", "卷积神经网络"),
    "resnet_vit": ("ResNet and ViT", "ResNet 与 ViT"),
    "rnn": ("RNN/LSTM/GRU", "循环神经网络"),
    "training": ("Training techniques", "训练技巧"),
    "debugging": ("Model debugging and visualization", "模型调试与可视化"),
    "mnist": ("MNIST project", "MNIST 项目"),
    "cifar10": ("CIFAR-10 project", "CIFAR-10 项目"),
    "sentiment": ("Text sentiment project", "文本情感分析项目"),
}

DIFFICULTY = {1: "easy", 2: "medium", 3: "hard"}


def chapter_title(key: str) -> str:
    """"Tensor (张量)": the chapter's English and Chinese titles."""
    english, chinese = CHAPTERS[key]
    return f"{english} ({chinese})"


@dataclass(frozen=True)
class Case:
    """One input to grade on: a label that says what it tests, the arguments, and (rarely) the
    expected output when it cannot be recomputed from the arguments."""

    label: str
    args: tuple[Any, ...]
    expected: Any = None


@dataclass(frozen=True)
class Classic:
    """A known mistake: `wrong(*args)` is the answer it gives; `hint` says what to fix."""

    hint: str
    wrong: Callable[..., Any]


@dataclass(frozen=True)
class Exercise:
    name: str
    chapter: str
    title: str
    difficulty: Literal[1, 2, 3]
    signature: str  # what follows `def ` in the stub, without the colon
    doc: str
    make_cases: Callable[[np.random.Generator], list[Case]]
    expected: Callable[..., Any] | None  # None where `validate` judges, or every case carries it
    reference: Callable[..., Any]
    outputs: tuple[str, ...] = ("output",)  # names of the returned values, for messages
    classics: tuple[Classic, ...] = ()
    atol: float = 1e-6
    rtol: float = 1e-5
    validate: Callable[[Case, Any], str | None] | None = None
    seed: int = 0  # of the cases' random inputs: the same cases on every run

    @property
    def title_zh(self) -> str:
        """The Chinese title, from the Chinese table (`locale/zh.py`)."""
        return zh.TITLES.get(self.name, "")


_REGISTRY: dict[str, Exercise] = {}


def register(*exercises: Exercise) -> None:
    """Add exercises; a name used twice or an unknown chapter is a mistake, so it raises."""
    for exercise in exercises:
        if exercise.name in _REGISTRY:
            raise ValueError(f"register: an exercise named {exercise.name!r} already exists")
        if exercise.chapter not in CHAPTERS:
            raise ValueError(f"register: {exercise.name}: unknown chapter {exercise.chapter!r}")
        _REGISTRY[exercise.name] = exercise


def all_exercises() -> list[Exercise]:
    """Every exercise, in curriculum order (chapter, then the order they were defined)."""
    from comparisons.selfcheck import exercises  # noqa: F401 (importing registers them)

    order = list(CHAPTERS)
    return sorted(_REGISTRY.values(), key=lambda e: order.index(e.chapter))


def get_exercise(name: str) -> Exercise:
    """The exercise called `name`; an unknown name raises KeyError listing close names."""
    known = {e.name: e for e in all_exercises()}
    if name not in known:
        import difflib

        close = difflib.get_close_matches(name, known, n=3)
        suggestion = f" (did you mean {', '.join(close)}?)" if close else ""
        raise KeyError(f"no exercise named {name!r}{suggestion}; `list` shows them all")
    return known[name]
