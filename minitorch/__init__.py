"""minitorch: a small autograd engine and layer library in NumPy that behaves like PyTorch.

Read it in this order: `tensor.py` (the Tensor), `autograd.py` (graph nodes and the backward
pass), `ops/` (every differentiable op, forward and backward side by side), `creation.py`,
then `nn/`, `optim/` and `data/`.
"""

import numpy as np

from minitorch.autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from minitorch.creation import (
    arange,
    eye,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from minitorch.device import device
from minitorch.gradcheck import gradcheck
from minitorch.ops.arithmetic import add, bmm, div, matmul, mm, mul, neg, pow, sub
from minitorch.ops.comparison import allclose, eq, ge, gt, isclose, le, logical_not, lt, ne
from minitorch.ops.elementwise import (
    abs,
    clamp,
    cos,
    exp,
    log,
    masked_fill,
    maximum,
    minimum,
    relu,
    sigmoid,
    sin,
    sqrt,
    tanh,
    where,
)
from minitorch.ops.reductions import (
    amax,
    amin,
    argmax,
    argmin,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    softmax,
    std,
    sum,
    var,
)
from minitorch.ops.shape import (
    cat,
    chunk,
    expand,
    flatten,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    transpose,
    unbind,
    unsqueeze,
)
from minitorch.random import manual_seed
from minitorch.serialization import load, save
from minitorch.tensor import Tensor, get_default_dtype, set_default_dtype

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool = np.dtype(np.bool_)  # noqa: A001 (torch's name)
float = float32  # noqa: A001
double = float64
long = int64

clip = clamp
concat = cat

# Subpackages, reachable as attributes the way torch.nn and torch.optim are (imported last:
# they build on everything above).
from minitorch import amp, data, nn, optim  # noqa: E402

