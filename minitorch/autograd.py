"""The autograd engine: graph nodes (`Function`), grad mode, and the backward pass.

Every differentiable op is a subclass of `Function` with a `forward` on NumPy arrays and a
`backward` that maps the gradient of the output to the gradients of the inputs (the
vector-Jacobian product). Calling `SomeOp.apply(*inputs)` runs `forward` and, when a gradient
is needed, records a node that links the output tensor to the tensors it was computed from.

`backward()` walks that graph once, in reverse topological order: a node runs only after every
node that uses its output has sent it gradient, so each gradient is complete when it is used.

PyTorch equivalent: `torch.autograd.Function`, `torch.autograd.backward`, `torch.no_grad`.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from minitorch.tensor import Tensor


# ---------------------------------------------------------------------------------------------
# Grad mode
# ---------------------------------------------------------------------------------------------

class _GradMode:
    enabled: bool = True


def is_grad_enabled() -> bool:
    """Whether ops record the graph now (False inside `no_grad`)."""
    return _GradMode.enabled


class set_grad_enabled:
    """Turn graph recording on or off; a context manager and a decorator, as in torch."""

    def __init__(self, mode: bool) -> None:
        self.mode = mode
        self.previous: list[bool] = []

    def __enter__(self) -> None:
        self.previous.append(_GradMode.enabled)
        _GradMode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _GradMode.enabled = self.previous.pop()

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class no_grad(set_grad_enabled):
    """Ops inside record no graph: for evaluation and for optimizer updates."""

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Re-enable graph recording inside a `no_grad` block."""

    def __init__(self) -> None:
        super().__init__(True)


# ---------------------------------------------------------------------------------------------
# Graph nodes
# ---------------------------------------------------------------------------------------------

class Function:
    """One node of the autograd graph: an op's forward and its backward, side by side.

    Subclasses implement

    - ``forward(self, *arrays, **options) -> np.ndarray``: compute the output from the input
      arrays; keep what the backward needs with ``self.save_for_backward(...)`` (freed after
      the backward unless ``retain_graph=True``) or as plain attributes (shapes, axes).
    - ``backward(self, grad: np.ndarray) -> tuple``: given dL/d(output), return dL/d(input)
      for each tensor input, in order. ``self.needs_input_grad[i]`` says whether input i
      wants a gradient; return None for inputs that do not, to skip work nobody needs.
    """

    inputs: tuple[Tensor, ...]
    needs_input_grad: tuple[bool, ...]

    def __init__(self) -> None:
        self._saved: tuple[np.ndarray, ...] | None = ()
        self._freed = False
        self._output: weakref.ReferenceType[Tensor] | None = None
        self._saved_versions: tuple[SavedVersion, ...] = ()

    # -- the two halves every op defines ------------------------------------------------------
    def forward(self, *arrays: np.ndarray, **options: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...] | np.ndarray | None:
        raise NotImplementedError

    # -- saved tensors ------------------------------------------------------------------------
    def save_for_backward(self, *arrays: np.ndarray) -> None:
        self._saved = arrays

    @property
    def saved_tensors(self) -> tuple[np.ndarray, ...]:
        if self._freed:
            raise RuntimeError(
                f"{self.name}: trying to backward through the graph a second time (or to use "
                "saved tensors after they were freed). Saved intermediate values are freed when "
                "you call .backward(); pass retain_graph=True to the first backward to keep them."
            )
        assert self._saved is not None
        if self._saved_versions:
            check_saved_versions(self)
        return self._saved

    def release(self) -> None:
        """Free what forward saved (after a backward without retain_graph)."""
        self._saved = None
        self._freed = True

    @property
    def name(self) -> str:
        """The op's name as torch spells it (`matmul`, `add`, ...), used in error messages."""
        return getattr(self, "op_name", type(self).__name__.lower())

    def describe_error(self, inputs: tuple[Tensor, ...], err: Exception) -> str:
        """The message for a forward that NumPy rejected: the op, NumPy's reason, the shapes."""
        shapes = " and ".join(str(t.shape) for t in inputs)
        return f"{self.name}: {err} (input shapes {shapes})"

    # -- building the graph -------------------------------------------------------------------
    @classmethod
    def apply(cls, *inputs: Tensor, **options: Any) -> Tensor:
        """Run the op on tensors and, if any input needs a gradient, record the node."""
        from minitorch.tensor import Tensor

        fn = cls()
        try:
            output = Tensor(fn.forward(*(t.data for t in inputs), **options))
        except (ValueError, IndexError) as err:  # NumPy's reason, restated with op and shapes
            kind = IndexError if isinstance(err, IndexError) else RuntimeError
            raise kind(fn.describe_error(inputs, err)) from err
        if output.data.base is not None:  # a view of an input: the two share one version counter
            share_version_counter(output, inputs)
        needs = tuple(t.requires_grad for t in inputs)
        if _GradMode.enabled and any(needs):
            fn.inputs = inputs
            fn.needs_input_grad = needs
            fn._output = weakref.ref(output)
            if fn._saved:
                fn._saved_versions = saved_versions(fn._saved, (*inputs, output))
            output.requires_grad = True
            output.grad_fn = fn
        return output

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"


