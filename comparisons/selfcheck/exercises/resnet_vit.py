"""Chapter: ResNet and ViT (ResNet 与 ViT): batch norm, layer norm, patches, attention."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

import minitorch
import minitorch.nn.functional as mF
from comparisons.selfcheck.exercise import Case, Classic, Exercise, register
from comparisons.selfcheck.exercises.common import randn, tensor, torch_vjp
from comparisons.selfcheck.solutions import cnn
from comparisons.selfcheck.solutions.adapters import vjp
from minitorch.nn.attention import scaled_dot_product_attention

Tensor = minitorch.Tensor
Arrays = tuple[np.ndarray, ...]

# ---------------------------------------------------------------------------------------------
# Batch norm, training mode
# ---------------------------------------------------------------------------------------------


def _bn_forward_cases(rng: np.random.Generator) -> list[Case]:
    def case(label: str, shape: tuple[int, ...], momentum: float = 0.1, eps: float = 1e-5,
             scale: float = 1.0) -> Case:
        c = shape[1]
        x = randn(rng, *shape, scale=scale) + rng.standard_normal(c).reshape((1, c) + (1,) * (len(shape) - 2))
        stats = (rng.standard_normal(c) * 0.1, rng.uniform(0.5, 1.5, c))
        return Case(label, (x, randn(rng, c), randn(rng, c), *stats, momentum, eps))

    return [
        case("(N, C) = (8, 3)", (8, 3)),
        case("(N, C, H, W) = (4, 2, 3, 3)", (4, 2, 3, 3)),
        case("batch of 2 (unbiased factor 2)", (2, 4)),
        case("size-1 spatial (3, 2, 1, 1)", (3, 2, 1, 1)),
        case("momentum 0.5, eps 1e-3", (5, 3), momentum=0.5, eps=1e-3),
        case("large values (scale 1e3)", (6, 2), scale=1e3),
    ]


def _bn_numpy(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, rm: np.ndarray, rv: np.ndarray,
              momentum: float, eps: float, ddof_norm: int = 0, ddof_running: int = 1,
              swap_momentum: bool = False, axes: tuple[int, ...] | None = None) -> tuple[np.ndarray, ...]:
    """Batch norm in NumPy with knobs that turn it into the classic mistakes."""
    axes = axes if axes is not None else (0, *range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean = x.mean(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(x.var(axis=axes, ddof=ddof_norm, keepdims=True) + eps)
    y = y * gamma.reshape(shape) + beta.reshape(shape)
    batch_mean = x.mean(axis=(0, *range(2, x.ndim)))
    batch_var = x.var(axis=(0, *range(2, x.ndim)), ddof=ddof_running)
    keep, new = (momentum, 1 - momentum) if swap_momentum else (1 - momentum, momentum)
    return y, keep * rm + new * batch_mean, keep * rv + new * batch_var


def _bn_forward_torch(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, rm: np.ndarray, rv: np.ndarray,
                      momentum: float, eps: float) -> tuple[np.ndarray, ...]:
    running = tensor(rm), tensor(rv)
    y = F.batch_norm(tensor(x), *running, tensor(gamma), tensor(beta), training=True, momentum=momentum,
                     eps=eps)
    return y.numpy(), running[0].numpy(), running[1].numpy()


def _bn_forward_minitorch(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, rm: np.ndarray,
                          rv: np.ndarray, momentum: float, eps: float) -> tuple[np.ndarray, ...]:
    running = Tensor(rm.copy()), Tensor(rv.copy())
    y = mF.batch_norm(Tensor(x), *running, Tensor(gamma), Tensor(beta), training=True, momentum=momentum,
                      eps=eps)
    return y.data, running[0].data, running[1].data


BATCHNORM_FORWARD = Exercise(
    name="batchnorm_forward_train", chapter="resnet_vit", difficulty=2,
    title="Batch norm forward, training mode (running statistics)",
    signature="batchnorm_forward_train(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, "
              "running_mean: np.ndarray, running_var: np.ndarray, momentum: float, eps: float)"
              " -> tuple[np.ndarray, np.ndarray, np.ndarray]",
    doc="""\
Batch normalization in training mode, and the update of its running statistics.

