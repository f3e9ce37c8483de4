"""The autograd engine: graph nodes (`Function`), grad mode, and the backward pass.

Every differentiable op is a subclass of `Function` with a `forward` on NumPy arrays and a
`backward` that maps the gradient of the output to the gradients of the inputs (the
vector-Jacobian product). Calling `SomeOp.apply(*inputs)` runs `forward` and, when a gradient
is needed, records a node that links the output tensor to the tensors it was computed from.

`backward()` walks that graph once, in reverse topological order: a node runs only after every
node that uses its output has sent it gradient, so each gradient is complete when it is used.

Higher-order gradients: with `create_graph=True` (in `backward` or `grad`) every node runs its
`differentiable_backward` instead, the same derivative written with minitorch ops on tensors, so
the backward pass is itself recorded as a graph and the gradients can be differentiated again.
Without it, the fast NumPy `backward` runs and nothing is recorded.

PyTorch equivalent: `torch.autograd.Function`, `torch.autograd.backward`, `torch.autograd.grad`,
`torch.no_grad`.
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

    - ``forward(self, *arrays, **options)``: compute the output array (or a tuple of output
      arrays) from the input arrays; keep what the backward needs with
      ``self.save_for_backward(...)`` (freed after the backward unless ``retain_graph=True``)
      or as plain attributes (shapes, axes).
    - ``backward(self, *grads)``: given dL/d(output) as NumPy arrays (one per output; None for
      an output that received no gradient), return dL/d(input) for each tensor input, in order.
      ``self.needs_input_grad[i]`` says whether input i wants a gradient; return None for
      inputs that do not, to skip work nobody needs. This is the fast path: no graph is built.
    - ``differentiable_backward(self, *grads)``: the same derivative written with minitorch ops
      on tensors (the inputs are ``self.inputs``), so that ``create_graph=True`` records it and
      the gradient can be differentiated again. An op fused for speed may instead define
      ``composite(self, *inputs)``: the same function rebuilt from differentiable ops; its
      gradient then serves as the differentiable backward (see below).

    An output with an integer dtype (the indices of ``max(dim)``) is not differentiable: it
    gets no ``grad_fn``, as in torch.
    """

    inputs: tuple[Tensor, ...]
    needs_input_grad: tuple[bool, ...]
    n_outputs = 1

    def __init__(self) -> None:
        self._saved: tuple[np.ndarray, ...] | None = ()
        self._freed = False
        self._outputs: tuple[weakref.ReferenceType[Tensor], ...] = ()
        self._saved_versions: tuple[SavedVersion, ...] = ()

    # -- the halves every op defines ----------------------------------------------------------
    def forward(self, *arrays: np.ndarray, **options: Any) -> np.ndarray | tuple[np.ndarray, ...]:
        raise NotImplementedError

    def backward(self, *grads: np.ndarray | None) -> tuple[np.ndarray | None, ...] | np.ndarray | None:
        raise NotImplementedError

    def differentiable_backward(self, *grads: Tensor | None) -> tuple[Tensor | None, ...] | Tensor | None:
        """Default: the gradient of `composite` (the op rebuilt from differentiable ops), taken
        with create_graph=True, so it is itself a graph. Each input enters through its own alias
        (a reshape to the same shape), so an input passed twice gets each use's gradient."""
        if type(self).composite is Function.composite:
            raise NotImplementedError(f"{self.name}: double backward (create_graph=True) is not implemented")
        aliases = tuple(t.reshape(t.shape) if t.requires_grad else t for t in self.inputs)
        outputs = self.composite(*aliases)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        used = [(o, g) for o, g in zip(outputs, grads, strict=True) if g is not None and o.requires_grad]
        wanted = [i for i, needs in enumerate(self.needs_input_grad) if needs]
        found = grad([o for o, _ in used], [aliases[i] for i in wanted], [g for _, g in used],
                     create_graph=True, allow_unused=True)
        result: list[Tensor | None] = [None] * len(self.inputs)
        for i, g in zip(wanted, found, strict=True):
            result[i] = g
        return tuple(result)

    def composite(self, *inputs: Tensor) -> Tensor | tuple[Tensor, ...]:
        """The op rebuilt from differentiable ops (for fused ops; see differentiable_backward)."""
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

    def inputs_not_read(self) -> tuple[int, ...]:
        """The inputs whose saved values this backward will not read, given needs_input_grad:
        an in-place change to them is harmless and stays legal, as in torch (default: none)."""
        return ()

    def release(self) -> None:
        """Free what forward saved (after a backward without retain_graph). As in torch, only a
        node that saved something refuses a second backward."""
        self._freed = self._freed or bool(self._saved)
        self._saved = None

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
    def apply(cls, *inputs: Tensor, **options: Any) -> Any:
        """Run the op on tensors and, if any input needs a gradient, record the node. Returns
        one tensor, or a tuple of tensors when forward returns a tuple of arrays."""
        from minitorch.tensor import Tensor

        fn = cls()
        try:
            result = fn.forward(*[t.data for t in inputs], **options)
        except (ValueError, IndexError) as err:  # NumPy's reason, restated with op and shapes
            kind = IndexError if isinstance(err, IndexError) else RuntimeError
            raise kind(fn.describe_error(inputs, err)) from err
        if isinstance(result, tuple):
            return fn._record_outputs(inputs, tuple([Tensor(r) for r in result]))
        output = Tensor(result)
        if output.data.base is not None:  # a view of an input: the two share one version counter
            share_version_counter(output, inputs)
        needs = tuple([t.requires_grad for t in inputs])
        if _GradMode.enabled and any(needs):
            fn.inputs = inputs
            fn.needs_input_grad = needs
            fn._outputs = (weakref.ref(output),)
            if fn._saved:
                fn._saved_versions = saved_versions(fn._saved, (*inputs, output), fn.inputs_not_read())
            output.requires_grad = True
            output.grad_fn = fn
        return output

    def _record_outputs(self, inputs: tuple[Tensor, ...], outputs: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        """The end of `apply` for an op with several outputs: each differentiable output records
        which one it is (`_output_nr`), so that its gradient reaches the right slot of backward."""
        for output in outputs:
            if output.data.base is not None:
                share_version_counter(output, inputs)
        needs = tuple([t.requires_grad for t in inputs])
        if _GradMode.enabled and any(needs):
            self.inputs, self.needs_input_grad, self.n_outputs = inputs, needs, len(outputs)
            self._outputs = tuple([weakref.ref(o) for o in outputs])
            if self._saved:
                self._saved_versions = saved_versions(self._saved, (*inputs, *outputs),
                                                      self.inputs_not_read())
            for index, output in enumerate(outputs):
                if output.dtype.kind in "fc":  # integer outputs (indices) are not differentiable
                    output.requires_grad = True
                    output.grad_fn = self
                    output._output_nr = index
        return outputs

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


# (counter, version when saved, position: input i, or len(inputs) + k for output k, shape)
SavedVersion = tuple[VersionCounter, int, int, tuple[int, ...]]


def saved_versions(saved: tuple[np.ndarray, ...], tensors: tuple[Tensor, ...],
                   not_read: tuple[int, ...] = ()) -> tuple[SavedVersion, ...]:
    """For each of the node's inputs (and its outputs, last) whose memory the node saved (the
    saved array is the tensor's array or another view of the same memory) and whose value its
    backward will read (not in `not_read`): its version now."""
    owners = [a if a.base is None else a.base for a in saved if isinstance(a, np.ndarray)]
    found = []
    for i, t in enumerate(tensors):
        data = t.data
        owner = data if data.base is None else data.base
        for saved_owner in owners:
            if saved_owner is owner:
                if i not in not_read:
                    counter = t._version_counter
                    found.append((counter, counter.value, i, data.shape))
                break
    return tuple(found)


def operands_read_for_each_other(needs_input_grad: tuple[bool, ...]) -> tuple[int, ...]:
    """`inputs_not_read` of a product (mul, matmul): each operand's saved value is read only for
    the other's gradient (da = g b, db = g a), so torch saves it only when the other needs one."""
    return tuple(i for i, other in ((0, 1), (1, 0)) if not needs_input_grad[other])


def check_saved_versions(node: Function) -> None:
    """Raise torch's error if a tensor the node saved was changed in place since: the saved values
    are no longer the ones the forward used, and the gradient would be silently wrong."""
    for counter, version, position, shape in node._saved_versions:
        if counter.value != version:
            outputs = position - len(node.inputs)
            what = f"output {outputs}" if outputs >= 0 else f"input {position}"
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

def _reverse_topological_order(*roots: Function) -> list[Function]:
    """Nodes reachable from `roots`, each before every node it depends on (iterative DFS)."""
    order: list[Function] = []
    visited: set[int] = set()
    for root in roots:
        if id(root) in visited:
            continue
        visited.add(id(root))
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


def _nodes_leading_to(order: list[Function], targets: dict[int, Tensor]) -> set[int]:
    """The nodes from which some target tensor can be reached (only they need to run)."""
    needed: set[int] = set()
    for node in reversed(order):  # inputs' nodes first
        if any(id(t) in targets or (t.grad_fn is not None and id(t.grad_fn) in needed)
               for t in node.inputs):
            needed.add(id(node))
    return needed


def _run_hooks(tensor: Tensor, grad: Any) -> Any:
    """The tensor's hooks, in order; a hook's result replaces the gradient. `grad` is an array
    (first-order pass) or a tensor (create_graph pass); what comes back has the same kind."""
    from minitorch.tensor import Tensor

    as_tensor = isinstance(grad, Tensor)
    for hook in tensor._hooks.values():
        result = hook(grad if as_tensor else Tensor(grad))
        if result is not None:
            if as_tensor:
                grad = result if isinstance(result, Tensor) else Tensor(np.asarray(result))
            else:
                grad = result.data if isinstance(result, Tensor) else np.asarray(result)
    return grad


def _accumulate_into_grad(tensor: Tensor, grad: Any, adoptable: bool = False) -> None:
    """`tensor.grad += grad`, creating it on first use.

    A new `.grad` never aliases an array someone else holds: it is a copy laid out in C order
    like the tensor itself (a transposed gradient would make every optimizer update stride
    badly). That copy is the plain version; the fast path (`adoptable`, see `can_adopt`) keeps
    a fresh array this backward pass made as it is, saving a copy of every weight gradient on
    every step (tested equal to the plain version in tests/engine/test_plain_vs_fast.py).
    A gradient that is a tensor (create_graph=True) is kept as it is, graph included; adding to
    an existing `.grad` then makes a new tensor, as in torch.
    """
    from minitorch.tensor import Tensor

    if isinstance(grad, Tensor):
        tensor.grad = grad if tensor.grad is None else tensor.grad + grad
    elif tensor.grad is not None:
        tensor.grad.data = tensor.grad.data + grad
    elif adoptable and grad.flags.c_contiguous and grad.flags.writeable and grad.dtype == tensor.dtype:
        tensor.grad = Tensor(grad)
    else:
        tensor.grad = Tensor(np.array(grad, dtype=tensor.dtype, copy=True, order="C"))


def run_backward(roots: list[Tensor], seeds: list[Any], retain_graph: bool, create_graph: bool,
                 targets: list[Tensor] | None = None) -> dict[int, Any] | None:
    """Backpropagate `seeds` (dL/d root, one per root) through the graph.

    Without `targets`, gradients accumulate into `.grad` of every leaf that requires grad (they
    are added, not assigned: backward on several micro-batches before one optimizer step sums
    their gradients, exactly as one large batch would; call `zero_grad()` between steps).
    With `targets`, only the nodes that lead to them run, no `.grad` is touched, and the
    gradient of each target (leaf or not) is returned, keyed by id (None for a target the
    roots do not depend on).

    Seeds are arrays and every node runs its NumPy `backward` (no graph is built), unless
    `create_graph`: then seeds are tensors, every node runs its `differentiable_backward`
    with grad mode on, and the gradients come out as tensors with a graph of their own.
    """
    with set_grad_enabled(create_graph):
        return _backward_pass(roots, seeds, retain_graph, create_graph, targets)


def _backward_pass(roots: list[Tensor], seeds: list[Any], retain_graph: bool, create_graph: bool,
                   targets: list[Tensor] | None) -> dict[int, Any] | None:
    target_ids = None if targets is None else {id(t): t for t in targets}
    grads: dict[int, list[Any]] = {}  # id(node) -> the gradient of each of its outputs
    leaf_grads: dict[int, tuple[Tensor, Any]] = {}
    handed_out: set[int] = set()  # memory others hold (seeds, hook results): never adopted

    def send(tensor: Tensor, g: Any) -> None:
        """Add gradient g to what `tensor` has received so far in this pass."""
        if tensor.grad_fn is None:
            _, previous = leaf_grads.get(id(tensor), (tensor, None))
            leaf_grads[id(tensor)] = (tensor, g if previous is None else previous + g)
        else:
            node = tensor.grad_fn
            slots = grads.get(id(node))
            if slots is None:
                slots = grads[id(node)] = [None] * node.n_outputs
            index = tensor._output_nr
            slots[index] = g if slots[index] is None else slots[index] + g

    for root, seed in zip(roots, seeds, strict=True):
        if not create_graph:
            handed_out.add(id(_owner(seed)))
        send(root, seed)
    order = _reverse_topological_order(*(r.grad_fn for r in roots if r.grad_fn is not None))
    needed = None if target_ids is None else _nodes_leading_to(order, target_ids)
    captured: dict[int, Any] = {}
    for node in order:
        slots = grads.pop(id(node), None)
        if slots is None:
            continue
        for index, ref in enumerate(node._outputs):  # hooks, retain_grad, captured targets
            output = ref()
            if output is None or slots[index] is None:
                continue
            hooked = _run_hooks(output, slots[index]) if output._hooks else slots[index]
            if hooked is not slots[index]:
                if not create_graph:
                    handed_out.add(id(_owner(hooked)))
                slots[index] = hooked
            if target_ids is None:
                if output._retains_grad:
                    _accumulate_into_grad(output, hooked)
            elif id(output) in target_ids:
                captured[id(output)] = hooked
        if needed is not None and id(node) not in needed:
            continue
        if node._freed or node._saved_versions:
            node.saved_tensors  # noqa: B018 (raises the "second time" or the "modified by an inplace" error)
        if create_graph:
            input_grads = node.differentiable_backward(*slots)
        else:
            input_grads = node.backward(*slots)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for tensor, needs, input_grad in zip(node.inputs, node.needs_input_grad, input_grads, strict=True):
            if not needs or input_grad is None:
                continue
            if target_ids is not None and id(tensor) not in target_ids and (
                    tensor.grad_fn is None or id(tensor.grad_fn) not in needed):
                continue
            if input_grad.dtype != tensor.dtype:  # e.g. float32 + float64 -> float64 output
                input_grad = input_grad.to(tensor.dtype) if create_graph else input_grad.astype(tensor.dtype)
            parent = tensor.grad_fn
            if parent is None:
                send(tensor, input_grad)
                continue
            received = grads.get(id(parent))  # `send`, inlined for the common case of a node input
            if received is None:
                received = grads[id(parent)] = [None] * parent.n_outputs
            index = tensor._output_nr
            received[index] = input_grad if received[index] is None else received[index] + input_grad
        if not retain_graph:
            node.release()
    # A leaf's hooks see its whole gradient from this pass, once, as in torch.
    for leaf, total in leaf_grads.values():
        final = _run_hooks(leaf, total) if leaf._hooks else total
        if target_ids is not None:
            captured[id(leaf)] = final
        elif leaf.requires_grad:
            owner = None if create_graph else _owner(total)
            _accumulate_into_grad(leaf, final, adoptable=can_adopt(total, final, handed_out))
            handed_out.add(id(owner))
    return None if target_ids is None else {key: captured.get(key) for key in target_ids}


def can_adopt(total: Any, final: Any, handed_out: set[int]) -> bool:
    """Whether a leaf's gradient array may become its `.grad` without a copy (the fast path of
    `_accumulate_into_grad`): it is an array no hook replaced, that owns all of its memory, and
    that nobody outside this backward pass holds (not a seed, not a hook's result)."""
    owner = _owner(total) if isinstance(total, np.ndarray) else None
    return (final is total and isinstance(owner, np.ndarray) and id(owner) not in handed_out
            and owner.flags.owndata and owner.size == total.size)


def _owner(array: np.ndarray) -> object:
    """What holds `array`'s memory: itself, or the base of a view (NumPy points a view's base at
    the owning array; a view made by stride tricks may have a non-array base)."""
    return array if array.base is None else array.base


# ---------------------------------------------------------------------------------------------
# The public entry points: backward() and grad()
# ---------------------------------------------------------------------------------------------

def _seed(output: Tensor, gradient: Any, create_graph: bool, op: str) -> Any:
    """dL/d(output) to start from: `gradient`, or 1 for a one-element output. An array for the
    first-order pass, a tensor when create_graph (so a gradient that requires grad is followed)."""
    from minitorch.tensor import Tensor

    if gradient is None:
        if output.data.size != 1:
            raise RuntimeError(
                f"{op}: grad can be implicitly created only for scalar outputs; this tensor has "
                f"shape {output.shape}, pass the gradient of the same shape"
            )
        seed = np.ones_like(output.data)
        return Tensor(seed) if create_graph else seed
    array = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient)
    if array.shape != output.shape:
        raise RuntimeError(
            f"{op}: gradient has shape {array.shape} but the tensor has shape {output.shape}"
        )
    if create_graph:
        given = gradient if isinstance(gradient, Tensor) else Tensor(array)
        return given if given.dtype == output.dtype else given.to(output.dtype)
    return array.astype(output.dtype, copy=False)


