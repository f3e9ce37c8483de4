"""Losses with a fused backward: cross entropy (softmax + negative log likelihood in one node),
NLL, binary cross entropy, and binary cross entropy on logits.

Cross entropy and NLL share one picture. For each sample i (class axis 1), a row of target
weights q_i says how much each class's log-probability counts:

- class-index targets y: q_ic = (1 - s) w_y [c = y_i] + (s / C) w_c, with s the label
  smoothing and w the class weights (all ones by default); q_i = 0 where y_i == ignore_index;
- probability targets t: q_ic = w_c ((1 - s) t_ic + s / C).

Then loss_i = -sum_c q_ic log p_ic. For NLL the input *is* log p, so dx_ic = -q_ic. For cross
entropy log p = log_softmax(x), and since d(log p_ic)/dx_ik = [c = k] - p_ik,

    dx_i = p_i * sum_c(q_ic) - q_i,

which for a one-hot target is the famous softmax(x) - onehot(y). No log of a softmax is ever
taken (log_softmax is computed as x - logsumexp(x)), so it never overflows.

Reductions: 'none' keeps loss_i; 'sum' adds them; 'mean' divides the sum by the total target
weight sum_i w_{y_i} over non-ignored samples (for probability targets by the sample count),
exactly as torch does.
"""

from __future__ import annotations

import numpy as np

from minitorch.autograd import Function
from minitorch.ops.elementwise import stable_sigmoid
from minitorch.ops.reductions import log_softmax
from minitorch.tensor import Tensor