Shapes: x (N, C) or (N, C, H, W); gamma, beta, running_mean, running_var (C,).
    Return (y, new_running_mean, new_running_var): y of x's shape, the others (C,).
Math: per channel c, over the batch (and H, W), with m values per channel:
    mu = mean(x_c),  var = mean((x_c - mu)^2)            (biased: divide by m)
    y = gamma_c * (x - mu) / sqrt(var + eps) + beta_c
    new_running_mean = (1 - momentum) * running_mean + momentum * mu
    new_running_var  = (1 - momentum) * running_var  + momentum * var * m / (m - 1)  (unbiased)
Hint: axes = (0, 2, 3) for 4-d input, (0,) for 2-d; keepdims=True to broadcast back. Do not
    modify the running arrays you were given; return new ones. Note torch's momentum is the
    weight of the NEW value (the opposite of an optimizer's momentum).
PyTorch: torch.nn.functional.batch_norm(x, running_mean, running_var, gamma, beta,
    training=True, momentum=momentum, eps=eps)  (updates running_* in place; nn.BatchNorm2d)
""",
    make_cases=_bn_forward_cases,
    expected=_bn_forward_torch,
    reference=_bn_forward_minitorch,
    outputs=("y", "new_running_mean", "new_running_var"),
    classics=(
        Classic("normalize with the biased variance (divide by m); the unbiased one (m - 1) is "
                "only for the running estimate.",
                lambda *a: _bn_numpy(*a, ddof_norm=1)),
        Classic("the running variance is updated with the UNBIASED batch variance, var * m / (m - 1).",
                lambda *a: _bn_numpy(*a, ddof_running=0)),
        Classic("torch's momentum weighs the new batch statistic: new = (1 - momentum) * running "
                "+ momentum * batch. You swapped the two weights.",
                lambda *a: _bn_numpy(*a, swap_momentum=True)),
        Classic("batch norm's statistics are per channel over the batch AND the spatial dims "
                "(axes 0, 2, 3 for images).", lambda *a: _bn_numpy(*a, axes=(0,))),
    ),
)

# ---------------------------------------------------------------------------------------------
# Batch norm and layer norm backward
# ---------------------------------------------------------------------------------------------


def _norm_backward_cases(rng: np.random.Generator, shapes: list[tuple[str, tuple[int, ...]]],
                         channel_axis: int) -> list[Case]:
    cases = []
    for label, shape in shapes:
        x = randn(rng, *shape, scale=2) + 1.0
        cases.append(Case(label, (x, randn(rng, shape[channel_axis]), randn(rng, *shape), 1e-5)))
    return cases


def _bn_backward_cases(rng: np.random.Generator) -> list[Case]:
    shapes = [("(N, C) = (6, 3)", (6, 3)), ("(N, C, H, W) = (3, 2, 3, 3)", (3, 2, 3, 3)),
              ("batch of 2", (2, 4)), ("size-1 spatial (4, 3, 1, 1)", (4, 3, 1, 1))]
    return _norm_backward_cases(rng, shapes, 1)


def _stats_as_constants(x: np.ndarray, gamma: np.ndarray, grad_out: np.ndarray, eps: float,
                        stat_axes: tuple[int, ...], param_axes: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """The classic wrong backward that treats mean and variance as constants (gamma broadcasts)."""
    invstd = 1 / np.sqrt(x.var(axis=stat_axes, keepdims=True) + eps)
    xhat = (x - x.mean(axis=stat_axes, keepdims=True)) * invstd
    return grad_out * gamma * invstd, (grad_out * xhat).sum(axis=param_axes), grad_out.sum(axis=param_axes)


def _bn_shape(x: np.ndarray) -> tuple[int, ...]:
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _bn_backward_torch(x: np.ndarray, gamma: np.ndarray, grad_out: np.ndarray, eps: float) -> Arrays:
    return torch_vjp(lambda a, g, b: F.batch_norm(a, None, None, g, b, training=True, eps=eps),
                     [x, gamma, np.zeros_like(gamma)], grad_out)


BATCHNORM_BACKWARD = Exercise(
    name="batchnorm_backward", chapter="resnet_vit", difficulty=3,
    title="Batch norm backward (training mode)",
    signature="batchnorm_backward(x: np.ndarray, gamma: np.ndarray, grad_out: np.ndarray, eps: float)"
              " -> tuple[np.ndarray, np.ndarray, np.ndarray]",
    doc="""\
Gradients of training-mode batch norm y = gamma * xhat + beta with respect to x, gamma, beta.

Shapes: x and grad_out (N, C) or (N, C, H, W); gamma (C,). Return (dx, dgamma, dbeta) with
    dx of x's shape and dgamma, dbeta of shape (C,).
Math: per channel, over its m values (batch and spatial): mu, var (biased) of x,
    invstd = 1 / sqrt(var + eps), xhat = (x - mu) * invstd, g = grad_out.
    dbeta = sum(g),  dgamma = sum(g * xhat),
    dx = gamma * invstd / m * (m * g - sum(g) - xhat * sum(g * xhat)).
    mu and var depend on every x of the channel, which gives the two subtracted terms.
Hint: derive it once on paper through xhat; sums over axes (0, 2, 3) with keepdims=True.
PyTorch: y = F.batch_norm(x, None, None, gamma, beta, training=True, eps=eps);
    y.backward(grad_out); (x.grad, gamma.grad, beta.grad)
""",
    make_cases=_bn_backward_cases,
    expected=_bn_backward_torch,
    reference=lambda x, gamma, g, eps: vjp(
        lambda a, w, b: mF.batch_norm(a, None, None, w, b, training=True, eps=eps),
        [x, gamma, np.zeros_like(gamma)], g),
    outputs=("dx", "dgamma", "dbeta"),
    classics=(
        Classic("the batch mean and variance depend on x too: dx = gamma * invstd / m * "
                "(m g - sum(g) - xhat * sum(g xhat)), not just g * gamma * invstd.",
                lambda x, gamma, g, eps: _stats_as_constants(
                    x, gamma.reshape(_bn_shape(x)), g, eps, *(((0, *range(2, x.ndim)),) * 2))),
    ),
)


def _ln_backward_cases(rng: np.random.Generator) -> list[Case]:
    shapes = [("(N, D) = (4, 5)", (4, 5)), ("(B, T, D) = (2, 3, 6)", (2, 3, 6)),
              ("one row (1, 7)", (1, 7)), ("D = 2", (5, 2))]
    return _norm_backward_cases(rng, shapes, -1)


def _ln_backward_torch(x: np.ndarray, gamma: np.ndarray, grad_out: np.ndarray, eps: float) -> Arrays:
    return torch_vjp(lambda a, g, b: F.layer_norm(a, g.shape, g, b, eps=eps),
                     [x, gamma, np.zeros_like(gamma)], grad_out)


def _ln_unsummed_params(x: np.ndarray, gamma: np.ndarray, g: np.ndarray, eps: float) -> Arrays:
    dx, _, _ = _ln_backward_torch(x, gamma, g, eps)
    xhat = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps)
    return dx, g * xhat, g


LAYERNORM_BACKWARD = Exercise(
    name="layer_norm_backward", chapter="resnet_vit", difficulty=3,
    title="Layer norm backward",
    signature="layer_norm_backward(x: np.ndarray, gamma: np.ndarray, grad_out: np.ndarray, eps: float)"
              " -> tuple[np.ndarray, np.ndarray, np.ndarray]",
    doc="""\
Gradients of layer norm over the last dim, y = gamma * xhat + beta, w.r.t. x, gamma and beta.

Shapes: x and grad_out (..., D) (any leading dims); gamma (D,). Return (dx, dgamma, dbeta):
    dx of x's shape; dgamma, dbeta of shape (D,).
Math: per row (the last axis, D values): mu, var (biased), invstd = 1/sqrt(var + eps),
    xhat = (x - mu) * invstd, gh = grad_out * gamma.
    dx = invstd / D * (D * gh - sum(gh) - xhat * sum(gh * xhat))     (sums over the last axis)
    dgamma = sum over ALL leading positions of grad_out * xhat;  dbeta = sum of grad_out.
Hint: the same derivation as batch norm, along the other axis; gamma is inside the sums here.
PyTorch: y = F.layer_norm(x, (D,), gamma, beta, eps); y.backward(grad_out);
    (x.grad, gamma.grad, beta.grad)   (nn.LayerNorm, as in a ViT / Transformer block)
""",
    make_cases=_ln_backward_cases,
    expected=_ln_backward_torch,
    reference=lambda x, gamma, g, eps: vjp(
        lambda a, w, b: mF.layer_norm(a, w.shape, w, b, eps=eps), [x, gamma, np.zeros_like(gamma)], g),
    outputs=("dx", "dgamma", "dbeta"),
    classics=(
        Classic("the row mean and variance depend on x too: dx = invstd / D * (D gh - sum(gh) - "
                "xhat * sum(gh xhat)), not just grad_out * gamma * invstd.",
                lambda x, gamma, g, eps: _stats_as_constants(
                    x, gamma, g, eps, (-1,), tuple(range(x.ndim - 1)))),
        Classic("gamma and beta are shared by every row: sum their gradients over all leading "
                "dims to shape (D,).", _ln_unsummed_params),
    ),
)

# ---------------------------------------------------------------------------------------------
# ViT: patches and attention
# ---------------------------------------------------------------------------------------------


def _patch_cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case("(2, 3, 8, 8), patch 4", (randn(rng, 2, 3, 8, 8), 4)),
        Case("(1, 1, 6, 4), patch 2", (randn(rng, 1, 1, 6, 4), 2)),
        Case("one patch per image (3, 2, 3, 3), patch 3", (randn(rng, 3, 2, 3, 3), 3)),
        Case("patch 1 (1, 2, 2, 3)", (randn(rng, 1, 2, 2, 3), 1)),
    ]


def _patches_channels_last(images: np.ndarray, p: int) -> np.ndarray:
    n, c, h, w = images.shape
    return images.reshape(n, c, h // p, p, w // p, p).transpose(0, 2, 4, 3, 5, 1).reshape(n, -1, p * p * c)


def _patches_column_major(images: np.ndarray, p: int) -> np.ndarray:
    n, c, h, w = images.shape
    return images.reshape(n, c, h // p, p, w // p, p).transpose(0, 4, 2, 1, 3, 5).reshape(n, -1, c * p * p)


PATCHIFY = Exercise(
    name="patchify", chapter="resnet_vit", difficulty=1,
    title="ViT patches",
    signature="patchify(images: np.ndarray, patch_size: int) -> np.ndarray",
    doc="""\
Cut images into non-overlapping p x p patches and flatten each one (a ViT's first step).

Shapes: images (N, C, H, W) with H and W multiples of p. Return (N, L, C*p*p) with
    L = (H/p) * (W/p).
Math: patch l = r * (W/p) + s (row-major over the grid) holds
    images[n, :, r*p : (r+1)*p, s*p : (s+1)*p], flattened in (c, i, j) order (channel slowest),
    so that patches @ W.reshape(D, -1).T equals Conv2d(C, D, p, stride=p) flattened.
Hint: one reshape to (N, C, H/p, p, W/p, p), one transpose, one reshape.
PyTorch: torch.nn.functional.unfold(images, p, stride=p).transpose(1, 2)
    (ViT's patch embedding is nn.Conv2d(C, D, kernel_size=p, stride=p))
""",
    make_cases=_patch_cases,
    expected=lambda images, p: F.unfold(tensor(images), p, stride=p).transpose(1, 2).numpy(),
    reference=cnn.patchify,
    outputs=("patches",),
    classics=(
        Classic("flatten each patch channel-first, (c, i, j), to match the Conv2d patch embedding; "
                "you flattened (i, j, c).", _patches_channels_last),
        Classic("number the patches row by row over the grid (l = r * W/p + s); yours go column "
                "by column.", _patches_column_major),
    ),
)


def _attention_cases(rng: np.random.Generator) -> list[Case]:
    causal = np.tril(np.ones((5, 5), dtype=bool))
    padding = np.array([[True, True, True, False]])[:, None, None, :]  # (B=1, 1, 1, S)
    return [
        Case("no masking (2, 3, 4)", (randn(rng, 2, 3, 4), randn(rng, 2, 3, 4), randn(rng, 2, 3, 4),
                                       np.ones((3, 3), dtype=bool))),
        Case("causal mask, 2 heads (1, 2, 5, 4)", (randn(rng, 1, 2, 5, 4), randn(rng, 1, 2, 5, 4),
                                                   randn(rng, 1, 2, 5, 4), causal)),
        Case("padding mask broadcast (1, 2, 3, 4) x 4 keys",
             (randn(rng, 1, 2, 3, 4), randn(rng, 1, 2, 4, 4), randn(rng, 1, 2, 4, 3), padding)),
        Case("large scores (stability)", (randn(rng, 2, 3, 8, scale=30), randn(rng, 2, 4, 8, scale=30),
                                          randn(rng, 2, 4, 2), np.ones((3, 4), dtype=bool))),
        Case("d = 1, one query", (randn(rng, 1, 1, 1), randn(rng, 1, 3, 1), randn(rng, 1, 3, 2),
                                  np.array([[True, False, True]]))),
    ]


def _attention_numpy(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray, scale: float,
                     stable: bool = True, mask_after: bool = False) -> np.ndarray:
    scores = q @ np.swapaxes(k, -1, -2) * scale
    if not mask_after:
        scores = np.where(mask, scores, -np.inf)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(scores - scores.max(-1, keepdims=True) if stable else scores)
        weights = e / e.sum(-1, keepdims=True)
    if mask_after:
        weights = weights * mask
    return weights @ v


ATTENTION = Exercise(
    name="scaled_dot_product_attention", chapter="resnet_vit", difficulty=2,
    title="Scaled dot-product attention with a mask",
    signature="scaled_dot_product_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray)"
              " -> np.ndarray",
    doc="""\
softmax(Q K^T / sqrt(d) + mask) V, the core of every Transformer / ViT block.

Shapes: q (..., L, d), k (..., S, d), v (..., S, dv), any leading (batch, head) dims; mask
    bool, broadcastable to (..., L, S), True where query i MAY attend to key j (every query
    has at least one True). Return (..., L, dv).
Math: scores = q @ k^T / sqrt(d); scores = -inf where mask is False;
    weights = softmax(scores) along the last axis (over the keys); out = weights @ v.
Hint: np.swapaxes(k, -1, -2); np.where(mask, scores, -np.inf); for the softmax subtract the
    row max before np.exp (large scores overflow otherwise).
PyTorch: torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
""",
    make_cases=_attention_cases,
    expected=lambda q, k, v, mask: F.scaled_dot_product_attention(
        tensor(q), tensor(k), tensor(v), attn_mask=torch.as_tensor(mask)).numpy(),
    reference=lambda q, k, v, mask: scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v),
                                                                 attn_mask=Tensor(mask)).data,
    classics=(
        Classic("scale the scores by 1 / sqrt(d) (d = the last dim of q) before the softmax.",
                lambda q, k, v, m: _attention_numpy(q, k, v, m, 1.0)),
        Classic("the scale is 1 / sqrt(d), not 1 / d.",
                lambda q, k, v, m: _attention_numpy(q, k, v, m, 1 / q.shape[-1])),
        Classic("mask is True where attending is ALLOWED; you masked out the allowed keys instead.",
                lambda q, k, v, m: _attention_numpy(q, k, v, ~m, 1 / math.sqrt(q.shape[-1]))),
        Classic("unstable softmax: exp of large scores overflows (inf / inf = NaN). Subtract each "
                "row's max before np.exp.",
                lambda q, k, v, m: _attention_numpy(q, k, v, m, 1 / math.sqrt(q.shape[-1]), stable=False)),
        Classic("apply the mask BEFORE the softmax (-inf scores), so each row's weights still sum "
                "to 1; zeroing weights after the softmax does not renormalize them.",
                lambda q, k, v, m: _attention_numpy(q, k, v, m, 1 / math.sqrt(q.shape[-1]), mask_after=True)),
    ),
)

register(BATCHNORM_FORWARD, BATCHNORM_BACKWARD, LAYERNORM_BACKWARD, PATCHIFY, ATTENTION)