# ---------------------------------------------------------------------------------------------
# In-place safety: version counters
# ---------------------------------------------------------------------------------------------

class VersionCounter:
    """How many times a tensor's memory was changed in place (`fill_`, `copy_`, setitem, an
    optimizer step, ...). Tensors that share memory (a view and its base, `detach()`) share one
    counter, so a change through either is seen by a node that saved the other."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


# (counter, version when saved, position: input i or len(inputs) for the output, shape)
SavedVersion = tuple[VersionCounter, int, int, tuple[int, ...]]


def saved_versions(saved: tuple[np.ndarray, ...], tensors: tuple[Tensor, ...]) -> tuple[SavedVersion, ...]:
    """For each of the node's inputs (and its output, last) whose memory the node saved (the
    saved array is the tensor's array or another view of the same memory): its version now."""
    owners = {id(a if a.base is None else a.base) for a in saved if isinstance(a, np.ndarray)}
    return tuple(
        (t._version_counter, t._version_counter.value, i, t.shape) for i, t in enumerate(tensors)
        if id(t.data if t.data.base is None else t.data.base) in owners
    )


def check_saved_versions(node: Function) -> None:
    """Raise torch's error if a tensor the node saved was changed in place since: the saved values
    are no longer the ones the forward used, and the gradient would be silently wrong."""
    for counter, version, position, shape in node._saved_versions:
        if counter.value != version:
            what = "output 0" if position == len(node.inputs) else f"input {position}"
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{what} of {node.name}, shape {shape}] is at version "
                f"{counter.value}; expected version {version} instead. Hint: {node.name} saved this "
                "tensor for its backward and it was changed in place afterwards (fill_, copy_, "
                "zero_, setitem, an optimizer step, ...); change a copy instead, or call backward "
                "before the change."
            )


def share_version_counter(view: Tensor, inputs: tuple[Tensor, ...]) -> None:
    """Give `view` the counter of the input whose memory it views (reshape, transpose, slicing)."""
    owner = _owner(view.data)
    for t in inputs:
        if _owner(t.data) is owner:
            view._version_counter = t._version_counter
            return


# ---------------------------------------------------------------------------------------------
# The backward pass
# ---------------------------------------------------------------------------------------------

def _reverse_topological_order(root: Function) -> list[Function]:
    """Nodes reachable from `root`, each before every node it depends on (iterative DFS)."""
    order: list[Function] = []
    visited: set[int] = {id(root)}
    stack: list[tuple[Function, Iterator[Tensor]]] = [(root, iter(root.inputs))]
    while stack:
        node, children = stack[-1]
        for child in children:
            parent = child.grad_fn
            if parent is not None and id(parent) not in visited:
                visited.add(id(parent))
                stack.append((parent, iter(parent.inputs)))
                break
        else:
            stack.pop()
            order.append(node)  # post-order: a node after all its inputs' nodes
    order.reverse()
    return order


