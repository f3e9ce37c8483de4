"""`Parameter`: a tensor that a Module registers as learnable when assigned as an attribute.

PyTorch equivalent: `torch.nn.Parameter`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minitorch.tensor import Tensor, as_array


class Parameter(Tensor):
    """A leaf tensor with `requires_grad=True` that `Module.__setattr__` recognizes."""

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        array = data.data if isinstance(data, Tensor) else data
        super().__init__(array if isinstance(array, np.ndarray) else as_array(array),
                         requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
