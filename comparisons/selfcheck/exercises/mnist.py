"""Chapter: the MNIST project (MNIST 项目): one training step of an MLP by hand, and the metrics."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from comparisons.selfcheck.exercise import Case, Classic, Exercise, register
from comparisons.selfcheck.exercises.common import randn, tensor
from comparisons.selfcheck.solutions.projects import accuracy_and_confusion, mlp_train_step

# ---------------------------------------------------------------------------------------------
# One SGD step of an MLP
# ---------------------------------------------------------------------------------------------


def _mlp_cases(rng: np.random.Generator) -> list[Case]:
    def case(label: str, n: int, d: int, h: int, c: int, lr: float, b1_shift: float = 0.0) -> Case:
        return Case(label, (randn(rng, n, d), rng.integers(0, c, n), randn(rng, h, d, scale=0.5),
                            randn(rng, h, scale=0.1) + b1_shift, randn(rng, c, h, scale=0.5),
                            randn(rng, c, scale=0.1), lr))

    return [
        case("batch 8, 784 -> 16 -> 10 (an MNIST batch, small)", 8, 784, 16, 10, 0.1),
        case("batch 5, 6 -> 7 -> 3", 5, 6, 7, 3, 0.5),
        case("one sample", 1, 4, 3, 2, 1.0),
        case("dead ReLUs (negative pre-activations)", 6, 5, 4, 3, 0.3, b1_shift=-1.5),
    ]


def _torch_step(x: np.ndarray, labels: np.ndarray, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray,
                b2: np.ndarray, lr: float) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    params = [tensor(p, requires_grad=True) for p in (w1, b1, w2, b2)]
    optimizer = torch.optim.SGD(params, lr=lr)
    logits = F.linear(torch.relu(F.linear(tensor(x), params[0], params[1])), params[2], params[3])
    loss = F.cross_entropy(logits, torch.as_tensor(labels))
    loss.backward()
    optimizer.step()
    return (loss.item(), *(p.detach().numpy() for p in params))


def _numpy_step(x: np.ndarray, labels: np.ndarray, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray,
                b2: np.ndarray, lr: float, mistake: str = "") -> tuple[float, ...]:
    """The step in NumPy, with one classic mistake switched on by name."""
    pre = x @ w1.T + b1
    hidden = np.maximum(pre, 0)
    logits = hidden @ w2.T + b2
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    n = len(labels)
    loss = -np.log(probs[np.arange(n), labels]).mean()
    dlogits = probs.copy()
    dlogits[np.arange(n), labels] -= 1
    dlogits /= 1 if mistake == "sum" else n
    dhidden = dlogits @ w2
    dpre = dhidden if mistake == "no relu" else dhidden * (pre > 0)
    grads = [dpre.T @ x, dpre.sum(axis=0), dlogits.T @ hidden, dlogits.sum(axis=0)]
    if mistake == "mean bias":
        grads[1], grads[3] = grads[1] / n, grads[3] / n
    sign = -1 if mistake == "ascent" else 1
    new = [p - sign * lr * g for p, g in zip((w1, b1, w2, b2), grads, strict=True)]
    if mistake == "loss after":
        loss = _numpy_step(x, labels, *new, lr=0.0)[0]
    return (float(loss), *new)


MLP_TRAIN_STEP = Exercise(
    name="mlp_train_step", chapter="mnist", difficulty=3,
    title="One training step of an MLP by hand",
    signature="mlp_train_step(x: np.ndarray, labels: np.ndarray, w1: np.ndarray, b1: np.ndarray,"
              " w2: np.ndarray, b2: np.ndarray, lr: float)"
              " -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]",
    doc="""\
One SGD step of the MNIST MLP, all by hand: forward, loss, backward, update.

Inputs: x (N, D) a batch of flattened images; labels (N,) integers in [0, C); the weights of
    Linear(D, H) -> ReLU -> Linear(H, C) in torch's layout: w1 (H, D), b1 (H,), w2 (C, H),
    b2 (C,); lr the learning rate.
Return (loss, w1_new, b1_new, w2_new, b2_new): the mean cross-entropy of this batch computed
    BEFORE the update (a float), and the four parameters after one plain SGD step.
Math: a = x w1^T + b1,  h = relu(a),  z = h w2^T + b2,  p = softmax(z) row by row,
    loss = -(1/N) sum_i log p[i, labels_i]
    dz = (p - onehot(labels)) / N;  dw2 = dz^T h;  db2 = sum_i dz_i;  dh = dz w2
    da = dh * [a > 0];  dw1 = da^T x;  db1 = sum_i da_i;   w <- w - lr * dw (each parameter)
Hint: reuse your softmax_cross_entropy_backward for dz. The bias gradients SUM over the batch
    (the 1/N is already inside dz).
PyTorch: model = nn.Sequential(nn.Linear(D, H), nn.ReLU(), nn.Linear(H, C)) with these weights;
    opt = torch.optim.SGD(model.parameters(), lr); loss = F.cross_entropy(model(x), labels);
    opt.zero_grad(); loss.backward(); opt.step()
