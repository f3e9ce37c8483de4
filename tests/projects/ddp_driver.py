"""Run ``projects.mnist`` under torchrun and record, per process, which training examples it
loaded and the weights it ended with (read by ``test_training.py``'s DDP test).

    torchrun --nproc_per_node 2 tests/projects/ddp_driver.py RECORD_DIR <projects.mnist flags>
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset

import projects.mnist.__main__ as mnist


class RecordingDataset(Dataset):
    """A dataset that notes every index it is asked for."""

    def __init__(self, dataset: Dataset, seen: list[int]) -> None:
        self.dataset, self.seen = dataset, seen

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> Any:
        self.seen.append(int(i))
        return self.dataset[i]


def main() -> None:
    record, argv = Path(sys.argv[1]), sys.argv[2:]
    rank = int(os.environ.get("RANK", 0))
    seen: list[int] = []
    original_make_loader, original_evaluate = mnist.make_loader, mnist.evaluate

    def make_loader(dataset: Dataset, *args: Any, shuffle: bool, **kwargs: Any) -> Any:
        if shuffle:  # the training loader
            dataset = RecordingDataset(dataset, seen)
        return original_make_loader(dataset, *args, shuffle=shuffle, **kwargs)

    def evaluate(model: torch.nn.Module, *args: Any, **kwargs: Any) -> Any:
        torch.save(model.state_dict(), record / f"weights_rank{rank}.pt")  # after every epoch
        return original_evaluate(model, *args, **kwargs)

    mnist.make_loader, mnist.evaluate = make_loader, evaluate
    mnist.main(argv)
    (record / f"seen_rank{rank}.json").write_text(json.dumps(seen))


if __name__ == "__main__":
    main()
