"""`Tensor`: an `np.ndarray` plus what autograd needs to send gradients back through it.

A tensor made by the user is a *leaf*: `grad_fn is None`, and if `requires_grad` is True,
`backward()` accumulates its gradient into `.grad`. A tensor made by a differentiable op from
inputs that require grad points at the `Function` node that made it (`grad_fn`); that chain
of nodes is the graph `backward()` walks.

Differences from torch, on purpose: `.data` is the underlying `np.ndarray` itself (torch
returns a Tensor sharing storage), and `dtype` is a NumPy dtype (`minitorch.float32` is
`np.dtype("float32")`). There is one device, the CPU, and no strides of our own: views are
whatever NumPy makes.

PyTorch equivalent: `torch.Tensor`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from minitorch import autograd
from minitorch import device as _device

_FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
_default_dtype = np.dtype(np.float32)


def get_default_dtype() -> np.dtype:
    """The dtype of new floating tensors: float32 unless `set_default_dtype` changed it."""
    return _default_dtype


def set_default_dtype(dtype: Any) -> None:
    """Make `dtype` (float16, float32 or float64) the dtype of tensors made from Python floats
    (`tensor([1.0])`) and of the creation functions and layers' parameters, as
    `torch.set_default_dtype` does. NumPy arrays keep their own dtype."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype not in _FLOAT_DTYPES:
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the default type, "
                        f"got {dtype}")
    _default_dtype = dtype


