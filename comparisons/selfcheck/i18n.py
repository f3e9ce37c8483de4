"""The language of the self-check: English by default, Chinese with `--lang zh` or a zh locale.

The mechanism is gettext's: the English text in the code is the message id, and each other
language has one table (`locale/zh.py`) that maps it to the translation. `t(text, **fields)`
looks `text` up in the current language's table and fills in the fields with `str.format`, so a
message reads naturally in the code and is translated in one place. An exercise's title,
description and hints are looked up by `title(exercise)`, `description(exercise)` and
`hint(text)`.

The language is the one chosen with `use(...)` (the `--lang` option), else the first of the
environment variables LANGUAGE, LC_ALL, LC_MESSAGES, LANG that is set: a value starting with
"zh" (zh_CN.UTF-8, zh_TW, zh) means Chinese.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from comparisons.selfcheck.locale import zh

if TYPE_CHECKING:
    from comparisons.selfcheck.exercise import Exercise

LANGUAGES = ("en", "zh")
_chosen: str | None = None


def use(language: str | None) -> None:
    """Choose the language (None: follow the environment again)."""
    global _chosen
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    _chosen = language


def language() -> str:
    """"en" or "zh": the chosen language, else the locale's."""
    if _chosen is not None:
        return _chosen
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "zh" if value.split(":")[0].lower().startswith("zh") else "en"
    return "en"


def t(message: str, /, **fields: Any) -> str:
    """`message` in the current language, with `{fields}` filled in."""
    if language() == "zh":
        message = zh.MESSAGES.get(message, message)
    return message.format(**fields) if fields else message


def hint(text: str) -> str:
    """A classic mistake's hint in the current language."""
    return zh.HINTS.get(text, text) if language() == "zh" else text


def title(exercise: Exercise) -> str:
    return zh.TITLES.get(exercise.name, exercise.title) if language() == "zh" else exercise.title


def description(exercise: Exercise) -> str:
    """The exercise's docstring (what to compute, shapes, math, hint, PyTorch) in the language."""
    return zh.DESCRIPTIONS.get(exercise.name, exercise.doc) if language() == "zh" else exercise.doc
