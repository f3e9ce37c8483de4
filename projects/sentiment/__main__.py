"""Train a (bi)LSTM / GRU sentiment classifier, or predict with a trained one: the whole run,
top to bottom.

    python -m projects.sentiment --dataset sst2                  # GLUE phrases train, Kim dev/test
    python -m projects.sentiment --dataset polarity              # seeded 90/10 split
    python -m projects.sentiment --dataset file --data-file reviews.csv --tokenizer char
    python -m projects.sentiment --dataset file --data-file reviews.tsv --label-column 2 --text-column 1
    python -m projects.sentiment --predict "a gorgeous, witty film" "a dull mess" --out RUN

Model selection uses a validation set (SST-2 dev, or 10% of the training part): ``best.pt`` holds
the epoch with the best validation accuracy, and the test set is evaluated once, at the end, with
those weights.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from projects.common.amp import autocast, make_scaler
from projects.common.checkpoint import (
    BEST,
    LAST,
    checkpoint_dict,
    load_checkpoint,
    restore_checkpoint,
    save_checkpoints,
)
from projects.common.cli import build_parser
from projects.common.device import choose_device, configure_threads
from projects.common.distributed import all_reduce_sum, barrier, init_distributed, shutdown, wrap_model
from projects.common.errors import RunError, exit_on_run_error, stop_if_diverged
from projects.common.evaluation import evaluate
from projects.common.labelled_file import LabelledFileError, read_labelled_file
from projects.common.loaders import limit, make_loader
from projects.common.run_outputs import run_folder, write_report
from projects.common.schedules import build_optimizer, build_schedule, schedule_warning
from projects.common.seeding import seed_everything
from projects.common.tensorboard_logging import RunWriter, log_config, log_epoch, log_step
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
from projects.diagnostics import cli as diagnostics_cli
from projects.diagnostics.training import TrainingDiagnostics
from projects.sentiment.model import RNNClassifier

PROG = "python -m projects.sentiment"
MODEL_KEYS = ("embed_dim", "hidden", "layers", "cell", "dropout", "pooling", "word_dropout")
# The flags whose default depends on --dataset, each chosen on validation accuracy (see
# projects/README.md): GLUE's 67k short phrases train in batches of 64 with AdamW, whose weight
# decay pulls every weight towards zero (most of all the embedding of a word seen rarely); the
# ~8.6k sentences of polarity (and a file of about that size) in more, smaller steps of Adam at a
# higher rate, with wider embeddings and less dropout.
SENTENCE_CORPUS_DEFAULTS = {
    "epochs": 10, "batch_size": 32, "lr": 4e-3, "embed_dim": 256, "dropout": 0.4,
    "optimizer": "adam", "weight_decay": 0.0,
}
DATASET_DEFAULTS = {
    "sst2": {
        "epochs": 8, "batch_size": 64, "lr": 2e-3, "embed_dim": 128, "dropout": 0.5,
        "optimizer": "adamw", "weight_decay": 0.05,
    },
    "polarity": SENTENCE_CORPUS_DEFAULTS,
    "file": SENTENCE_CORPUS_DEFAULTS,
}
UNKNOWN_WARNING = 0.5  # --predict warns when more than this share of a text's tokens is unknown


def parser() -> argparse.ArgumentParser:
    p = build_parser("sentiment", "Train or use a (bi)LSTM / GRU sentiment classifier.")
    g = p.add_argument_group("data")
    g.add_argument("--dataset", choices=("sst2", "polarity", "file"), default="sst2", help="which texts")
    g.add_argument(
        "--sst2-train",
        choices=("glue", "kim"),
        default="glue",
        help="SST-2 training set: GLUE's 67k phrases or Kim's 6,920 sentences",
    )
    g.add_argument(
        "--data-file", help="--dataset file: a CSV or TSV of labels and texts (label first or last)"
    )
    g.add_argument(
        "--label-column", help="--dataset file: the label column (0-based or header name; None: found)"
    )
    g.add_argument("--text-column", help="--dataset file: the text column (None: all other fields)")
    g.add_argument("--encoding", default="utf-8", help="--dataset file: e.g. gbk, latin-1")
    g.add_argument("--test-fraction", type=float, default=0.1, help="polarity/file: held-out test share")
    g.add_argument(
        "--val-fraction", type=float, default=0.1, help="polarity/file: validation share of the rest"
    )
    g.add_argument("--tokenizer", choices=tuple(TOKENIZERS), default="word", help="char: Chinese etc.")
    g.add_argument("--min-freq", type=int, default=1, help="vocabulary: minimum token count")
    g.add_argument("--max-vocab", type=int, help="vocabulary: keep at most N tokens (None: all)")
    g.add_argument(
        "--max-tokens", type=int, default=512, help="keep the first and last halves of longer texts"
    )
    g = p.add_argument_group("model")
    g.add_argument("--cell", choices=("lstm", "gru"), default="lstm", help="recurrent cell")
    g.add_argument("--embed-dim", type=int, help="embedding size (None: per --dataset)")
    g.add_argument("--hidden", type=int, default=128, help="hidden size per direction")
    g.add_argument("--layers", type=int, default=1, help="stacked RNN layers")
    g.add_argument("--unidirectional", action="store_true", help="left-to-right only")
    g.add_argument("--dropout", type=float, help="dropout on embeddings and features (None: per --dataset)")
    g.add_argument("--pooling", choices=("max", "last"), default="max", help="max over time, or last state")
    g.add_argument(
        "--word-dropout", type=float, default=0.1, help="training: each token becomes <unk> with this rate"
    )
    g = p.add_argument_group("prediction")
    g.add_argument(
        "--predict", nargs="+", metavar="TEXT", help="print the label and probability of each TEXT"
    )
    g.add_argument("--checkpoint", help="--predict: checkpoint (None: <--out>/checkpoints/best.pt)")
    diagnostics_cli.add_arguments(p, images=False)
    p.epilog = "None means per --dataset: " + "; ".join(
        f"{name}: " + ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in d.items())
        for name, d in DATASET_DEFAULTS.items()
    )
    p.set_defaults(
        **dict.fromkeys(DATASET_DEFAULTS["sst2"]),
        schedule="cosine",
        grad_clip=5.0,
    )
    return p


def with_dataset_defaults(args: argparse.Namespace) -> argparse.Namespace:
    """Fill the flags left unset (None) with ``DATASET_DEFAULTS[--dataset]``."""
    for key, value in DATASET_DEFAULTS[args.dataset].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


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
            raise RunError(str(err)) from None
    else:
        raise RunError("--dataset file needs --data-file PATH")
    rest, test = seeded_split(examples, args.test_fraction, args.seed)
    train, val = seeded_split(rest, args.val_fraction, args.seed)
    return {"train": train, "val": val, "test": test}, classes


def build_model(vocab_size: int, classes: int, config: dict[str, Any]) -> RNNClassifier:
    return RNNClassifier(
        vocab_size,
        classes,
        bidirectional=config["bidirectional"],
        **{k: config[k] for k in MODEL_KEYS if k in config},
    )


def predict(checkpoint: str, texts: Sequence[str]) -> list[dict[str, Any]]:
    """For each text: its predicted label, the label's probability and the share of its tokens
    that the vocabulary does not know (a high share means the prediction is a guess)."""
    extra = (ckpt := load_checkpoint(checkpoint))["extra"]
    vocab, classes = Vocab(extra["vocab"]), extra["class_names"]
    tokenize = TOKENIZERS[extra["tokenizer"]]
    model = build_model(len(vocab), len(classes), extra["model_config"])
    model.load_state_dict(ckpt["model"])
    model.eval()
    results = []
    for text in texts:
        ids = vocab.encode(truncate(tokenize(text), extra.get("max_tokens"))) or [vocab.unk_index]
        with torch.no_grad():
            probs = model(torch.tensor([ids]), torch.tensor([len(ids)])).softmax(1)[0]
        best = int(probs.argmax())
        unknown = sum(i == vocab.unk_index for i in ids) / len(ids)
        results.append(
            {"text": text, "label": classes[best], "probability": float(probs[best]), "unknown": unknown}
        )
    return results


def main(argv: Sequence[str] | None = None) -> Any:
    """Train (returning the run's metrics) or, with --predict, print each text's label."""
    args = with_dataset_defaults(parser().parse_args(argv))
    with exit_on_run_error(PROG):
        if args.predict is None:
            return train(args)
        if not (args.checkpoint or args.out):
            raise RunError("--predict needs --checkpoint PATH or --out RUN_FOLDER")
        results = predict(args.checkpoint or f"{args.out}/checkpoints/{BEST}", args.predict)
        for r in results:
            print(f"{r['label']}\t{r['probability']:.4f}\t{r['text']}")
            if r["unknown"] > UNKNOWN_WARNING:
                print(f"  warning: {r['unknown']:.0%} of the tokens are not in the vocabulary: a guess")
        return results


def train(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    # 1. The process: under torchrun join the process group; device, threads, seeds.
    dist = init_distributed(choose_device(args.device).type)
    device = choose_device(args.device, dist.local_rank)
    configure_threads(args.threads, dist.local_world_size)
    seed_everything(args.seed)
    out = run_folder(args, "sentiment")

    # 2. Data: texts -> tokens -> ids (vocabulary from the training texts only); batches of
    #    similar lengths, each process loading its share of every global batch.
    data, classes = splits(args)
    tokenize = TOKENIZERS[args.tokenizer]
    vocab = Vocab.build((tokenize(t) for t, _ in data["train"]), args.min_freq, args.max_vocab)
    if dist.is_main:
        print(
            f"{args.dataset}: "
            + ", ".join(f"{s} {len(v)}" for s, v in data.items())
            + f"; vocabulary {len(vocab)}"
        )
    train_set, train_lengths = limit(
        EncodedText(data["train"], vocab, tokenize, args.max_tokens), args.limit_train
    )
    train_loader = make_loader(
        train_set,
        args.batch_size,
        shuffle=True,
        seed=args.seed,
        rank=dist.rank,
        world_size=dist.world_size,
        collate_fn=pad_collate,
        lengths=train_lengths,
    )
    val_set, val_lengths = limit(EncodedText(data["val"], vocab, tokenize, args.max_tokens), args.limit_eval)
    val_loader = make_loader(
        val_set, args.batch_size, shuffle=False, collate_fn=pad_collate, lengths=val_lengths
    )

    # 3. Model, loss, optimizer, learning-rate schedule (one step per batch), AMP loss scaler.
    config = {k: getattr(args, k) for k in MODEL_KEYS} | {"bidirectional": not args.unidirectional}
    model = build_model(len(vocab), len(classes), config).to(device)
    train_model = wrap_model(model, dist, device)  # DistributedDataParallel under torchrun
    loss_fn = nn.CrossEntropyLoss()
    optimizer = build_optimizer(args, model.parameters())
    total_steps = args.epochs * len(train_loader)
    scheduler = build_schedule(
        args.schedule,
        optimizer,
        total_steps,
        warmup_steps=math.ceil(args.warmup_epochs * len(train_loader)),
        steps_per_epoch=len(train_loader),
        step_epochs=args.step_epochs,
        gamma=args.gamma,
    )
    warning = schedule_warning(args.schedule, total_steps, args.epochs, args.step_epochs, args.lr)
    if warning and dist.is_main:
        print(warning)
    scaler = make_scaler(args.amp, device)

    # 4. Resume: every state back from the last checkpoint, so the run goes on exactly (a run
    #    killed before its first checkpoint starts over).
    start_epoch, step, history = 0, 0, []
    if args.resume and (out / "checkpoints" / LAST).exists():
        ckpt = load_checkpoint(out / "checkpoints" / LAST, device)
        start_epoch, step, history = restore_checkpoint(ckpt, model, optimizer, scheduler, scaler)
        print(f"resumed from {out / 'checkpoints' / LAST}: {start_epoch} epochs done")

    # 5. Logging (TensorBoard, optionally W&B) and the diagnostics flags.
    writer = RunWriter(
        out, "sentiment", vars(args), enabled=dist.is_main, purge_step=step or None, wandb=args.wandb
    )
    log_config(writer, vars(args))
    diagnostics = TrainingDiagnostics.from_args(args, model, writer, out, dist.is_main)
    # what --predict needs to rebuild the model and read new texts
    extra = {
        "class_names": classes,
        "vocab": vocab.itos,
        "model_config": config,
        "tokenizer": args.tokenizer,
        "max_tokens": args.max_tokens,
        "args": vars(args),
    }

    # 6. The loop.
    for epoch in range(start_epoch, args.epochs):
        train_loader.batch_sampler.set_epoch(epoch)  # a new shuffle each epoch, from seed + epoch
        model.train()
        loss_sum, correct, seen = torch.zeros(3, dtype=torch.float64, device=device)  # this epoch's sums
        epoch_start = time.perf_counter()
        progress = not args.no_progress and dist.is_main
        for (ids, lengths), labels in tqdm(
            train_loader, f"epoch {epoch + 1}", disable=not progress, leave=False
        ):
            ids, lengths, labels = ids.to(device), lengths.to(device), labels.to(device)
            diagnostics.before_forward(step)
            optimizer.zero_grad(set_to_none=True)
            with autocast(args.amp, device):
                outputs = train_model(ids, lengths)
                loss = loss_fn(outputs, labels)
            scaler.scale(loss).backward()  # fp16: the loss scaled up so small gradients survive
            scaler.unscale_(optimizer)
            if args.grad_clip:
                nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)  # RNNs: no gradient spikes
            diagnostics.after_backward(loss, step)
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            step += 1
            diagnostics.after_step()
            loss_sum += loss.detach().double() * len(labels)
            correct += (outputs.argmax(1) == labels).sum()
            seen += len(labels)
            if step % args.log_every == 0:
                log_step(writer, step, loss, optimizer)
        # the sums over every process (under torchrun each saw a different part of the data)
        loss_sum, correct, seen = all_reduce_sum(torch.stack([loss_sum, correct, seen]), dist).tolist()
        val = evaluate(model, val_loader, loss_fn, device, len(classes), args.amp)
        metrics = {
            "epoch": epoch + 1,
            "train_loss": loss_sum / seen,
            "train_accuracy": correct / seen,
            "val_loss": val.loss,
            "val_accuracy": val.accuracy,
            "lr": optimizer.param_groups[0]["lr"],
            "time_s": time.perf_counter() - epoch_start,
        }
        stop_if_diverged(epoch + 1, metrics["train_loss"], val.loss, out / "checkpoints")
        is_best = all(val.accuracy > h["val_accuracy"] for h in history)  # the best epoch so far
        history.append(metrics)
        histograms = args.histogram_every > 0 and (epoch + 1) % args.histogram_every == 0
        log_epoch(writer, metrics, model, histograms)
        diagnostics.after_epoch(val.loss, step)
        if dist.is_main:
            ckpt = checkpoint_dict(model, optimizer, scheduler, scaler, history, step, extra)
            save_checkpoints(out / "checkpoints", ckpt, is_best)
            tqdm.write(
                f"epoch {epoch + 1}/{args.epochs}: train loss {metrics['train_loss']:.4f} "
                f"acc {metrics['train_accuracy']:.4f} | val loss {val.loss:.4f} acc {val.accuracy:.4f} "
                f"| {metrics['time_s']:.1f}s"
            )
    diagnostics.finish(val_set, classes, device)
    writer.close()

    # 7. Report: the test set, once, with the best-on-validation weights (read back from best.pt,
    #    which records the epoch they come from).
    metrics = {}
    if dist.is_main:
        best = load_checkpoint(out / "checkpoints" / BEST, device)
        model.load_state_dict(best["model"])
        test_set, test_lengths = limit(
            EncodedText(data["test"], vocab, tokenize, args.max_tokens), args.limit_eval
        )
        test_loader = make_loader(
            test_set, args.batch_size, shuffle=False, collate_fn=pad_collate, lengths=test_lengths
        )
        report = evaluate(model, test_loader, loss_fn, device, len(classes), args.amp)
        metrics = write_report(
            out,
            project="sentiment",
            split="test",
            weights=f"best validation accuracy (epoch {best['epochs_done']})",
            weights_file=f"checkpoints/{BEST}",
            weights_epoch=best["epochs_done"],
            result=report,
            history=history,
            class_names=classes,
            args=args,
            device=device,
            wall_time_s=time.perf_counter() - started,
        )
    barrier(dist)
    shutdown(dist)
    return metrics


if __name__ == "__main__":
    main()
