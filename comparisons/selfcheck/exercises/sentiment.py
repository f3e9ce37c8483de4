"""Chapter: the text sentiment project (文本情感分析项目): the vocabulary, a padded batch sorted
by length, and the bookkeeping of a bidirectional LSTM's outputs."""

from __future__ import annotations

from collections import Counter

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

from comparisons.selfcheck.exercise import Case, Classic, Exercise, register
from comparisons.selfcheck.exercises.common import randn, tensor
from comparisons.selfcheck.solutions.projects import birnn_pool, build_vocab, pad_and_sort

# ---------------------------------------------------------------------------------------------
# The vocabulary
# ---------------------------------------------------------------------------------------------

_REVIEWS = [
    "a witty and moving film".split(),
    "the film is dull and the plot is thin".split(),
    "witty dialogue , a moving score".split(),
    "dull , dull , dull".split(),
]


def _vocab_cases(rng: np.random.Generator) -> list[Case]:
    query = "a witty plot with a twist".split()
    ties = [["zebra", "apple", "mango"], ["mango", "zebra", "apple"], ["kiwi"]]
    return [
        Case("four reviews, min_count 1", (_REVIEWS, 1, query)),
        Case("four reviews, min_count 2", (_REVIEWS, 2, query)),
        Case("ties: equal counts sort alphabetically", (ties, 2, ["apple", "kiwi", "zebra"])),
        Case("min_count above every count", (_REVIEWS, 10, ["film", "dull"])),
        Case("a query of known and special tokens", (_REVIEWS, 1, ["<pad>", "film", "<unk>", "?"])),
    ]


def _counted(texts: list[list[str]], min_count: int, query: list[str], order: str = "count, then a-z",
             specials: tuple[str, ...] = ("<pad>", "<unk>"), unknown: int = 1,
             at_least: bool = True) -> tuple[list[str], np.ndarray]:
    """The vocabulary by collections.Counter, with knobs for the classic mistakes."""
    counts = Counter(token for text in texts for token in text)
    kept = [w for w, c in counts.most_common() if (c >= min_count if at_least else c > min_count)]
    if order == "count, then a-z":
        kept.sort(key=lambda w: (-counts[w], w))
    elif order == "a-z":
        kept.sort()
    itos = [*specials, *kept]
    index = {w: i for i, w in enumerate(itos)}
    return itos, np.array([index.get(w, unknown) for w in query], dtype=np.int64)


BUILD_VOCAB = Exercise(
    name="build_vocab", chapter="sentiment", difficulty=1,
    title="Build a vocabulary (minimum count, <pad> and <unk>)",
    signature="build_vocab(texts: list[list[str]], min_count: int, query: list[str])"
              " -> tuple[list[str], np.ndarray]",
    doc="""\
The vocabulary of a text classifier, and the indices of a sentence under it.

Inputs: texts, the tokenized training texts (a list of lists of strings); min_count >= 1;
    query, a tokenized sentence to encode.
Return (itos, ids): itos, the list of tokens by index: "<pad>" at 0, "<unk>" at 1, then every
    token seen at least min_count times, the most frequent first, equal counts in alphabetical
    order; ids, the index of each query token (int64 array), 1 ("<unk>") for a token not in
    itos.
Math: count(w) = number of times w occurs in all texts; keep w iff count(w) >= min_count;
    order by (-count(w), w).
Hint: collections.Counter counts; sorted(kept, key=lambda w: (-counts[w], w)) orders. The
    padding index must be 0: the batches are padded with 0 and nn.Embedding(padding_idx=0).
PyTorch: no torch function (torchtext is retired); the project's own is
    projects.common.vocab.Vocab.build(texts, min_freq) (itos, encode).
""",
    make_cases=_vocab_cases,
    expected=_counted,
    reference=build_vocab,
    outputs=("itos", "ids"),
    classics=(
        Classic("the vocabulary starts with the two specials: \"<pad>\" at index 0 and \"<unk>\" at 1.",
                lambda texts, m, q: _counted(texts, m, q, specials=())),
        Classic("\"<pad>\" is index 0 (what the batches are padded with) and \"<unk>\" index 1, not "
                "the other way round.",
                lambda texts, m, q: _counted(texts, m, q, specials=("<unk>", "<pad>"))),
        Classic("a token seen exactly min_count times is kept: count >= min_count.",
                lambda texts, m, q: _counted(texts, m, q, at_least=False)),
        Classic("equal counts are ordered alphabetically; Counter.most_common keeps them in the order "
                "first seen.", lambda texts, m, q: _counted(texts, m, q, order="first seen")),
        Classic("the most frequent tokens come first; sort by (-count, token), not by the token alone.",
                lambda texts, m, q: _counted(texts, m, q, order="a-z")),
        Classic("an unknown token maps to \"<unk>\" (1); 0 is \"<pad>\", which the model ignores.",
                lambda texts, m, q: _counted(texts, m, q, unknown=0)),
    ),
)

