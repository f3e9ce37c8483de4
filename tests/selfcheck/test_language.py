"""Chinese (--lang zh, or a zh locale): every title, description, hint and message has its
translation, with the same placeholders; English stays the default."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from comparisons.selfcheck import i18n, worker
from comparisons.selfcheck.__main__ import _BUCKET, main
from comparisons.selfcheck.exercise import DIFFICULTY, all_exercises
from comparisons.selfcheck.locale import zh
from comparisons.selfcheck.workspace import stub_text

PACKAGE = Path(__file__).resolve().parents[2] / "comparisons" / "selfcheck"
EXERCISES = all_exercises()


def _messages_in_code() -> set[str]:
    """Every literal message passed to t(...) in the package, plus the ones built from tables."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    dynamic = {"PASS", "FAIL", "TODO", *DIFFICULTY.values(), *_BUCKET, *worker.MESSAGES.values()}
    return found | dynamic | {"{count} " + bucket for bucket in _BUCKET.values()}


def _fields(text: str) -> set[str]:
    return {f"{name}!{conv}:{spec}" for _, name, spec, conv in string.Formatter().parse(text) if name is not None}


def test_every_hint_title_and_description_has_its_chinese() -> None:
    hints = {classic.hint for e in EXERCISES for classic in e.classics}
    names = {e.name for e in EXERCISES}
    assert sorted(hints - set(zh.HINTS)) == [], "hints without Chinese"
    assert sorted(names - set(zh.TITLES)) == [] and sorted(names - set(zh.DESCRIPTIONS)) == []
    assert set(zh.HINTS) <= hints and set(zh.TITLES) <= names and set(zh.DESCRIPTIONS) <= names, (
        "a translation of something that no longer exists")
    for e in EXERCISES:
        for part in ("数学：", "提示：", "PyTorch："):
            assert part in zh.DESCRIPTIONS[e.name], f"{e.name}: the Chinese description lacks {part}"


def test_every_message_has_its_chinese_with_the_same_placeholders() -> None:
    in_code = _messages_in_code()
    assert len(in_code) > 50
    assert sorted(in_code - set(zh.MESSAGES)) == [], "messages without Chinese"
    assert sorted(set(zh.MESSAGES) - in_code) == [], "translations of messages the code no longer has"
    for english, chinese in zh.MESSAGES.items():
        assert _fields(english) == _fields(chinese), f"placeholders differ: {english!r} / {chinese!r}"


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.name for e in EXERCISES])
def test_the_chinese_stub_is_valid_python_with_the_chinese_docstring(exercise) -> None:
    i18n.use("zh")
    try:
        module = ast.parse(stub_text(exercise))
    finally:
        i18n.use(None)
    function = next(n for n in module.body if isinstance(n, ast.FunctionDef))
    assert ast.get_docstring(function) == zh.DESCRIPTIONS[exercise.name].strip()


def test_the_language_follows_lang_then_the_locale(monkeypatch) -> None:
    assert i18n.language() == "en"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n.language() == "zh"
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")  # LC_ALL wins over LANG
    assert i18n.language() == "en"
    monkeypatch.setenv("LANGUAGE", "zh_TW:en")
    assert i18n.language() == "zh"
    i18n.use("en")
    try:
        assert i18n.language() == "en"
    finally:
        i18n.use(None)


WRONG_UNBROADCAST = "def unbroadcast(grad, shape):\n    return grad\n"


def test_check_speaks_chinese_with_lang_zh(capsys, tmp_path) -> None:
    (tmp_path / "unbroadcast.py").write_text(WRONG_UNBROADCAST, encoding="utf-8")
    assert main(["--workspace", str(tmp_path), "--lang", "zh", "check", "unbroadcast"]) == 1
    out = capsys.readouterr().out
    hint = next(c.hint for c in next(e for e in EXERCISES if e.name == "unbroadcast").classics)
    assert "未通过 unbroadcast：通过 2/7 个测试用例" in out
    assert "测试用例 'leading dims (2, 3, 4) -> (4,)'（输入：" in out and "提示：" + zh.HINTS[hint] in out
    assert "Hint" not in out and "cases passed" not in out
    assert main(["--workspace", str(tmp_path), "check", "unbroadcast"]) == 1  # English again
    assert "FAIL unbroadcast: 2/7 cases passed" in capsys.readouterr().out


def test_a_zh_locale_is_enough(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert main(["--workspace", str(tmp_path), "show", "im2col"]) == 0
    out = capsys.readouterr().out
    assert zh.TITLES["im2col"] in out and zh.DESCRIPTIONS["im2col"].strip() in out
    assert main(["--workspace", str(tmp_path), "start", "im2col"]) == 0
    assert "已写入" in capsys.readouterr().out
    assert zh.DESCRIPTIONS["im2col"].splitlines()[0] in (tmp_path / "im2col.py").read_text(encoding="utf-8")
    main(["--workspace", str(tmp_path), "progress"])
    out = capsys.readouterr().out
    assert "im2col" in out and "未检查" in out and "合计：" in out
    assert main(["--workspace", str(tmp_path), "--lang", "en", "progress"]) == 0
    assert "unchecked" in capsys.readouterr().out


def test_the_workers_own_messages_are_translated(attempt, monkeypatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    report = attempt("unbroadcast", "from minitorch.ops.broadcasting import unbroadcast\n")
    text = report.text()
    assert "导入你的文件时抛出了异常" in text and "这里不能 `import minitorch`" in text