_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(op: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")


def _reduce(loss: np.ndarray, reduction: str, divisor: float | np.ndarray) -> np.ndarray:
    """Apply the reduction to per-element losses (the forward half)."""
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    with np.errstate(divide="ignore", invalid="ignore"):  # every sample ignored: 0 / 0 = nan, as torch
        return (total / divisor).astype(loss.dtype)


def _unreduce(grad: np.ndarray, reduction: str, divisor: float | np.ndarray,
              shape: tuple[int, ...]) -> np.ndarray:
    """dL/d(per-element loss) from dL/d(reduced loss) (the backward half of `_reduce`)."""
    if reduction == "none":
        return grad
    if reduction == "mean":  # every sample ignored: torch's gradient is 0, not nan
        grad = (grad / divisor).astype(grad.dtype) if divisor else np.zeros_like(grad)
    return np.broadcast_to(grad, shape)


def _class_weights(x: np.ndarray, target: np.ndarray, weight: np.ndarray | None, ignore_index: int,
                   label_smoothing: float) -> tuple[np.ndarray, np.ndarray | float]:
    """The target weights q (shape of x, classes on axis 1) and the 'mean' divisor (see above)."""
    classes = x.shape[1]
    w = np.ones(classes, dtype=x.dtype) if weight is None else weight.astype(x.dtype, copy=False)
    w_b = w.reshape((1, classes) + (1,) * (x.ndim - 2))  # broadcasts along the class axis
    s = label_smoothing
    if target.dtype.kind == "f":  # class probabilities
        q = w_b * ((1 - s) * target + s / classes)
        return q.astype(x.dtype, copy=False), x.size / classes
    valid = target != ignore_index
    safe = np.where(valid, target, 0)[:, None]
    q = np.zeros_like(x) if s == 0 else np.broadcast_to(w_b * x.dtype.type(s / classes), x.shape).copy()
    w_y = w[safe] * valid[:, None]
    np.put_along_axis(q, safe, np.take_along_axis(q, safe, axis=1) + (1 - s) * w_y, axis=1)
    q *= valid[:, None]
    return q, w_y.sum()


class CrossEntropy(Function):
    """loss_i = -sum_c q_ic log_softmax(x)_ic;  dx_i = g_i (softmax(x_i) sum_c q_ic - q_i).
    torch.nn.functional.cross_entropy"""

    op_name = "cross_entropy"

    def forward(self, x: np.ndarray, target: np.ndarray, weight: np.ndarray | None, ignore_index: int,
                label_smoothing: float, reduction: str) -> np.ndarray:
        shifted = x - x.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        q, self.divisor = _class_weights(x, target, weight, ignore_index, label_smoothing)
        self.save_for_backward(log_p, q)
        self.reduction = reduction
        return _reduce(-(q * log_p).sum(axis=1), reduction, self.divisor)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        log_p, q = self.saved_tensors
        shape = log_p.shape[:1] + log_p.shape[2:]
        g = _unreduce(grad, self.reduction, self.divisor, shape)[:, None]
        return g * (np.exp(log_p) * q.sum(axis=1, keepdims=True) - q)

    def composite(self, x: Tensor) -> Tensor:
        """Softmax and NLL as two ops: -sum_c q_c log_softmax(x)_c, reduced."""
        (_, q) = self.saved_tensors
        return _reduce_tensor(-(Tensor(q) * log_softmax(x, 1)).sum(1), self.reduction, self.divisor)


class NLLLoss(Function):
    """loss_i = -sum_c q_ic x_ic (x holds log-probabilities);  dx_i = -g_i q_i.
    torch.nn.functional.nll_loss"""

    op_name = "nll_loss"

    def forward(self, x: np.ndarray, target: np.ndarray, weight: np.ndarray | None, ignore_index: int,
                reduction: str) -> np.ndarray:
        q, self.divisor = _class_weights(x, target, weight, ignore_index, 0.0)
        self.save_for_backward(q)
        self.reduction = reduction
        return _reduce(-(q * x).sum(axis=1), reduction, self.divisor)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (q,) = self.saved_tensors
        shape = q.shape[:1] + q.shape[2:]
        return -_unreduce(grad, self.reduction, self.divisor, shape)[:, None] * q

    def composite(self, x: Tensor) -> Tensor:
        (q,) = self.saved_tensors
        return _reduce_tensor(-(Tensor(q) * x).sum(1), self.reduction, self.divisor)


# torch's BCE backward clamps p (1 - p) at its EPSILON, a C++ float 1e-12: 9.999999960e-13 also in float64.
BCE_EPSILON = np.float32(1e-12)


class BinaryCrossEntropy(Function):
    """loss = -w (y log p + (1 - y) log(1 - p)), each log clamped at -100 as in torch.
    torch.nn.functional.binary_cross_entropy

    dp = g w (p - y) / max(p (1 - p), eps);  dy = -g w log(p / (1 - p)) (torch's formulas; torch's
    eps is the float 1e-12, 9.99999996e-13 in float64, so minitorch uses the same number).
    """

    op_name = "binary_cross_entropy"

    def forward(self, p: np.ndarray, y: np.ndarray, weight: np.ndarray | None, reduction: str) -> np.ndarray:
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100)
            log_1mp = np.maximum(np.log1p(-p), -100)
        w = np.ones((), dtype=p.dtype) if weight is None else weight.astype(p.dtype, copy=False)
        self.save_for_backward(p, y, w)
        self.reduction = reduction
        return _reduce(-w * (y * log_p + (1 - y) * log_1mp), reduction, p.size)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        p, y, w = self.saved_tensors
        g = _unreduce(grad, self.reduction, p.size, p.shape) * w
        eps = p.dtype.type(BCE_EPSILON)
        dp = g * (p - y) / np.maximum(p * (1 - p), eps) if self.needs_input_grad[0] else None
        with np.errstate(divide="ignore"):
            dy = -g * (np.log(p) - np.log1p(-p)) if self.needs_input_grad[1] else None
        return dp, dy

    def composite(self, p: Tensor, y: Tensor) -> Tensor:
        """The loss from differentiable ops (without the eps of the first-order formula above:
        torch's own double backward differs from it too, see the double_backward cases)."""
        (_, _, w) = self.saved_tensors
        log_p, log_1mp = p.log().clamp(min=-100), (1 - p).log().clamp(min=-100)
        return _reduce_tensor(-Tensor(w) * (y * log_p + (1 - y) * log_1mp), self.reduction, p.numel())


