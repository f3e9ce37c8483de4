"""`python -m comparisons.mnist_twin WEIGHTS`: do minitorch's LeNet-5 weights score the same in torch?

Loads a state dict saved by `minitorch.save` (e.g. by `python -m minitorch.examples.mnist`)
into both minitorch's LeNet5 and its torch twin, runs both on the full 10,000-image MNIST
test set with the same preprocessing, and prints both accuracies and how many predictions
differ. Exits 1 if any prediction differs (equal accuracies can hide swapped mistakes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

import minitorch
from comparisons.twins import LeNet5 as TorchLeNet5
from minitorch.data import MNIST, DataLoader
from minitorch.examples.mnist import evaluate, mnist_transform
from minitorch.nn.models import LeNet5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m comparisons.mnist_twin",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("weights", type=Path, help="a LeNet-5 state dict saved by minitorch.save")
    parser.add_argument("--data-root", type=Path, default=None)
    args = parser.parse_args(argv)

    state = minitorch.load(args.weights)
    mt_model = LeNet5()
    mt_model.load_state_dict(state)
    torch_model = TorchLeNet5()
    torch_model.load_state_dict({k: torch.from_numpy(v.data.copy()) for k, v in state.items()})
    torch_model.eval()

    loader = DataLoader(MNIST(args.data_root, train=False, transform=mnist_transform()), batch_size=1000)
    _, mt_predicted = evaluate(mt_model, loader)
    torch_predicted = []
    with torch.no_grad():
        for images, _ in loader:
            torch_predicted.append(torch_model(torch.from_numpy(images.data)).argmax(1).numpy())
    return compare_predictions(mt_predicted, np.concatenate(torch_predicted), loader.dataset.targets.data)


def compare_predictions(mt_predicted: np.ndarray, torch_predicted: np.ndarray, labels: np.ndarray) -> int:
    """Print both accuracies and the number of differing predictions; 0 only if none differs."""
    differ = int(np.sum(torch_predicted != mt_predicted))
    print(f"minitorch LeNet5: {np.mean(mt_predicted == labels):.2%}   "
          f"torch twin: {np.mean(torch_predicted == labels):.2%}   "
          f"predictions that differ: {differ} of {len(labels)}")
    return 0 if differ == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