""",
    make_cases=_mlp_cases,
    expected=_torch_step,
    reference=mlp_train_step,
    outputs=("loss", "w1", "b1", "w2", "b2"),
    classics=(
        Classic("the loss is the MEAN over the batch, so dz = (p - onehot) / N; your gradients are N "
                "times too large.", lambda *a: _numpy_step(*a, mistake="sum")),
        Classic("backpropagate through the ReLU: multiply dh by [a > 0] (the gradient is 0 where the "
                "unit was off).", lambda *a: _numpy_step(*a, mistake="no relu")),
        Classic("the bias gradient is the SUM of dz over the batch; dividing by N again counts the "
                "mean twice.", lambda *a: _numpy_step(*a, mistake="mean bias")),
        Classic("SGD steps AGAINST the gradient: w <- w - lr * dw (you climbed the loss).",
                lambda *a: _numpy_step(*a, mistake="ascent")),
        Classic("return the loss of the forward pass BEFORE the update (what loss.item() shows in "
                "a training loop), not after it.", lambda *a: _numpy_step(*a, mistake="loss after")),
    ),
    atol=1e-9, rtol=1e-7,
)

# ---------------------------------------------------------------------------------------------
# Accuracy and the confusion matrix
# ---------------------------------------------------------------------------------------------


def _metric_cases(rng: np.random.Generator) -> list[Case]:
    ties = np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0], [3.0, 0.0, 3.0], [0.5, 0.5, 0.5]])
    return [
        Case("batch 20, 10 classes", (randn(rng, 20, 10), rng.integers(0, 10, 20), 10)),
        Case("square: 4 samples, 4 classes", (randn(rng, 4, 4), np.array([0, 1, 2, 3]), 4)),
        Case("classes 3 and 4 never seen nor predicted",
             (randn(rng, 6, 5) - np.array([0, 0, 0, 9, 9]), rng.integers(0, 3, 6), 5)),
        Case("ties in the logits", (ties, np.array([1, 2, 0, 2]), 3)),
        Case("one sample", (randn(rng, 1, 3), np.array([2]), 3)),
    ]


def _torch_metrics(logits: np.ndarray, labels: np.ndarray, num_classes: int) -> tuple[float, np.ndarray]:
    predicted = torch.argmax(tensor(logits), dim=1)  # the first maximum on ties
    truth = torch.as_tensor(labels)
    counts = torch.bincount(truth * num_classes + predicted, minlength=num_classes * num_classes)
    return (predicted == truth).double().mean().item(), counts.reshape(num_classes, num_classes).numpy()


def _last_maximum(logits: np.ndarray, labels: np.ndarray, num_classes: int) -> tuple[float, np.ndarray]:
    flipped = logits.shape[1] - 1 - logits[:, ::-1].argmax(axis=1)
    return accuracy_and_confusion(np.eye(num_classes)[flipped], labels, num_classes)


def _transposed(logits: np.ndarray, labels: np.ndarray, num_classes: int) -> tuple[float, np.ndarray]:
    accuracy, confusion = accuracy_and_confusion(logits, labels, num_classes)
    return accuracy, confusion.T


def _count(logits: np.ndarray, labels: np.ndarray, num_classes: int) -> tuple[float, np.ndarray]:
    accuracy, confusion = accuracy_and_confusion(logits, labels, num_classes)
    return accuracy * len(labels), confusion


def _seen_classes_only(logits: np.ndarray, labels: np.ndarray, num_classes: int) -> tuple[float, np.ndarray]:
    seen = int(max(labels.max(), logits.argmax(axis=1).max())) + 1
    return accuracy_and_confusion(logits, labels, seen)


ACCURACY_CONFUSION = Exercise(
    name="accuracy_and_confusion", chapter="mnist", difficulty=1,
    title="Accuracy and the confusion matrix",
    signature="accuracy_and_confusion(logits: np.ndarray, labels: np.ndarray, num_classes: int)"
              " -> tuple[float, np.ndarray]",
    doc="""\
How good a classifier's predictions are: top-1 accuracy and the confusion matrix.

Inputs: logits (N, C) floats, one row of class scores per sample; labels (N,) integers in
    [0, num_classes); num_classes = C.
Return (accuracy, confusion): accuracy, the fraction of samples whose predicted class (the
    argmax of its row; on a tie the FIRST maximum, as torch.argmax) equals its label, a float
    in [0, 1]; confusion, integers of shape (num_classes, num_classes) where
    confusion[t, p] counts the samples of true class t predicted as p.
Math: pred_i = argmax_j logits[i, j];  accuracy = (1/N) sum_i [pred_i == labels_i];
    confusion[t, p] = #{i : labels_i = t and pred_i = p}; the diagonal holds the correct ones.
Hint: np.bincount(labels * C + pred, minlength=C * C).reshape(C, C) counts every pair at once;
    minlength keeps the shape when a class never occurs.
PyTorch: pred = logits.argmax(1); (pred == labels).float().mean();
    torch.bincount(labels * C + pred, minlength=C * C).reshape(C, C)
""",
    make_cases=_metric_cases,
    expected=_torch_metrics,
    reference=accuracy_and_confusion,
    outputs=("accuracy", "confusion"),
    classics=(
        Classic("rows are the TRUE classes and columns the predicted ones: confusion[label, pred].",
                _transposed),
        Classic("accuracy is a fraction of the batch (divide the number correct by N).", _count),
        Classic("on a tie, argmax picks the FIRST maximum (np.argmax and torch.argmax agree).",
                _last_maximum),
        Classic("the matrix is num_classes x num_classes even when a class never appears "
                "(np.bincount(..., minlength=C * C)).", _seen_classes_only),
    ),
)

register(MLP_TRAIN_STEP, ACCURACY_CONFUSION)
