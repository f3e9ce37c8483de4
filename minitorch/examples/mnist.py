"""Train LeNet-5 on the real MNIST digits with minitorch alone, then test it on all 10,000 test images.

    python -m minitorch.examples.mnist                  # 3 epochs, about 99% test accuracy
    python -m minitorch.examples.mnist --epochs 1 --out lenet.npz --check-torch

The loop is the one every PyTorch tutorial writes, line for line: a Dataset with transforms, a
shuffling DataLoader, a model, a loss, an optimizer with a learning-rate schedule, and
`zero_grad -> forward -> loss -> backward -> step`. The data comes from $MINITORCH_DATA/mnist
(or --data-root); the weights are saved with `minitorch.save` (.npz, no pickle). On a shared
machine, `OPENBLAS_NUM_THREADS=1` keeps NumPy's BLAS from fighting other processes for cores.
`--check-torch` then loads the saved weights into the torch twin of LeNet-5 (in
`comparisons/`, since minitorch itself never imports torch) and checks that it scores the same.
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

import minitorch
import minitorch.optim
from minitorch.data import MNIST, DataLoader
from minitorch.data import transforms as T
from minitorch.nn import functional as F
from minitorch.nn.models import LeNet5

MEAN, STD = (0.1307,), (0.3081,)  # of the MNIST training pixels


def mnist_transform() -> T.Compose:
    """uint8 28x28 -> float32 (1, 28, 28) in [0, 1] -> standardized."""
    return T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])


def evaluate(model: LeNet5, loader: DataLoader) -> tuple[float, np.ndarray]:
    """Accuracy over the loader, and every prediction (eval mode, no graph)."""
    model.eval()
    predictions = []
    labels = []
    with minitorch.no_grad():
        for images, targets in loader:
            predictions.append(model(images).argmax(1).data)
            labels.append(targets.data)
    model.train()
    predicted = np.concatenate(predictions)
    return float(np.mean(predicted == np.concatenate(labels))), predicted


def train(args: argparse.Namespace) -> float:
    minitorch.manual_seed(args.seed)
    train_set = MNIST(args.data_root, train=True, transform=mnist_transform())
    test_set = MNIST(args.data_root, train=False, transform=mnist_transform())
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, drop_last=True,
                              generator=np.random.default_rng(args.seed))
    test_loader = DataLoader(test_set, batch_size=1000)
    steps_per_epoch = min(len(train_loader), args.limit or len(train_loader))

    model = LeNet5()
    optimizer = minitorch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True,
                                    weight_decay=5e-4)
    scheduler = minitorch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs,
                                                        steps_per_epoch=steps_per_epoch)
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        seen, epoch_start = 0, time.perf_counter()
        batches = itertools.islice(train_loader, steps_per_epoch)
        bar = tqdm(batches, total=steps_per_epoch, desc=f"epoch {epoch}/{args.epochs}", unit="batch")
        for step, (images, labels) in enumerate(bar, start=1):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            scheduler.step()
            seen += len(images)
            if step % 10 == 0:
                rate = seen / (time.perf_counter() - epoch_start)
                bar.set_postfix(loss=f"{loss.item():.4f}", images_per_s=f"{rate:.0f}")
    train_seconds = time.perf_counter() - start
    accuracy, _ = evaluate(model, test_loader)
    print(f"trained {args.epochs} epoch(s) in {train_seconds:.1f} s; "
          f"test accuracy {accuracy:.2%} on {len(test_set)} images")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    minitorch.save(model.state_dict(), args.out)
    print(f"saved the weights to {args.out}")
    return accuracy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minitorch.examples.mnist",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.05, help="peak learning rate of the one-cycle schedule")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=0, help="at most this many batches per epoch (0: all)")
    parser.add_argument("--data-root", type=Path, default=None,
                        help="folder with mnist/ (default: $MINITORCH_DATA, else ../shared/data)")
    parser.add_argument("--out", type=Path, default=Path("runs/mnist_lenet5.npz"),
                        help="where to save the weights")
    parser.add_argument("--check-torch", action="store_true",
                        help="load the saved weights into the torch twin and compare its test accuracy")
    args = parser.parse_args(argv)
    train(args)
    if args.check_torch:
        command = [sys.executable, "-m", "comparisons.mnist_twin", str(args.out)]
        if args.data_root is not None:
            command += ["--data-root", str(args.data_root)]
        return subprocess.call(command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