class BinaryCrossEntropyWithLogits(Function):
    """loss = w ((1 - y) x + l softplus(-x)), l = 1 + (pos_weight - 1) y: the same as
    binary_cross_entropy(sigmoid(x), y) with positives weighted by pos_weight, but computed
    from x so it never takes the log of 0. softplus(-x) = log(1 + e^-x) = max(-x, 0) +
    log(e^-max(-x, 0) + e^(-x - max(-x, 0))). torch.nn.functional.binary_cross_entropy_with_logits

    dx = g w ((1 - y) - l sigmoid(-x));  dy = g w (-x + (pos_weight - 1) softplus(-x)).
    """

    op_name = "binary_cross_entropy_with_logits"

    def forward(self, x: np.ndarray, y: np.ndarray, weight: np.ndarray | None,
                pos_weight: np.ndarray | None, reduction: str) -> np.ndarray:
        m = np.maximum(-x, 0)
        softplus_neg = m + np.log(np.exp(-m) + np.exp(-x - m))
        extra = np.zeros((), dtype=x.dtype) if pos_weight is None else pos_weight.astype(x.dtype) - 1
        w = np.ones((), dtype=x.dtype) if weight is None else weight.astype(x.dtype, copy=False)
        self.save_for_backward(x, y, w, extra, softplus_neg)
        self.reduction = reduction
        return _reduce(w * ((1 - y) * x + (1 + extra * y) * softplus_neg), reduction, x.size)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, y, w, extra, softplus_neg = self.saved_tensors
        g = _unreduce(grad, self.reduction, x.size, x.shape) * w
        sigmoid_neg = stable_sigmoid(-x)
        dx = g * ((1 - y) - (1 + extra * y) * sigmoid_neg) if self.needs_input_grad[0] else None
        dy = g * (-x + extra * softplus_neg) if self.needs_input_grad[1] else None
        return dx, dy

    def composite(self, x: Tensor, y: Tensor) -> Tensor:
        """The loss from differentiable ops; m = max(-x, 0) enters as a constant (softplus(-x) =
        m + log(e^-m + e^(-x-m)) holds for any m, so no derivative depends on it)."""
        (_, _, w, extra, _) = self.saved_tensors
        m = Tensor(np.maximum(-x.data, 0))
        softplus_neg = m + ((-m).exp() + (-x - m).exp()).log()
        loss = Tensor(w) * ((1 - y) * x + (1 + Tensor(extra) * y) * softplus_neg)
        return _reduce_tensor(loss, self.reduction, x.numel())


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------

def _class_input(op: str, input: Tensor, target: Tensor, weight: Tensor | None,  # noqa: A002
                 ignore_index: int) -> tuple[Tensor, np.ndarray, np.ndarray | None]:
    """Check shapes; an unbatched input (C,) becomes (1, C). Returns input, target, weight arrays."""
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have at least 1 dim (C,) or (N, C, ...), got shape ()")
    t = target.data
    if input.ndim == 1:
        input, t = input.reshape(1, -1), t.reshape((1,) + t.shape)
    classes = input.shape[1]
    if t.dtype.kind == "f":
        t = t.astype(input.dtype, copy=False)
        if t.shape != input.shape:
            raise ValueError(
                f"{op}: probability targets must have the input's shape, got input {input.shape} and "
                f"target {target.shape}"
            )
    elif t.dtype.kind in "iu":
        if t.shape != input.shape[:1] + input.shape[2:]:
            raise ValueError(
                f"{op}: expected target of shape {input.shape[:1] + input.shape[2:]} for input of shape "
                f"{input.shape}, got {target.shape}"
            )
        bad = (t != ignore_index) & ((t < 0) | (t >= classes))
        if bad.any():
            raise IndexError(f"{op}: target {t[bad].flat[0]} is out of bounds for {classes} classes")
    else:
        raise TypeError(f"{op}: target must hold class indices (int) or probabilities (float), got {t.dtype}")
    if weight is not None and weight.shape != (classes,):
        raise RuntimeError(
            f"{op}: weight should have shape ({classes},) for {classes} classes, got {weight.shape}"
        )
    return input, t, None if weight is None else weight.data


