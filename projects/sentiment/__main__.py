"""Train a (bi)LSTM / GRU sentiment classifier, or predict with a trained one.

    python -m projects.sentiment --dataset sst2                  # GLUE phrases train, Kim dev/test
    python -m projects.sentiment --dataset polarity              # seeded 90/10 split
    python -m projects.sentiment --dataset file --data-file reviews.csv --tokenizer char
    python -m projects.sentiment --dataset file --data-file reviews.tsv --label-column 2 --text-column 1
    python -m projects.sentiment --predict "a gorgeous, witty film" --checkpoint RUN/checkpoints/best.pt

Model selection uses a validation set (SST-2 dev, or 10% of the training part); the test set
is evaluated once at the end with the best-on-validation weights.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import torch

from projects.common.callbacks import Callback
from projects.common.checkpoint import load_checkpoint
from projects.common.cli import build_parser, parse_args
from projects.common.experiment import Task, run, setup
from projects.common.labelled_file import LabelledFileError, read_labelled_file
from projects.common.text_data import (
    BINARY_CLASSES,
    EncodedText,
    Example,
    pad_collate,
    read_polarity,
    read_sst2,
    seeded_split,
    truncate,
)
from projects.common.tokenizers import TOKENIZERS
from projects.common.vocab import Vocab
from projects.sentiment.model import RNNClassifier

MODEL_KEYS = ("embed_dim", "hidden", "layers", "cell", "dropout", "pooling")


def parser() -> argparse.ArgumentParser:
    p = build_parser("sentiment", "Train or use a (bi)LSTM / GRU sentiment classifier.")
    g = p.add_argument_group("data")
    g.add_argument("--dataset", choices=("sst2", "polarity", "file"), default="sst2")
    g.add_argument(
        "--sst2-train",
        choices=("glue", "kim"),
        default="glue",
        help="SST-2 training set: GLUE's 67k phrases or Kim's 6,920 sentences",
    )
    g.add_argument(
        "--data-file", help="--dataset file: a CSV or TSV of labels and texts (label first or last)"
    )
    g.add_argument("--label-column", help="--dataset file: the label column (0-based or header name)")
    g.add_argument("--text-column", help="--dataset file: the text column (default: all other fields)")
    g.add_argument("--encoding", default="utf-8", help="--dataset file: e.g. gbk, latin-1")
    g.add_argument("--test-fraction", type=float, default=0.1, help="polarity/file: held-out test share")
    g.add_argument(
        "--val-fraction", type=float, default=0.1, help="polarity/file: validation share of the rest"
    )
    g.add_argument("--tokenizer", choices=tuple(TOKENIZERS), default="word", help="char: Chinese etc.")
    g.add_argument("--min-freq", type=int, default=1, help="vocabulary: minimum token count")
    g.add_argument("--max-vocab", type=int, help="vocabulary: keep at most N tokens")
    g.add_argument(
        "--max-tokens", type=int, default=512, help="keep the first and last halves of longer texts"
    )
    g = p.add_argument_group("model")
    g.add_argument("--cell", choices=("lstm", "gru"), default="lstm")
    g.add_argument("--embed-dim", type=int, default=128)
    g.add_argument("--hidden", type=int, default=128)
    g.add_argument("--layers", type=int, default=1)
    g.add_argument("--unidirectional", action="store_true")
    g.add_argument("--dropout", type=float, default=0.5)
    g.add_argument("--pooling", choices=("max", "last"), default="max")
    g = p.add_argument_group("prediction")
    g.add_argument("--predict", metavar="TEXT", help="print the label and probability for TEXT")
    g.add_argument("--checkpoint", help="--predict: checkpoint (default: <--out>/checkpoints/best.pt)")
    p.set_defaults(
        epochs=3, batch_size=64, optimizer="adam", lr=2e-3, weight_decay=0.0, schedule="cosine", grad_clip=5.0
    )
    return p


def splits(args: argparse.Namespace) -> tuple[dict[str, list[Example]], list[str]]:
    """``{"train", "val", "test"}`` examples and the class names for ``--dataset``."""
    if args.dataset == "sst2":
        data = {
            "train": read_sst2("train", args.sst2_train, args.data_root),
            "val": read_sst2("dev", "kim", args.data_root),
            "test": read_sst2("test", "kim", args.data_root),
        }
        return data, list(BINARY_CLASSES)
    if args.dataset == "polarity":
        examples, classes = read_polarity(args.data_root), list(BINARY_CLASSES)
    elif args.data_file:
        try:
            examples, classes = read_labelled_file(
                args.data_file,
                label_column=args.label_column,
                text_column=args.text_column,
                encoding=args.encoding,
            )
        except LabelledFileError as err:
            raise SystemExit(f"python -m projects.sentiment: error: {err}") from None
    else:
        raise SystemExit("--dataset file needs --data-file PATH")
    rest, test = seeded_split(examples, args.test_fraction, args.seed)
    train, val = seeded_split(rest, args.val_fraction, args.seed)
    return {"train": train, "val": val, "test": test}, classes


def build_model(vocab_size: int, classes: int, config: dict[str, Any]) -> RNNClassifier:
    return RNNClassifier(
        vocab_size, classes, bidirectional=config["bidirectional"], **{k: config[k] for k in MODEL_KEYS}
    )


def build_task(args: argparse.Namespace) -> Task:
    data, classes = splits(args)
    tokenize = TOKENIZERS[args.tokenizer]
    vocab = Vocab.build((tokenize(t) for t, _ in data["train"]), args.min_freq, args.max_vocab)
    config = {k: getattr(args, k) for k in MODEL_KEYS} | {"bidirectional": not args.unidirectional}
    print(
        f"{args.dataset}: "
        + ", ".join(f"{s} {len(v)}" for s, v in data.items())
        + f"; vocabulary {len(vocab)}"
    )
    return Task(
        name="sentiment",
        model=build_model(len(vocab), len(classes), config),
        train_set=EncodedText(data["train"], vocab, tokenize, args.max_tokens),
        val_set=EncodedText(data["val"], vocab, tokenize, args.max_tokens),
        test_set=EncodedText(data["test"], vocab, tokenize, args.max_tokens),
        class_names=classes,
        collate_fn=pad_collate,
        extra={
            "vocab": vocab.itos,
            "model_config": config,
            "tokenizer": args.tokenizer,
            "max_tokens": args.max_tokens,
        },
    )


def predict(checkpoint: str, text: str) -> tuple[str, float]:
    """The predicted label of ``text`` and its probability, from a sentiment checkpoint."""
    extra = (ckpt := load_checkpoint(checkpoint))["extra"]
    vocab, classes = Vocab(extra["vocab"]), extra["class_names"]
    model = build_model(len(vocab), len(classes), extra["model_config"])
    model.load_state_dict(ckpt["model"])
    model.eval()
    tokens = truncate(TOKENIZERS[extra["tokenizer"]](text), extra.get("max_tokens"))
    ids = vocab.encode(tokens) or [vocab.unk_index]
    with torch.no_grad():
        probs = model(torch.tensor([ids]), torch.tensor([len(ids)])).softmax(1)[0]
    best = int(probs.argmax())
    return classes[best], float(probs[best])


def main(argv: Sequence[str] | None = None, callbacks: Sequence[Callback] = ()) -> dict[str, Any]:
    """Train (returning the run's metrics) or, with --predict, print label and probability."""
    args = parse_args(parser(), "sentiment", argv)
    if args.predict is not None:
        if not (args.checkpoint or args.out):
            raise SystemExit("--predict needs --checkpoint PATH or --out RUN_FOLDER")
        label, prob = predict(args.checkpoint or f"{args.out}/checkpoints/best.pt", args.predict)
        print(f"{label}\t{prob:.4f}")
        return {"label": label, "probability": prob}
    device, info = setup(args)
    return run(args, build_task(args), device, info, callbacks)


if __name__ == "__main__":
    main()
