"""Tokenizers: words for space-separated languages, characters for Chinese (and other CJK).

Both lowercase by default. ``char_tokenize`` makes every CJK ideograph (and kana / hangul) its own
token, while runs of Latin letters or digits inside the same text stay whole words.
"""

from __future__ import annotations

import re

WORD_RE = re.compile(r"[\w']+|[^\w\s]")
CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
CHAR_RE = re.compile(rf"[{CJK}]|[^\s{CJK}\W]+|[^\w\s]")


def word_tokenize(text: str, lower: bool = True) -> list[str]:
    """Words and punctuation marks: ``"It's good!"`` -> ``["it's", "good", "!"]``."""
    return WORD_RE.findall(text.lower() if lower else text)


def char_tokenize(text: str, lower: bool = True) -> list[str]:
    """One token per CJK character: ``"我爱PyTorch!"`` -> ``["我", "爱", "pytorch", "!"]``."""
    return CHAR_RE.findall(text.lower() if lower else text)


TOKENIZERS = {"word": word_tokenize, "char": char_tokenize}