def _unbatched(output: Tensor, input: Tensor, reduction: str) -> Tensor:
    return output.reshape(()) if input.ndim == 1 and reduction == "none" else output


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy between softmax(input) over dim 1 and class indices or probabilities."""
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    x, t, w = _class_input("cross_entropy", input, target, weight, ignore_index)
    if t.dtype.kind == "f" and target.requires_grad:
        soft = target.reshape(x.shape).to(x.dtype)
        out = _soft_cross_entropy(x, soft, weight, label_smoothing, reduction)
    else:
        out = CrossEntropy.apply(x, target=t, weight=w, ignore_index=ignore_index,
                                 label_smoothing=label_smoothing, reduction=reduction)
    return _unbatched(out, input, reduction)


def _soft_cross_entropy(x: Tensor, target: Tensor, weight: Tensor | None, label_smoothing: float,
                        reduction: str) -> Tensor:
    """Cross entropy with probability targets that require grad, written with differentiable ops
    (torch's own formula for this case), so the target gets its gradient too:
    loss_i = -sum_c w_c q_ic log_softmax(x)_ic with q = (1 - s) t + s / C;
    dL/dt_ic = -g_i w_c (1 - s) log_softmax(x)_ic. 'mean' divides by the number of samples."""
    classes = x.shape[1]
    q = target if label_smoothing == 0 else target * (1 - label_smoothing) + label_smoothing / classes
    terms = log_softmax(x, 1) * q
    if weight is not None:
        terms = terms * weight.to(x.dtype).reshape((1, classes) + (1,) * (x.ndim - 2))
    if reduction == "none":
        return -terms.sum(1)
    return -terms.sum() if reduction == "sum" else -terms.sum() / (x.data.size // classes)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of class indices, given log-probabilities over dim 1."""
    _check_reduction("nll_loss", reduction)
    x, t, w = _class_input("nll_loss", input, target, weight, ignore_index)
    if t.dtype.kind == "f":
        raise TypeError(f"nll_loss: target must hold class indices (int), got {t.dtype}")
    out = NLLLoss.apply(x, target=t, weight=w, ignore_index=ignore_index, reduction=reduction)
    return _unbatched(out, input, reduction)


def _same_shape(op: str, input: Tensor, target: Tensor) -> None:  # noqa: A002
    if input.shape != target.shape:
        raise ValueError(
            f"{op}: target size {target.shape} must be the same as input size {input.shape}"
        )


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                         reduction: str = "mean") -> Tensor:
    """-w (y log p + (1 - y) log(1 - p)) for probabilities p = input."""
    _check_reduction("binary_cross_entropy", reduction)
    _same_shape("binary_cross_entropy", input, target)
    return BinaryCrossEntropy.apply(input, target.to(input.dtype),
                                    weight=None if weight is None else weight.data, reduction=reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """binary_cross_entropy(sigmoid(input), target), computed stably, positives weighted by pos_weight."""
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    _same_shape("binary_cross_entropy_with_logits", input, target)
    return BinaryCrossEntropyWithLogits.apply(
        input, target.to(input.dtype), weight=None if weight is None else weight.data,
        pos_weight=None if pos_weight is None else pos_weight.data, reduction=reduction)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """(input - target)^2, reduced."""
    _check_reduction("mse_loss", reduction)
    diff = input - target
    return _reduce_tensor(diff * diff, reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """|input - target|, reduced (the gradient at 0 is 0, as in torch)."""
    _check_reduction("l1_loss", reduction)
    return _reduce_tensor((input - target).abs(), reduction)


def _reduce_tensor(loss: Tensor, reduction: str, divisor: float | np.ndarray | None = None) -> Tensor:
    """`_reduce` with differentiable ops; 'mean' divides by `divisor` when given."""
    if reduction == "mean" and divisor is not None:
        return loss.sum() / divisor if divisor else loss.sum() * 0
    return loss if reduction == "none" else loss.mean() if reduction == "mean" else loss.sum()