def _seeds(op: str, outputs: Any, gradients: Any, create_graph: bool) -> tuple[list[Tensor], list[Any]]:
    """The outputs to start from as a list, each checked to be in a graph, and their seeds."""
    outs = _as_tensors(outputs)
    given = [None] * len(outs) if gradients is None else _as_tensors(gradients)
    if len(given) != len(outs):
        raise RuntimeError(f"{op}: got {len(given)} gradients for {len(outs)} outputs")
    for i, t in enumerate(outs):
        if not t.requires_grad:
            raise RuntimeError(
                f"{op}: element {i} of tensors does not require grad and does not have a grad_fn"
            )
    return outs, [_seed(t, g, create_graph, op) for t, g in zip(outs, given, strict=True)]


def _as_tensors(values: Any) -> list[Any]:
    """One tensor (or array) as a list of one; a list or tuple as a list."""
    return list(values) if isinstance(values, list | tuple) else [values]


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """Accumulate d(tensors)/d(leaf), weighted by `grad_tensors`, into `.grad` of every leaf
    that requires grad (or only of `inputs`, which may be non-leaf tensors).

    `create_graph=True` builds the graph of the backward pass itself, so the gradients in
    `.grad` can be differentiated again; `retain_graph` (default: `create_graph`) keeps the
    forward graph's saved arrays for another backward. PyTorch equivalent: torch.autograd.backward.
    """
    outputs, seeds = _seeds("backward", tensors, grad_tensors, create_graph)
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        run_backward(outputs, seeds, retain, create_graph)
        return
    targets = _as_tensors(inputs)
    if not targets:
        raise RuntimeError("backward: the 'inputs' argument cannot be empty")
    for t in targets:
        if not t.requires_grad:
            raise RuntimeError("backward: one of the tensors in 'inputs' does not require grad")
    found = run_backward(outputs, seeds, retain, create_graph, targets)
    assert found is not None
    for t in targets:
        if found[id(t)] is not None:
            _accumulate_into_grad(t, found[id(t)])


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """The gradients of `outputs` (weighted by `grad_outputs`) with respect to `inputs`,
    returned as a tuple; unlike `backward`, no `.grad` is touched.

    With `create_graph=True` the returned gradients are tensors with their own graph, so they
    can be differentiated again (gradient penalties, Hessian-vector products, Newton's method).
    `retain_graph` defaults to `create_graph`. An input that the outputs do not depend on is an
    error unless `allow_unused=True` (then its gradient is None).
    PyTorch equivalent: torch.autograd.grad.
    """
    from minitorch.tensor import Tensor

    outs, seeds = _seeds("grad", outputs, grad_outputs, create_graph)
    targets = _as_tensors(inputs)
    for t in targets:
        if not t.requires_grad:
            raise RuntimeError("grad: one of the differentiated Tensors does not require grad")
    retain = create_graph if retain_graph is None else retain_graph
    found = run_backward(outs, seeds, retain, create_graph, targets)
    assert found is not None
    result: list[Tensor | None] = []
    for i, t in enumerate(targets):
        g = found[id(t)]
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: the differentiated Tensor at index {i} appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior."
            )
        if g is not None and not create_graph:
            g = Tensor(np.array(g, dtype=t.dtype, copy=True, order="C"))
        result.append(g)
    return tuple(result)