def as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Convert Python/NumPy data to an array the way `torch.tensor` infers dtypes.

    Python floats become the default dtype (float32 unless changed), Python ints int64, bools bool;
    NumPy arrays keep their dtype. `dtype` overrides the inference. Ragged nesting or values
    that are not numbers (strings, None, objects) raise ValueError / TypeError.
    """
    if isinstance(data, Tensor):
        data = data.data
    try:
        array = np.array(data, dtype=None if dtype is None else np.dtype(dtype))
    except ValueError as err:
        if "inhomogeneous" not in str(err):
            raise
        raise ValueError(f"tensor: the nested sequences have different lengths (ragged): {err}") from None
    if array.dtype.kind not in "biufc":
        raise TypeError(f"tensor: cannot make a tensor of {type(data).__name__} {str(data)[:60]!r}: it holds "
                        f"values of dtype {array.dtype}, not numbers")
    if dtype is not None or isinstance(data, np.ndarray | np.generic):
        return array
    if array.dtype.kind == "f":
        return array.astype(get_default_dtype())
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    return array


def to_arguments(*args: Any, dtype: Any = None, device: Any = None) -> np.dtype | None:
    """The dtype that `.to(...)`'s arguments ask for (None: keep it); raises for a device other
    than the CPU. Positional arguments as in torch: a device (or its name), a dtype, a tensor."""
    for arg in args:
        if isinstance(arg, str | _device.device):
            device = arg
        elif isinstance(arg, Tensor):
            dtype = arg.dtype
        else:
            dtype = arg
    if device is not None:
        _device.device(device)
    return None if dtype is None else np.dtype(dtype)


class RemovableHandle:
    """Returned by `register_hook` (and module hooks): call `remove()` to unregister."""

    _next_id = 0

    def __init__(self, hooks: dict[int, Callable]) -> None:
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)


class Tensor:
    """An n-dimensional array that can record the ops applied to it for autograd."""

    __array_ufunc__ = None  # make `np.float32(2) * tensor` call Tensor.__rmul__
    __hash__ = object.__hash__  # __eq__ is elementwise, identity stays hashable
    _output_nr = 0  # which output of its grad_fn this tensor is (ops with several outputs)

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        self.data: np.ndarray = data if isinstance(data, np.ndarray) else as_array(data)
        self.grad: Tensor | None = None
        self.grad_fn: autograd.Function | None = None
        self._requires_grad = False
        self._hooks: dict[int, Callable] = {}
        self._retains_grad = False
        self._version_counter = autograd.VersionCounter()
        self.requires_grad = requires_grad

    # -- autograd attributes ------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self.data.dtype.kind not in "fc":
            raise RuntimeError(
                f"requires_grad: only tensors of floating point dtype can require gradients "
                f"(got {self.data.dtype})"
            )
        if not value and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad: you can only change requires_grad of leaf tensors; use "
                ".detach() to get a tensor outside the graph"
            )
        self._requires_grad = bool(value)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep `.grad` on a non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on a tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self._retains_grad = True

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call `hook(grad)` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle whose `remove()` unregisters the hook."""
        if not self.requires_grad:
            raise RuntimeError(
                "register_hook: cannot register a hook on a tensor that doesn't require gradient"
            )
        handle = RemovableHandle(self._hooks)
        self._hooks[handle.id] = hook
        return handle

    def backward(self, gradient: Tensor | np.ndarray | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Sequence[Tensor] | Tensor | None = None) -> None:
        """Compute d(self)/d(leaf) for every leaf that requires grad, scaled by `gradient`.

        `gradient` is dL/d(self); it may be omitted only when self has one element (a loss).
        `create_graph=True` makes the gradients differentiable (for second derivatives);
        `inputs` limits the accumulation to those tensors. See `minitorch.autograd.backward`.
        """
        autograd.backward(self, None if gradient is None else gradient, retain_graph=retain_graph,
                          create_graph=create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """The same values, cut from the graph (shares memory and version counter, as in torch)."""
        detached = Tensor(self.data)
        detached._version_counter = self._version_counter
        return detached

    # -- array attributes ---------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def dim(self) -> int:
        return self.data.ndim

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return self.data.size

    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError(
                "numpy: can't call numpy() on a tensor that requires grad; "
                "use tensor.detach().numpy() instead"
            )
        return self.data

    def item(self) -> float | int | bool:
        if self.data.size != 1:
            raise ValueError(
                f"item: only one element tensors can be converted to Python scalars (shape {self.shape})"
            )
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        return (self[i] for i in range(len(self)))

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"bool: boolean value of a tensor with more than one value is ambiguous (shape {self.shape})"
            )
        return bool(self.data.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extras = []
        if self.dtype not in (get_default_dtype(), np.dtype(np.int64), np.dtype(bool)):
            extras.append(f"dtype=minitorch.{self.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    # -- dtype conversion (differentiable between float types) -----------------------------------
    @property
    def device(self) -> _device.device:
        """Always the CPU (see `minitorch.device`)."""
        return _device.CPU

    def to(self, *args: Any, dtype: Any = None, device: Any = None) -> Tensor:
        """`to(dtype)`, `to(device)`, `to(device, dtype)`, `to(other_tensor)`, as in torch: a
        tensor of the new dtype (self when nothing changes). A device other than the CPU is an
        error (see `minitorch.device`)."""
        dtype = to_arguments(*args, dtype=dtype, device=device)
        return self if dtype is None else _shape.astype(self, dtype)

    def cpu(self) -> Tensor:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        raise RuntimeError(f"cuda: {_device.CPU_ONLY}")

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def half(self) -> Tensor:
        return self.to(np.float16)

    def long(self) -> Tensor:
        return self.to(np.int64)

    def int(self) -> Tensor:
        return self.to(np.int32)

    def bool(self) -> Tensor:
        return self.to(np.bool_)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    # -- in-place updates (outside the graph: for optimizers, init and buffers) ----------------
    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's memory has seen (torch's `Tensor._version`)."""
        return self._version_counter.value

    def _increment_version(self) -> None:
        """Record one in-place change: a node that saved this tensor will refuse to backward."""
        self._version_counter.value += 1

    def _check_inplace(self, op: str) -> None:
        if not (autograd.is_grad_enabled() and self.requires_grad):
            return
        if self.is_leaf:
            raise RuntimeError(
                f"{op}: a leaf tensor that requires grad is being used in an in-place operation; "
                "wrap it in `with minitorch.no_grad():`"
            )
        raise RuntimeError(
            f"{op}: a non-leaf tensor that requires grad (an output of {type(self.grad_fn).__name__}) cannot "
            "be changed in place: minitorch's in-place methods work outside the graph, so its gradient "
            "would be wrong (torch records the change in the graph instead); make a new tensor, "
            "e.g. `y = y * 0` instead of `y.zero_()`"
        )

    def zero_(self) -> Tensor:
        self._check_inplace("zero_")
        self.data[...] = 0
        self._increment_version()
        return self

    def fill_(self, value: float) -> Tensor:
        self._check_inplace("fill_")
        self.data[...] = value
        self._increment_version()
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        """`t[index] = value` in place, as NumPy assigns (outside the graph, like `fill_`)."""
        self._check_inplace("setitem")
        index = (tuple(_shape.index_part(p) for p in index) if isinstance(index, tuple)
                 else _shape.index_part(index))
        try:
            self.data[index] = value.data if isinstance(value, Tensor) else value
        except (ValueError, IndexError) as err:
            raise type(err)(f"setitem: {err} (tensor shape {self.shape})") from err
        self._increment_version()

    def copy_(self, source: Tensor | np.ndarray) -> Tensor:
        self._check_inplace("copy_")
        values = source.data if isinstance(source, Tensor) else np.asarray(source)
        try:
            np.copyto(self.data, np.broadcast_to(values, self.shape), casting="same_kind")
        except ValueError as err:
            raise RuntimeError(
                f"copy_: source of shape {values.shape} cannot be copied into a tensor of "
                f"shape {self.shape}"
            ) from err
        self._increment_version()
        return self

    # -- operators ------------------------------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return _arith.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _arith.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _arith.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _arith.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _arith.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _arith.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _arith.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _arith.div(other, self)

    def __pow__(self, exponent: Any) -> Tensor:
        return _arith.pow(self, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        return _arith.pow(base, self)

    def __matmul__(self, other: Tensor) -> Tensor:
        return _arith.matmul(self, other)

    def __rmatmul__(self, other: Tensor) -> Tensor:
        return _arith.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _arith.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __getitem__(self, index: Any) -> Tensor:
        return _shape.getitem(self, index)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare.eq(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare.ne(self, other)

    def __lt__(self, other: Any) -> Tensor:
        return _compare.lt(self, other)

    def __le__(self, other: Any) -> Tensor:
        return _compare.le(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _compare.gt(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _compare.ge(self, other)

    def __invert__(self) -> Tensor:
        return _compare.logical_not(self)

    # -- methods that mirror torch.Tensor's (each forwards to the op of the same name) ---------
    def add(self, other: Any, alpha: float = 1) -> Tensor:
        return _arith.add(self, other, alpha=alpha)

    def sub(self, other: Any, alpha: float = 1) -> Tensor:
        return _arith.sub(self, other, alpha=alpha)

    def mul(self, other: Any) -> Tensor:
        return _arith.mul(self, other)

    def div(self, other: Any) -> Tensor:
        return _arith.div(self, other)

    def pow(self, exponent: Any) -> Tensor:
        return _arith.pow(self, exponent)

    def matmul(self, other: Tensor) -> Tensor:
        return _arith.matmul(self, other)

    def mm(self, other: Tensor) -> Tensor:
        return _arith.mm(self, other)

    def bmm(self, other: Tensor) -> Tensor:
        return _arith.bmm(self, other)

    def neg(self) -> Tensor:
        return _arith.neg(self)

    def exp(self) -> Tensor:
        return _elem.exp(self)

    def log(self) -> Tensor:
        return _elem.log(self)

    def sqrt(self) -> Tensor:
        return _elem.sqrt(self)

    def abs(self) -> Tensor:
        return _elem.abs(self)

    def sin(self) -> Tensor:
        return _elem.sin(self)

    def cos(self) -> Tensor:
        return _elem.cos(self)

    def tanh(self) -> Tensor:
        return _elem.tanh(self)

    def sigmoid(self) -> Tensor:
        return _elem.sigmoid(self)

    def relu(self) -> Tensor:
        return _elem.relu(self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        return _elem.clamp(self, min, max)

    clip = clamp

    def maximum(self, other: Tensor) -> Tensor:
        return _elem.maximum(self, other)

    def minimum(self, other: Tensor) -> Tensor:
        return _elem.minimum(self, other)

    def masked_fill(self, mask: Tensor, value: float | Tensor) -> Tensor:
        return _elem.masked_fill(self, mask, value)

    def sum(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        return _red.sum(self, dim, keepdim)

    def mean(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        return _red.mean(self, dim, keepdim)

    def max(self, dim: int | None = None, keepdim: bool = False) -> Any:
        return _red.max(self, dim, keepdim)

    def min(self, dim: int | None = None, keepdim: bool = False) -> Any:
        return _red.min(self, dim, keepdim)

    def amax(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        return _red.amax(self, dim, keepdim)

    def amin(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        return _red.amin(self, dim, keepdim)

    def var(self, dim: int | Sequence[int] | None = None, unbiased: bool | None = None,
            keepdim: bool = False, *, correction: float | None = None) -> Tensor:
        return _red.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim: int | Sequence[int] | None = None, unbiased: bool | None = None,
            keepdim: bool = False, *, correction: float | None = None) -> Tensor:
        return _red.std(self, dim, unbiased, keepdim, correction=correction)

    def logsumexp(self, dim: int | Sequence[int], keepdim: bool = False) -> Tensor:
        return _red.logsumexp(self, dim, keepdim)

    def softmax(self, dim: int) -> Tensor:
        return _red.softmax(self, dim)

    def log_softmax(self, dim: int) -> Tensor:
        return _red.log_softmax(self, dim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _red.argmax(self, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _red.argmin(self, dim, keepdim)

    def reshape(self, *shape: Any) -> Tensor:
        return _shape.reshape(self, *shape)

    def view(self, *shape: Any) -> Tensor:
        return _shape.reshape(self, *shape)

    def view_as(self, other: Tensor) -> Tensor:
        return _shape.reshape(self, other.shape)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return _shape.transpose(self, dim0, dim1)

    def t(self) -> Tensor:
        if self.ndim > 2:
            raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, but got {self.ndim}")
        return self if self.ndim < 2 else _shape.transpose(self, 0, 1)

    @property
    def T(self) -> Tensor:  # noqa: N802 (torch's name)
        return _shape.permute(self, *reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:  # noqa: N802 (torch's name)
        return _shape.transpose(self, -2, -1)

    def permute(self, *dims: Any) -> Tensor:
        return _shape.permute(self, *dims)

    def squeeze(self, dim: int | None = None) -> Tensor:
        return _shape.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Tensor:
        return _shape.unsqueeze(self, dim)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return _shape.flatten(self, start_dim, end_dim)

    def expand(self, *sizes: Any) -> Tensor:
        return _shape.expand(self, *sizes)

    def expand_as(self, other: Tensor) -> Tensor:
        return _shape.expand(self, other.shape)

    def split(self, split_size: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        return _shape.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return _shape.chunk(self, chunks, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        return _shape.unbind(self, dim)

    def contiguous(self) -> Tensor:
        return self


# The ops import Tensor, so they are bound here, after the class exists.
from minitorch.ops import arithmetic as _arith  # noqa: E402
from minitorch.ops import comparison as _compare  # noqa: E402
from minitorch.ops import elementwise as _elem  # noqa: E402
from minitorch.ops import reductions as _red  # noqa: E402
from minitorch.ops import shape as _shape  # noqa: E402
