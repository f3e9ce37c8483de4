"""Vocabulary: token <-> index, with ``<pad>`` = 0, ``<unk>`` = 1 and a minimum frequency."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

PAD, UNK = "<pad>", "<unk>"


class Vocab:
    """Maps tokens to indices. Order: specials, then by frequency (desc), ties alphabetically."""

    def __init__(self, tokens: Sequence[str]) -> None:
        if list(tokens[:2]) != [PAD, UNK]:
            raise ValueError(f"Vocab: the first tokens must be {PAD!r}, {UNK!r}, got {list(tokens[:2])}")
        self.itos = list(tokens)
        self.stoi = {t: i for i, t in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise ValueError("Vocab: tokens are not unique")

    @classmethod
    def build(cls, texts: Iterable[Sequence[str]], min_freq: int = 1, max_size: int | None = None) -> Vocab:
        """Count tokens over tokenized texts; keep those seen at least ``min_freq`` times."""
        counts = Counter(t for tokens in texts for t in tokens)
        kept = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
        return cls([PAD, UNK, *kept[:max_size]])

    @property
    def pad_index(self) -> int:
        return 0

    @property
    def unk_index(self) -> int:
        return 1

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Indices of the tokens; unknown tokens map to ``<unk>``."""
        return [self.stoi.get(t, 1) for t in tokens]

    def decode(self, indices: Iterable[int]) -> list[str]:
        """Tokens of the indices, ``<pad>`` dropped."""
        return [self.itos[i] for i in indices if i != 0]