# ---------------------------------------------------------------------------------------------
# Padding and sorting a batch of sequences
# ---------------------------------------------------------------------------------------------


def _pad_cases(rng: np.random.Generator) -> list[Case]:
    def seqs(*lengths: int) -> list[np.ndarray]:
        return [rng.integers(2, 50, n) for n in lengths]

    return [
        Case("4 sequences, pad 0", (seqs(3, 5, 1, 4), 0)),
        Case("equal lengths keep their order (stable)", (seqs(2, 4, 2, 4, 3), 0)),
        Case("padding value 7", (seqs(2, 6, 3), 7)),
        Case("already sorted", (seqs(5, 3, 3, 1), 1)),
        Case("one sequence", (seqs(4), 0)),
    ]


def _torch_pad(sequences: list[np.ndarray], pad_value: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lengths = torch.tensor([len(s) for s in sequences])
    sorted_lengths, order = torch.sort(lengths, descending=True, stable=True)
    padded = pad_sequence([torch.as_tensor(sequences[i]) for i in order], batch_first=True,
                          padding_value=pad_value)
    return padded.numpy(), sorted_lengths.numpy(), order.numpy()


def _pad_with(sequences: list[np.ndarray], pad_value: int, order: np.ndarray,
              left: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lengths = np.array([len(s) for s in sequences])
    width = lengths.max()
    rows = [np.concatenate([np.full(width - len(s), pad_value), s]) if left else
            np.concatenate([s, np.full(width - len(s), pad_value)]) for s in (sequences[i] for i in order)]
    return np.stack(rows).astype(np.int64), lengths[order], order


def _lengths_unsorted(sequences: list[np.ndarray], pad_value: int) -> tuple[np.ndarray, ...]:
    padded, _, order = pad_and_sort(sequences, pad_value)
    return padded, np.array([len(s) for s in sequences]), order


PAD_AND_SORT = Exercise(
    name="pad_and_sort", chapter="sentiment", difficulty=2,
    title="Pad a batch of sequences and sort it by length",
    signature="pad_and_sort(sequences: list[np.ndarray], pad_value: int)"
              " -> tuple[np.ndarray, np.ndarray, np.ndarray]",
    doc="""\
Make one (B, T) batch from token sequences of different lengths, longest first, as
pack_padded_sequence(enforce_sorted=True) wants it.

Inputs: sequences, B one-dimensional int arrays (token ids), each of length >= 1; pad_value.
Return (padded, lengths, order): order (B,), the indices of the sequences from the longest to
    the shortest, equal lengths in their original order (a stable sort); padded (B, T) int64
    with T the longest length, row r = sequences[order[r]] followed by pad_value up to T
    (padding on the right); lengths (B,), the length of each row of padded.
Math: order = stable argsort of -length;  padded[r, t] = sequences[order[r]][t] if
    t < lengths[r] else pad_value.
Hint: np.argsort(-lengths, kind="stable"); np.argsort(lengths)[::-1] reverses the ties.
PyTorch: lengths, order = torch.sort(torch.tensor(lens), descending=True, stable=True);
    torch.nn.utils.rnn.pad_sequence([seqs[i] for i in order], batch_first=True,
    padding_value=pad_value)
""",
    make_cases=_pad_cases,
    expected=_torch_pad,
    reference=pad_and_sort,
    outputs=("padded", "lengths", "order"),
    classics=(
        Classic("the longest sequence comes first (descending lengths), as pack_padded_sequence needs.",
                lambda seqs, v: _pad_with(seqs, v, np.argsort([len(s) for s in seqs], kind="stable"))),
        Classic("equal lengths must keep their original order: np.argsort(lengths)[::-1] reverses them; "
                "use a stable sort of -lengths.",
                lambda seqs, v: _pad_with(seqs, v, np.argsort([len(s) for s in seqs], kind="stable")[::-1])),
        Classic("pad on the RIGHT: the tokens start at t = 0 and the padding follows them.",
                lambda seqs, v: _pad_with(seqs, v, pad_and_sort(seqs, v)[2], left=True)),
        Classic("fill with pad_value, not always 0.", lambda seqs, v: pad_and_sort(seqs, 0)),
        Classic("the lengths must follow the sorted rows (lengths[r] is the length of padded[r]).",
                _lengths_unsorted),
    ),
)

# ---------------------------------------------------------------------------------------------
# A bidirectional LSTM's outputs, pooled
# ---------------------------------------------------------------------------------------------


def _lstm_case(rng: np.random.Generator, label: str, lengths: list[int], hidden: int, layers: int,
               extra_steps: int = 0) -> Case:
    """Real outputs: a torch bidirectional LSTM run on a packed batch, padded back (zeros)."""
    torch.manual_seed(int(rng.integers(1 << 30)))
    lstm = torch.nn.LSTM(3, hidden, num_layers=layers, bidirectional=True, batch_first=True).double()
    steps = max(lengths) + extra_steps
    x = tensor(randn(rng, len(lengths), steps, 3))
    packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    with torch.no_grad():
        out, (h_n, _) = lstm(packed)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=steps)
    return Case(label, (out.numpy(), h_n.numpy(), np.array(lengths)))


def _pool_cases(rng: np.random.Generator) -> list[Case]:
    return [
        _lstm_case(rng, "1 layer, lengths 5, 2, 4", [5, 2, 4], hidden=3, layers=1),
        _lstm_case(rng, "2 layers, lengths 3, 6, 1, 6", [3, 6, 1, 6], hidden=4, layers=2),
        _lstm_case(rng, "padded beyond the longest (total_length)", [2, 3], hidden=2, layers=1,
                   extra_steps=3),
        _lstm_case(rng, "3 layers, one sequence", [4], hidden=2, layers=3),
    ]


def _torch_pool(out: np.ndarray, h_n: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, ...]:
    o, h, n = tensor(out), tensor(h_n), torch.as_tensor(lengths)
    real = (torch.arange(o.shape[1])[None, :] < n[:, None]).unsqueeze(-1)
    final = torch.cat([h[-2], h[-1]], dim=1)
    mean = (o * real).sum(dim=1) / n[:, None]
    return final.numpy(), mean.numpy(), o.masked_fill(~real, float("-inf")).amax(dim=1).numpy()


def _with(part: int, value: object) -> object:
    """A classic mistake in one of the three outputs: the others are right."""
    def wrong(out: np.ndarray, h_n: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, ...]:
        answer = list(birnn_pool(out, h_n, lengths))
        answer[part] = value(out, h_n, lengths)
        return tuple(answer)
    return wrong


BIRNN_POOL = Exercise(
    name="birnn_pool", chapter="sentiment", difficulty=3,
    title="A bidirectional LSTM's outputs: final states and pooling",
    signature="birnn_pool(out: np.ndarray, h_n: np.ndarray, lengths: np.ndarray)"
              " -> tuple[np.ndarray, np.ndarray, np.ndarray]",
    doc="""\
Sentence features from a bidirectional LSTM run on a packed, padded batch.

Inputs: out (B, T, 2H), the padded outputs (batch_first) of nn.LSTM(bidirectional=True)
    after pad_packed_sequence: out[b, t, :H] is the forward direction at step t, out[b, t, H:]
    the backward direction; steps t >= lengths[b] are padding (zeros).
    h_n (2 * num_layers, B, H), the final hidden states, layer by layer, forward then backward:
    h_n[2 * layer + direction]. lengths (B,) integers >= 1.
Return (final, mean, max), each (B, 2H):
    final = [forward final state of the LAST layer, backward final state of the last layer];
    mean = the average of out over each sequence's real steps (t < lengths[b]);
    max = the maximum of out over the real steps.
Math: final[b] = concat(h_n[-2, b], h_n[-1, b]); the forward direction ends at t = len - 1 and
    the backward direction at t = 0, so final[b] also equals
    concat(out[b, len - 1, :H], out[b, 0, H:]).
    mean[b] = (1 / len) sum_{t < len} out[b, t];   max[b] = max_{t < len} out[b, t].
Hint: a mask (np.arange(T)[None, :] < lengths[:, None]); for the max, put -inf on the padding
    (the real values may all be negative). out[:, -1] is padding for every shorter sequence.
PyTorch: torch.cat([h_n[-2], h_n[-1]], 1); (out * mask).sum(1) / lengths[:, None];
    out.masked_fill(~mask, -inf).amax(1)
""",
    make_cases=_pool_cases,
    expected=_torch_pool,
    reference=birnn_pool,
    outputs=("final", "mean", "max"),
    classics=(
        Classic("out[:, -1] is the last PADDED step: for a shorter sequence it is padding, and the "
                "backward direction ends at t = 0. Use h_n[-2] and h_n[-1].",
                _with(0, lambda out, h_n, n: out[:, -1, :])),
        Classic("the backward direction's final state is at t = 0, not at t = len - 1 (it reads the "
                "sequence from the end).", _with(0, lambda out, h_n, n: out[np.arange(len(n)), n - 1, :])),
        Classic("h_n holds every layer: the last layer's states are h_n[-2] (forward) and h_n[-1] "
                "(backward); h_n[0], h_n[1] are the first layer's.",
                _with(0, lambda out, h_n, n: np.concatenate([h_n[0], h_n[1]], axis=1))),
        Classic("forward first, then backward: concat(h_n[-2], h_n[-1]), the same order as out's "
                "features.", _with(0, lambda out, h_n, n: np.concatenate([h_n[-1], h_n[-2]], axis=1))),
        Classic("average over the real steps only: divide by each sequence's length, not by T.",
                _with(1, lambda out, h_n, n: out.mean(axis=1))),
        Classic("the padding zeros must not take part in the max: put -inf there first.",
                _with(2, lambda out, h_n, n: out.max(axis=1))),
    ),
)

register(BUILD_VOCAB, PAD_AND_SORT, BIRNN_POOL)
