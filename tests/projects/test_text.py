"""Tokenizers, vocabulary, text readers, padding and packed sequences."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from projects.common.loaders import BucketBatchSampler, make_loader
from projects.common.text_data import (
    EncodedText,
    pad_collate,
    read_polarity,
    read_sst2,
    seeded_split,
    truncate,
    unescape_ptb,
)
from projects.common.tokenizers import char_tokenize, word_tokenize
from projects.common.vocab import PAD, UNK, Vocab
from projects.sentiment.model import RNNClassifier


def test_word_tokenizer_splits_words_and_punctuation() -> None:
    assert word_tokenize("It's a GREAT film, isn't it?!") == [
        "it's", "a", "great", "film", ",", "isn't", "it", "?", "!",
    ]  # fmt: skip
    assert word_tokenize("Hello", lower=False) == ["Hello"]


def test_char_tokenizer_splits_chinese_into_characters() -> None:
    assert char_tokenize("我爱深度学习 PyTorch 2！") == [
        "我",
        "爱",
        "深",
        "度",
        "学",
        "习",
        "pytorch",
        "2",
        "！",
    ]
    assert char_tokenize("这部电影很好看，推荐。") == list("这部电影很好看，推荐。")
    assert char_tokenize("   ") == []


def test_vocab_min_freq_order_and_unknowns() -> None:
    texts = [["b", "a", "a"], ["c", "a", "b"], ["d"]]
    vocab = Vocab.build(texts, min_freq=2)
    assert vocab.itos == [PAD, UNK, "a", "b"]  # a: 3, b: 2; c and d (1) dropped
    assert vocab.encode(["a", "zzz", "b"]) == [2, 1, 3]
    assert vocab.decode([2, 0, 3, 1]) == ["a", "b", UNK]
    tie = Vocab.build([["y", "x"]])  # equal counts: alphabetical
    assert tie.itos[2:] == ["x", "y"] and len(tie) == 4
    assert Vocab.build(texts, max_size=1).itos == [PAD, UNK, "a"]
    with pytest.raises(ValueError, match="first tokens"):
        Vocab(["a", "b"])


def test_truncate_keeps_head_and_tail() -> None:
    tokens = [f"t{i}" for i in range(10)]
    assert truncate(tokens, 4) == ["t0", "t1", "t8", "t9"]
    assert truncate(tokens, 5) == ["t0", "t1", "t2", "t8", "t9"]
    assert truncate(tokens, 1) == ["t0"]
    assert truncate(tokens, 10) == tokens and truncate(tokens, None) == tokens


def test_encoded_text_max_tokens() -> None:
    texts = [("a b c d e f g h", 1), ("a b", 0), ("", 0)]
    vocab = Vocab.build(word_tokenize(t) for t, _ in texts)
    data = EncodedText(texts, vocab, word_tokenize, max_tokens=3)
    assert data.lengths == [3, 2, 1]
    assert vocab.decode(data[0][0].tolist()) == ["a", "b", "h"]
    assert EncodedText(texts, vocab, word_tokenize).lengths == [8, 2, 1]
    with pytest.raises(ValueError, match="max_tokens must be at least 1"):
        EncodedText(texts, vocab, word_tokenize, max_tokens=0)


def test_encoded_text_and_pad_collate() -> None:
    vocab = Vocab.build([["good", "film"], ["bad"]])
    data = EncodedText([("good film", 1), ("bad", 0), ("", 0)], vocab, word_tokenize)
    (ids, lengths), labels = pad_collate([data[0], data[1], data[2]])
    assert ids.tolist() == [[vocab.stoi["good"], vocab.stoi["film"]], [vocab.stoi["bad"], 0], [1, 0]]
    assert lengths.tolist() == [2, 1, 1] and labels.tolist() == [1, 0, 0]


@pytest.mark.parametrize(("cell", "pooling"), [("lstm", "max"), ("gru", "last"), ("lstm", "last")])
def test_packed_sequences_ignore_padding(cell: str, pooling: str) -> None:
    """A sentence's logits do not change when a longer sentence pads it in the batch."""
    torch.manual_seed(0)
    model = RNNClassifier(20, embed_dim=8, hidden=6, layers=2, cell=cell, pooling=pooling).eval()
    short = torch.tensor([[3, 4, 5]])
    alone = model(short, torch.tensor([3]))
    batch = torch.tensor([[3, 4, 5, 0, 0, 0], [6, 7, 8, 9, 10, 11]])
    together = model(batch, torch.tensor([3, 6]))
    torch.testing.assert_close(together[0], alone[0], rtol=1e-5, atol=1e-6)


def test_seeded_split_is_deterministic_and_disjoint() -> None:
    examples = [(f"s{i}", i % 2) for i in range(100)]
    train, test = seeded_split(examples, 0.1, seed=3)
    assert len(train) == 90 and len(test) == 10
    assert sorted(train + test) == sorted(examples)
    assert seeded_split(examples, 0.1, seed=3) == (train, test)
    assert seeded_split(examples, 0.1, seed=4)[1] != test


