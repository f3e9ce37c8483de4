"""Reference solutions for the project chapters (MNIST, CIFAR-10, text sentiment): minitorch for
the training step, the project's own `Vocab`, and NumPy for the bookkeeping."""

from __future__ import annotations

import numpy as np

import minitorch
import minitorch.nn.functional as mF
from projects.common.vocab import Vocab


def mlp_train_step(x: np.ndarray, labels: np.ndarray, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray,
                   b2: np.ndarray, lr: float) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One SGD step of linear-relu-linear with mean cross-entropy, by minitorch's autograd."""
    params = [minitorch.Tensor(np.array(p), requires_grad=True) for p in (w1, b1, w2, b2)]
    optimizer = minitorch.optim.SGD(params, lr=lr)
    hidden = mF.relu(mF.linear(minitorch.Tensor(x), params[0], params[1]))
    loss = mF.cross_entropy(mF.linear(hidden, params[2], params[3]), minitorch.Tensor(labels))
    loss.backward()
    optimizer.step()
    return (float(loss.data), *(p.data for p in params))


def accuracy_and_confusion(logits: np.ndarray, labels: np.ndarray,
                           num_classes: int) -> tuple[float, np.ndarray]:
    """Top-1 accuracy and the (true, predicted) count matrix."""
    predicted = logits.argmax(axis=1)
    counts = np.bincount(labels * num_classes + predicted, minlength=num_classes * num_classes)
    return float((predicted == labels).mean()), counts.reshape(num_classes, num_classes)


def random_crop_flip(images: np.ndarray, padding: int, offsets: np.ndarray, flips: np.ndarray) -> np.ndarray:
    """Zero-pad, crop the original size at offsets[n] = (top, left), then mirror where flips[n]."""
    _, _, height, width = images.shape
    padded = np.pad(images, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    crops = np.stack([padded[n, :, top:top + height, left:left + width]
                      for n, (top, left) in enumerate(offsets)])
    return np.where(flips[:, None, None, None], crops[..., ::-1], crops)


def build_vocab(texts: list[list[str]], min_count: int, query: list[str]) -> tuple[list[str], np.ndarray]:
    """The project's vocabulary (`projects.common.vocab.Vocab`) and the indices of `query`."""
    vocab = Vocab.build(texts, min_freq=min_count)
    return vocab.itos, np.array(vocab.encode(query), dtype=np.int64)


def pad_and_sort(sequences: list[np.ndarray], pad_value: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Longest first (stable), padded on the right to the longest: (padded, lengths, order)."""
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    order = np.argsort(-lengths, kind="stable")
    padded = np.full((len(sequences), lengths.max(initial=0)), pad_value, dtype=np.int64)
    for row, index in enumerate(order):
        padded[row, :lengths[index]] = sequences[index]
    return padded, lengths[order], order


def birnn_pool(out: np.ndarray, h_n: np.ndarray,
               lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Final states read from `out` itself (forward at t = length - 1, backward at t = 0), and the
    mean and max over each sequence's real steps."""
    batch, steps, both = out.shape
    hidden = both // 2
    final = np.concatenate([out[np.arange(batch), lengths - 1, :hidden], out[:, 0, hidden:]], axis=1)
    real = (np.arange(steps)[None, :] < lengths[:, None])[:, :, None]
    mean = (out * real).sum(axis=1) / lengths[:, None]
    return final, mean, np.where(real, out, -np.inf).max(axis=1)
