"""`Optimizer`: the base class of every optimizer, holding parameter groups and per-parameter state.

An optimizer owns

- `param_groups`: a list of dicts, each with its `params` (a list of tensors) and its own options
  (`lr`, `momentum`, ...). Options a group does not set come from `defaults`, so one model can
  train its backbone and its head at different learning rates.
- `state`: a dict keyed by parameter, holding what the update rule remembers between steps
  (momentum buffers, running averages, the step count). It is created lazily, at the first
  `step()` that sees a gradient for that parameter.

`step()` applies each subclass's `_update` to every parameter that has a gradient, on the raw
`.data` arrays and under `no_grad`: an optimizer step is not part of any graph. Updates are in
place and keep the parameter's dtype (a float32 model stays float32).

`state_dict()` has torch's structure: `{'state': {index: {...}}, 'param_groups': [{options...,
'params': [indices]}]}`, where parameters are replaced by their position in the order they
appear across the groups, so a checkpoint does not depend on object identity.

PyTorch equivalent: `torch.optim.Optimizer`.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from minitorch.autograd import enable_grad, no_grad
from minitorch.tensor import Tensor


class _RequiredParameter:
    """The default of an option every group must set (SGD's `lr` in old torch)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def check_non_negative(**options: float) -> None:
    """Reject negative hyperparameters with torch's messages ("Invalid learning rate: -1.0")."""
    for name, value in options.items():
        if value < 0.0:
            label = {"lr": "learning rate", "eps": "epsilon value"}.get(name, f"{name} value")
            raise ValueError(f"Invalid {label}: {value}")


class Optimizer:
    """Base class: subclasses pass their `defaults` and implement `_update`."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {type(params).__name__}"
            )
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (defaults fill in the rest)."""
        if not isinstance(param_group, dict):
            raise TypeError(
                f"add_param_group: param_group must be a dict, but got {type(param_group).__name__}"
            )
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering "
                "of tensors in sets will change between runs. Please use a list instead."
            )
        group = {**param_group, "params": list(params)}
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {name}"
                )
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: to None (the default, as in torch) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.data[...] = 0  # in place, as torch's grad.zero_()
                    p.grad._increment_version()

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns `closure()` if given.

        `closure` re-evaluates the model and returns the loss (it runs with grad enabled).
        """
        self._opt_called = True  # for the lr schedulers' check of the call order
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad.data
                if grad.shape != p.shape:
                    raise RuntimeError(
                        f"{type(self).__name__}.step: gradient of shape {grad.shape} does not match "
                        f"its parameter of shape {p.shape}"
                    )
                if group.get("maximize", False):
                    grad = -grad
                state = self.state.get(p, {})
                self._update(p.data, grad, state, group)
                p._increment_version()  # a node that saved p before this step refuses to backward
                if state:  # only parameters that have something to remember get an entry (plain SGD: none)
                    self.state[p] = state
        return loss

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        """Update `param` in place from `grad`, this parameter's `state` and its group's options."""
        raise NotImplementedError

    @staticmethod
    def _zeros_like(param: np.ndarray, fill: float = 0.0) -> Tensor:
        """A state buffer shaped and typed like its parameter."""
        return Tensor(np.full_like(param, fill))

    # -- checkpoints ----------------------------------------------------------------------------
    def _indexed_params(self) -> list[Tensor]:
        return [p for group in self.param_groups for p in group["params"]]

    def state_dict(self) -> dict[str, Any]:
        """`{'state': {index: state}, 'param_groups': [options + 'params': [indices]]}`, as torch.

        The state tensors are shared with the optimizer (as in torch): save or copy them before
        stepping again.
        """
        index = {id(p): i for i, p in enumerate(self._indexed_params())}
        groups = [
            {**{k: v for k, v in g.items() if k != "params"}, "params": [index[id(p)] for p in g["params"]]}
            for g in self.param_groups
        ]
        state = {index[id(p)]: s for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore options and state saved by `state_dict()` (copied, cast to each parameter's dtype).

        Everything is checked first; on error nothing changes.
        """
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"load_state_dict: loaded state dict has a different number of parameter groups "
                f"({len(saved_groups)}) than the optimizer ({len(self.param_groups)})"
            )
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups, strict=True)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"load_state_dict: loaded state dict contains a parameter group that doesn't match "
                    f"the size of optimizer's group (group {i}: {len(saved['params'])} saved, "
                    f"{len(group['params'])} in the optimizer)"
                )
        by_index = {
            index: p
            for saved, group in zip(saved_groups, self.param_groups, strict=True)
            for index, p in zip(saved["params"], group["params"], strict=True)
        }
        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            param = by_index[int(key)]
            new_state[param] = {name: _cast_state(param, v) for name, v in value.items()}
        self.state = new_state
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            group.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})


def _cast_state(param: Tensor, value: Any) -> Any:
    """A copy of one state entry; floating arrays take the parameter's dtype, as in torch."""
    if isinstance(value, Tensor | np.ndarray):
        array = np.array(value.data if isinstance(value, Tensor) else value, copy=True)
        if array.dtype.kind == "f":
            array = array.astype(param.dtype)
        return Tensor(array)
    return copy.deepcopy(value)