def test_text_readers(root: Path) -> None:
    polarity = read_polarity(root)
    assert {label for _, label in polarity} == {0, 1}
    for layout, split in (("kim", "train"), ("kim", "test"), ("glue", "train"), ("glue", "dev")):
        rows = read_sst2(split, layout, root)
        assert rows and all(label in (0, 1) and text for text, label in rows)
    with pytest.raises(ValueError, match="labelled splits"):
        read_sst2("test", "glue", root)


def test_real_text_counts(real_root: Path) -> None:
    polarity = read_polarity(real_root)
    assert len(polarity) == 10_662 and sum(lab for _, lab in polarity) == 5_331
    counts = {s: len(read_sst2(s, "kim", real_root)) for s in ("train", "dev", "test")}
    assert counts == {"train": 6_920, "dev": 872, "test": 1_821}
    assert len(read_sst2("train", "glue", real_root)) == 67_349
    assert read_sst2("test", "kim", real_root)[0] == ("no movement , no yuks , not much of anything .", 0)


def test_kim_sentences_are_read_as_glue_spells_them(real_root: Path) -> None:
    # the model trains on GLUE's phrases and is selected and tested on Kim's sentences
    assert unescape_ptb(r"but -lrb- writer\/director -rrb- a \*\*\* .") == "but ( writer/director ) a *** ."
    kim, glue = read_sst2("dev", "kim", real_root), read_sst2("dev", "glue", real_root)
    assert sorted(kim) == sorted(glue)  # 49 of the 872 differed while the escapes stayed


def test_bucket_batches_cover_each_example_once_and_split_across_ranks() -> None:
    lengths = [int(x) for x in torch.randint(1, 40, (203,), generator=torch.Generator().manual_seed(0))]
    one = BucketBatchSampler(lengths, 8, shuffle=True, seed=5, pool=4)
    one.set_epoch(2)
    batches = list(one)
    assert len(batches) == len(one) == 26
    assert sorted(i for b in batches for i in b) == list(range(203))
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches) / len(batches)
    assert spread < 10  # random batches of 8 from 1..39 spread about 30
    ranks = []
    for rank in (0, 1):
        sampler = BucketBatchSampler(lengths, 8, shuffle=True, seed=5, pool=4, rank=rank, world_size=2)
        sampler.set_epoch(2)
        ranks.append(list(sampler))
    assert [sorted(a + b) for a, b in zip(*ranks, strict=True)] == [sorted(b) for b in batches]
    one.set_epoch(3)
    assert list(one) != batches  # a new order each epoch
    ordered = list(BucketBatchSampler(lengths, 8, shuffle=False))
    flat = [lengths[i] for b in ordered for i in b]
    assert flat == sorted(lengths)


def padding_fraction(batches: list[list[int]], lengths: list[int]) -> float:
    """Share of the padded (batch, time) grid that is padding."""
    grid = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    return 1 - sum(lengths) / grid


def test_bucket_batches_are_deterministic_complete_and_pad_little() -> None:
    """Long-tailed lengths (like reviews): buckets cost about the total token count, random
    batches pay batch size times the longest text of each batch."""
    normal = torch.randn(1001, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    lengths = (6.0 + 0.8 * normal).exp().clamp(5, 3000).long().tolist()  # log-normal, median 405

    def epoch(seed: int, epoch: int) -> list[list[int]]:
        sampler = BucketBatchSampler(lengths, 32, shuffle=True, seed=seed)
        sampler.set_epoch(epoch)
        return list(sampler)

    batches = epoch(seed=7, epoch=0)
    assert batches == epoch(seed=7, epoch=0)  # the seed and the epoch fix the order
    assert batches != epoch(seed=8, epoch=0) and batches != epoch(seed=7, epoch=1)
    assert sorted(i for b in batches for i in b) == list(range(1001))  # each example once
    assert sorted(len(b) for b in batches)[:2] == [9, 32]  # one partial batch: 1001 = 31 * 32 + 9
    dataset = torch.utils.data.TensorDataset(torch.arange(1001))
    random_batches = [b[0].tolist() for b in make_loader(dataset, 32, shuffle=True, seed=7)]
    assert sorted(i for b in random_batches for i in b) == list(range(1001))
    bucketed, random = padding_fraction(batches, lengths), padding_fraction(random_batches, lengths)
    assert bucketed < 0.1 and random > 0.5, (bucketed, random)  # measured: 0.075 and 0.73


def test_word_dropout_trains_unk_and_keeps_padding() -> None:
    torch.manual_seed(0)
    model = RNNClassifier(20, embed_dim=8, hidden=6, dropout=0.0, word_dropout=1.0, unk_index=1)
    ids, lengths = torch.tensor([[3, 4, 5], [6, 7, 0]]), torch.tensor([3, 2])
    all_unk = torch.tensor([[1, 1, 1], [1, 1, 0]])
    torch.testing.assert_close(model(ids, lengths), model(all_unk, lengths), rtol=0, atol=0)
    model.eval()  # no word dropout at evaluation
    assert not torch.equal(model(ids, lengths), model(all_unk, lengths))
    model.train()
    model.word_dropout = 0.3
    seen = []
    model.embedding.register_forward_hook(lambda _m, inputs, _out: seen.append(inputs[0]))
    model(torch.randint(2, 20, (200, 50)), torch.full((200,), 50))
    assert abs((seen[0] == 1).double().mean().item() - 0.3) < 0.01
