"""Labelled text: sentence polarity and SST-2 (Kim and GLUE layouts) (any other labelled file:
``labelled_file.py``); encoding to index tensors, truncated to ``max_tokens``, and padding into
batches.

An example is ``(text, label)`` with ``label`` an int class index.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import Dataset

from projects.common.data_root import data_root, find_folder, missing
from projects.common.vocab import Vocab

Example = tuple[str, int]
BINARY_CLASSES = ("negative", "positive")
POLARITY_FILES = ("rt-polarity.neg", "rt-polarity.pos")
KIM_FILES = {s: f"stsa.binary.{s}" for s in ("train", "dev", "test")}
GLUE_FILES = {s: f"{s}.tsv" for s in ("train", "dev")}  # GLUE's test split has no labels
# Penn Treebank escapes kept in Kim's files and undone in GLUE's
PTB_ESCAPES = {"-lrb-": "(", "-rrb-": ")", "\\/": "/", "\\*": "*"}


def _folder(root: str | Path | None, sub: str, required: Sequence[str], how: str) -> Path:
    candidates = [data_root(root) / sub]
    folder = find_folder(candidates, required)
    if folder is None:
        raise missing(sub, candidates, required, how)
    return folder


def _lines(path: Path, encoding: str) -> list[str]:
    """Lines split on ``\\n`` only: ``str.splitlines`` would also split on the Latin-1 byte
    0x85 (NEL), which occurs inside rt-polarity sentences."""
    return path.read_text(encoding=encoding).replace("\r\n", "\n").split("\n")


def read_polarity(root: str | Path | None = None) -> list[Example]:
    """Pang & Lee sentence polarity v1.0: 5,331 negative then 5,331 positive sentences (Latin-1)."""
    folder = _folder(
        root,
        "rt-polarity",
        POLARITY_FILES,
        "download rt-polaritydata.tar.gz from https://www.cs.cornell.edu/people/pabo/movie-review-data/",
    )
    return [
        (line.strip(), label)
        for label, name in enumerate(POLARITY_FILES)
        for line in _lines(folder / name, "latin-1")
        if line.strip()
    ]


def read_sst2(split: str, layout: str = "kim", root: str | Path | None = None) -> list[Example]:
    """SST-2 ``split`` in the ``kim`` layout (``<0|1> sentence``) or ``glue`` (TSV with header).

    Kim's sentences are read with the Penn Treebank escapes undone (``-lrb-`` -> ``(``,
    ``writer\\/director`` -> ``writer/director``), as GLUE writes them: a model trained on GLUE's
    phrases then sees Kim's dev and test sentences spelled as in training (all 872 dev sentences
    equal GLUE's; escaped, 49 of them differ and ``lrb`` / ``\\`` are unknown words).
    """
    files = KIM_FILES if layout == "kim" else GLUE_FILES
    if split not in files:
        raise ValueError(f"read_sst2: layout {layout!r} has labelled splits {list(files)}, not {split!r}")
    folder = _folder(
        root,
        f"sst2/{'kim2014' if layout == 'kim' else 'glue'}",
        [files[split]],
        "get SST-2 from https://github.com/yoonkim/CNN_sentence (Kim layout) or "
        "https://gluebenchmark.com/tasks (GLUE layout).",
    )
    lines = _lines(folder / files[split], "utf-8")
    if layout == "kim":
        return [(unescape_ptb(text), int(label)) for label, text in (ln.split(" ", 1) for ln in lines if ln)]
    return [(text.strip(), int(label)) for text, label in (ln.rsplit("\t", 1) for ln in lines[1:] if ln)]


def unescape_ptb(text: str) -> str:
    """``text`` with the Penn Treebank escapes of ``PTB_ESCAPES`` replaced by the characters."""
    for escaped, char in PTB_ESCAPES.items():
        text = text.replace(escaped, char)
    return text


def seeded_split(
    examples: Sequence[Example], test_fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """Shuffle with ``random.Random(seed)`` and cut off the last ``test_fraction`` as the test set."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    n_test = round(len(examples) * test_fraction)
    cut = len(examples) - n_test
    return [examples[i] for i in order[:cut]], [examples[i] for i in order[cut:]]


def truncate(tokens: list[str], max_tokens: int | None) -> list[str]:
    """At most ``max_tokens`` tokens: the first half and the last half of a longer text.

    A review often states its verdict at the end; keeping head and tail beats keeping the head
    alone on long reviews (Sun et al. 2019, "How to Fine-Tune BERT for Text Classification").
    """
    if max_tokens is None or len(tokens) <= max_tokens:
        return tokens
    head = (max_tokens + 1) // 2
    return tokens[:head] + tokens[len(tokens) - (max_tokens - head) :]


class EncodedText(Dataset):
    """Examples encoded once into index tensors of at most ``max_tokens`` ids (see ``truncate``;
    empty texts become a single ``<unk>``)."""

    def __init__(
        self,
        examples: Sequence[Example],
        vocab: Vocab,
        tokenize: Callable[[str], list[str]],
        max_tokens: int | None = None,
    ) -> None:
        if max_tokens is not None and max_tokens < 1:
            raise ValueError(f"EncodedText: max_tokens must be at least 1, got {max_tokens}")
        self.ids = [
            torch.tensor(vocab.encode(truncate(tokenize(t), max_tokens)) or [vocab.unk_index])
            for t, _ in examples
        ]
        self.labels = [label for _, label in examples]

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def lengths(self) -> list[int]:
        """Token count of each example (used to bucket batches by length)."""
        return [len(x) for x in self.ids]

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return self.ids[i], self.labels[i]


def pad_collate(
    batch: Sequence[tuple[torch.Tensor, int]],
) -> tuple[tuple[torch.Tensor, torch.Tensor], torch.Tensor]:
    """``((ids (B, T) padded with 0, lengths (B,)), labels (B,))`` for packed sequences."""
    ids = [b[0] for b in batch]
    lengths = torch.tensor([len(x) for x in ids])
    return (pad_sequence(ids, batch_first=True), lengths), torch.tensor([b[1] for b in batch])
