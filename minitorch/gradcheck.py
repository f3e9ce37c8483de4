"""Finite-difference gradient check: the independent proof that a backward is right.

For f: R^n -> R^m and a fixed random upstream vector u, the analytic gradient of the scalar
s(x) = <u, f(x)> is what `backward(u)` computes. Central differences estimate the same thing
without it:  ds/dx_i ~ (s(x + eps e_i) - s(x - eps e_i)) / (2 eps),  with error O(eps^2).
In float64 with eps = 1e-6 the two agree to about 1e-8 for smooth functions.
PyTorch equivalent: `torch.autograd.gradcheck`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from minitorch.autograd import no_grad
from minitorch.tensor import Tensor


def _outputs(result: Tensor | Sequence[Tensor]) -> list[Tensor]:
    items = [result] if isinstance(result, Tensor) else list(result)
    return [t for t in items if isinstance(t, Tensor) and t.dtype.kind == "f"]


def gradcheck(fn: Callable[..., Tensor | Sequence[Tensor]], inputs: Sequence[Tensor],
              eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0,
              raise_exception: bool = True) -> bool:
    """Compare `fn`'s backward with central differences for every input that requires grad.

    Inputs must be float64 (float32 rounding would swamp the finite differences). Returns True
    when all gradients match; otherwise raises (or returns False) naming the input and the
    worst element.
    """
    for i, t in enumerate(inputs):
        if t.requires_grad and t.dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} must be float64 for finite differences, got {t.dtype}")
    rng = np.random.default_rng(seed)
    outputs = _outputs(fn(*inputs))
    upstream = [rng.standard_normal(o.shape) for o in outputs]

    def scalar(values: Sequence[Tensor]) -> float:
        with no_grad():
            outs = _outputs(fn(*values))
        return float(sum(np.sum(o.data * u) for o, u in zip(outs, upstream, strict=True)))

    for t in inputs:
        t.grad = None
    total = None
    for o, u in zip(outputs, upstream, strict=True):
        if o.requires_grad:
            term = (o * Tensor(u)).sum()
            total = term if total is None else total + term
    if total is None:
        raise ValueError("gradcheck: no output depends on an input that requires grad")
    total.backward()

    for i, t in enumerate(inputs):
        if not t.requires_grad:
            continue
        analytic = np.zeros(t.shape) if t.grad is None else t.grad.data
        numeric = np.zeros(t.shape)
        flat = t.data.reshape(-1)  # a view: perturbing it perturbs the input
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            plus = scalar(inputs)
            flat[j] = original - eps
            minus = scalar(inputs)
            flat[j] = original
            numeric.reshape(-1)[j] = (plus - minus) / (2 * eps)
        if not np.allclose(analytic, numeric, atol=atol, rtol=rtol):
            worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), t.shape)
            message = (
                f"gradcheck: gradient of input {i} (shape {t.shape}) differs from finite "
                f"differences at index {tuple(int(k) for k in worst)}: analytic "
                f"{analytic[worst]:.8g}, numeric {numeric[worst]:.8g}"
            )
            if raise_exception:
                raise AssertionError(message)
            return False
    return True
