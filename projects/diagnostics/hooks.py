"""Forward hooks that are always removed: the one mechanism every diagnostic is built on.

A forward hook ``hook(module, inputs, output)`` runs after ``module.forward``; it can look at
(or keep) the output without changing the model's code. Forgetting ``handle.remove()`` leaves
the hook running on every later forward, so here hooks only live inside a ``with`` block.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from projects.diagnostics.engine import engine_of, eval_mode

ForwardHook = Callable[[str, tuple, Any], Any]  # (layer name, inputs, output) -> None


def get_layer(model: Any, name: str) -> Any:
    """The submodule called ``name`` (as in ``named_modules()``; ``""`` is the model itself)."""
    modules = dict(model.named_modules())
    if name not in modules:
        names = ", ".join(repr(n) for n in modules if n) or "(none)"
        raise KeyError(f"diagnostics: {type(model).__name__} has no layer {name!r}; its layers are {names}")
    return modules[name]


@contextlib.contextmanager
def forward_hooks(model: Any, hooks: Mapping[str, ForwardHook]) -> Iterator[None]:
    """Register ``hooks[name]`` on each named layer for the duration of the block.

    Each hook is called as ``hook(name, inputs, output)`` (the layer's name, not the module).
    """
    handles = []
    modules = dict(model.named_modules())
    try:
        for name, hook in hooks.items():
            layer = modules[name] if name in modules else get_layer(model, name)  # the latter raises
            handles.append(layer.register_forward_hook(lambda _m, i, o, n=name, h=hook: h(n, i, o)))
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextlib.contextmanager
def capture(model: Any, names: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Keep the (detached) output of each named layer of the latest forward, by name."""
    engine = engine_of(model)
    outputs: dict[str, Any] = {}

    def keep(name: str, _inputs: tuple, output: Any) -> None:
        outputs[name] = engine.to_numpy(output) if engine.is_tensor(output) else output

    with forward_hooks(model, {n: keep for n in names}):
        yield outputs


def output_shapes(model: Any, inputs: Any) -> list[tuple[str, tuple[int, ...]]]:
    """``(name, output shape)`` of every layer whose output is a tensor, in the order the
    outputs were produced (a container comes after the layers inside it); eval mode, no grad."""
    engine = engine_of(model)
    order: list[tuple[str, tuple[int, ...]]] = []

    def note(name: str, _inputs: tuple, output: Any) -> None:
        if engine.is_tensor(output):
            order.append((name, tuple(output.shape)))

    with (
        forward_hooks(model, {n: note for n, _ in model.named_modules()}),
        eval_mode(model),
        engine.no_grad(),
    ):
        model(inputs)
    return order


def last_spatial_layer(model: Any, inputs: Any) -> str:
    """The last layer (in forward order) whose output is a (N, C, H, W) map with H*W > 1: the
    usual Grad-CAM target (the deepest convolutional features that still have a layout)."""
    spatial = [n for n, s in output_shapes(model, inputs) if len(s) == 4 and s[2] * s[3] > 1 and n]
    if not spatial:
        raise ValueError(f"diagnostics: {type(model).__name__} has no layer with a (N, C, H, W) output")
    return spatial[-1]


def spatial_children(model: Any, inputs: Any, count: int = 3) -> list[str]:
    """Up to ``count`` direct children of the model with a (N, C, H, W) output, H*W > 1, spread
    evenly from the first to the last: the default layers whose feature maps are drawn."""
    top = {n for n, _ in model.named_children()}
    spatial = [n for n, s in output_shapes(model, inputs) if n in top and len(s) == 4 and s[2] * s[3] > 1]
    if not spatial:
        raise ValueError(f"diagnostics: no direct child of {type(model).__name__} has a (N, C, H, W) output")
    if len(spatial) <= count:
        return spatial
    picks = sorted({round(i * (len(spatial) - 1) / (count - 1)) for i in range(count)})
    return [spatial[i] for i in picks]