def _run_hooks(tensor: Tensor, grad: np.ndarray) -> np.ndarray:
    from minitorch.tensor import Tensor

    for hook in tensor._hooks.values():
        result = hook(Tensor(grad))
        if result is not None:
            grad = result.data if isinstance(result, Tensor) else np.asarray(result)
    return grad


def _accumulate_into_grad(tensor: Tensor, grad: np.ndarray, adoptable: bool = False) -> None:
    """`tensor.grad += grad`, creating it on first use.

    A new `.grad` never aliases an array someone else holds: it is a copy laid out in C order
    like the tensor itself (a transposed gradient would make every optimizer update stride
    badly), except that a fresh array this backward pass made and hands to no one else
    (`adoptable`) is kept as it is, saving a copy of every weight gradient on every step.
    """
    from minitorch.tensor import Tensor

    if tensor.grad is not None:
        tensor.grad.data = tensor.grad.data + grad
    elif adoptable and grad.flags.c_contiguous and grad.flags.writeable and grad.dtype == tensor.dtype:
        tensor.grad = Tensor(grad)
    else:
        tensor.grad = Tensor(np.array(grad, dtype=tensor.dtype, copy=True, order="C"))


def backward(root: Tensor, gradient: np.ndarray, retain_graph: bool = False) -> None:
    """Backpropagate `gradient` (dL/d root) to every leaf that requires grad.

    Gradients accumulate into `.grad` (they are added, not assigned): calling backward on
    several micro-batches before one optimizer step sums their gradients, exactly as one
    large batch would. Call `zero_grad()` between steps.
    """
    if root.grad_fn is None:
        if root.requires_grad:  # backward on a leaf: its gradient is the seed itself
            _accumulate_into_grad(root, _run_hooks(root, gradient))
        return
    grads: dict[int, np.ndarray] = {id(root.grad_fn): gradient}
    handed_out = {id(_owner(gradient))}  # memory others hold (the seed, hook results): never adopted
    leaf_grads: dict[int, tuple[Tensor, np.ndarray]] = {}
    order = _reverse_topological_order(root.grad_fn)
    for node in order:
        grad = grads.pop(id(node), None)
        if grad is None:
            continue
        output = node._output() if node._output is not None else None
        if output is not None:
            hooked = _run_hooks(output, grad)
            if hooked is not grad:
                handed_out.add(id(_owner(hooked)))
                grad = hooked
            if output._retains_grad:
                _accumulate_into_grad(output, grad)
        input_grads = node.backward(grad)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for tensor, needs, input_grad in zip(
            node.inputs, node.needs_input_grad, input_grads, strict=True
        ):
            if not needs or input_grad is None:
                continue
            if input_grad.dtype != tensor.dtype:  # e.g. float32 + float64 -> float64 output
                input_grad = input_grad.astype(tensor.dtype)
            if tensor.grad_fn is None:
                _, previous = leaf_grads.get(id(tensor), (tensor, None))
                total = input_grad if previous is None else previous + input_grad
                leaf_grads[id(tensor)] = (tensor, total)
            else:
                key = id(tensor.grad_fn)
                grads[key] = grads[key] + input_grad if key in grads else input_grad
        if not retain_graph:
            node.release()
    # A leaf's hooks see its whole gradient from this pass, once, as in torch.
    for leaf, grad in leaf_grads.values():
        final = _run_hooks(leaf, grad)
        owner = _owner(grad)
        adoptable = (final is grad and id(owner) not in handed_out and isinstance(owner, np.ndarray)
                     and owner.flags.owndata and owner.size == grad.size)
        _accumulate_into_grad(leaf, final, adoptable=adoptable)
        handed_out.add(id(owner))


def _owner(array: np.ndarray) -> object:
    """What holds `array`'s memory: itself, or the base of a view (NumPy points a view's base at
    the owning array; a view made by stride tricks may have a non-array base)."""
    return array if array.base is None else array.base
