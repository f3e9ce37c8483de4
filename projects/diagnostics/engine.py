"""The thin adapter that lets every diagnostic run on a torch model or a minitorch model.

Both engines share the hook API (``module.register_forward_hook(hook)`` with
``hook(module, inputs, output)``, ``tensor.register_hook(fn)``, handles with ``remove()``,
``named_modules()``, ``named_parameters()``, ``train()``/``eval()``). What differs is only how a
tensor becomes a NumPy array, how an input is made, and how grad mode is switched; an
:class:`Engine` hides exactly that, nothing more.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch


class Engine:
    """Operations whose spelling differs between torch and minitorch."""

    name = ""

    def to_numpy(self, t: Any) -> np.ndarray:
        raise NotImplementedError

    def tensor_like_params(self, model: Any, array: np.ndarray, requires_grad: bool = False) -> Any:
        """``array`` as a tensor with the dtype (and device) of the model's first parameter."""
        raise NotImplementedError

    def all_finite(self, t: Any) -> bool:
        raise NotImplementedError

    def norms(self, tensors: list[Any]) -> list[float]:
        """The L2 norm of each tensor (one device synchronization for all of them)."""
        raise NotImplementedError

    def no_grad(self) -> contextlib.AbstractContextManager[Any]:
        raise NotImplementedError

    def enable_grad(self) -> contextlib.AbstractContextManager[Any]:
        raise NotImplementedError

    def is_tensor(self, x: Any) -> bool:
        raise NotImplementedError


class TorchEngine(Engine):
    name = "torch"

    def to_numpy(self, t: torch.Tensor) -> np.ndarray:
        t = t.detach()
        return (t.float() if t.dtype in (torch.float16, torch.bfloat16) else t).cpu().numpy()

    def tensor_like_params(self, model: Any, array: np.ndarray, requires_grad: bool = False) -> torch.Tensor:
        p = next(model.parameters(), None)
        dtype, device = (p.dtype, p.device) if p is not None else (torch.float32, torch.device("cpu"))
        return torch.as_tensor(array, dtype=dtype, device=device).requires_grad_(requires_grad)

    def all_finite(self, t: torch.Tensor) -> bool:
        return bool(torch.isfinite(t).all())

    def norms(self, tensors: list[torch.Tensor]) -> list[float]:
        if not tensors:
            return []
        return torch.stack([torch.linalg.vector_norm(t.detach().float()) for t in tensors]).tolist()

    def no_grad(self) -> contextlib.AbstractContextManager[Any]:
        return torch.no_grad()

    def enable_grad(self) -> contextlib.AbstractContextManager[Any]:
        return torch.enable_grad()

    def is_tensor(self, x: Any) -> bool:
        return isinstance(x, torch.Tensor)


class MinitorchEngine(Engine):
    name = "minitorch"

    def __init__(self) -> None:
        import minitorch  # imported only when a minitorch model is seen

        self.mt = minitorch

    def to_numpy(self, t: Any) -> np.ndarray:
        return np.array(t.data, copy=True)

    def tensor_like_params(self, model: Any, array: np.ndarray, requires_grad: bool = False) -> Any:
        p = next(model.parameters(), None)
        dtype = p.dtype if p is not None else np.float32
        return self.mt.Tensor(np.asarray(array, dtype=dtype), requires_grad=requires_grad)

    def all_finite(self, t: Any) -> bool:
        return bool(np.isfinite(t.data).all())

    def norms(self, tensors: list[Any]) -> list[float]:
        return [float(np.linalg.norm(t.data.astype(np.float64))) for t in tensors]

    def no_grad(self) -> contextlib.AbstractContextManager[Any]:
        return self.mt.no_grad()

    def enable_grad(self) -> contextlib.AbstractContextManager[Any]:
        return self.mt.enable_grad()

    def is_tensor(self, x: Any) -> bool:
        return isinstance(x, self.mt.Tensor)


def engine_of(model: Any) -> Engine:
    """The engine a model (or tensor) belongs to: torch, or minitorch."""
    if isinstance(model, (torch.nn.Module, torch.Tensor)):
        return TorchEngine()
    if any(c.__module__.startswith("minitorch.") for c in type(model).__mro__):
        return MinitorchEngine()
    raise TypeError(f"diagnostics: expected a torch or minitorch model, got {type(model).__name__}")


@contextlib.contextmanager
def eval_mode(model: Any) -> Iterator[None]:
    """Run in eval mode (BatchNorm running statistics, no dropout); every module's own
    ``training`` flag is put back afterwards."""
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for m, flag in flags:
            m.training = flag
