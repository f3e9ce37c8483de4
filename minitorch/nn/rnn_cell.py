"""Recurrent cells: one time step of an RNN, an LSTM or a GRU, written with ordinary ops.

A cell maps (x_t, state_{t-1}) to state_t. Its gate equations are the textbook ones, each line
an autograd op, so the backward through time is whatever autograd makes of them: nothing here
is fused. Read these first; `minitorch/nn/rnn.py` runs the same equations over a whole
sequence as one fused node (`RecurrentScan`), and `tests/nn/test_recurrent_cells.py` checks
that the fused layers equal these cells unrolled over time.

Parameters as in torch (so state dicts move across): weight_ih (G*H, I), weight_hh (G*H, H),
bias_ih and bias_hh (G*H,), the G gate blocks stacked in torch's order; every one initialized
uniform(-1/sqrt(H), 1/sqrt(H)). G = 1 (RNN), 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n).

PyTorch equivalent: `torch.nn.RNNCell`, `torch.nn.LSTMCell`, `torch.nn.GRUCell`.
"""

from __future__ import annotations

import math

import numpy as np

from minitorch.nn import functional as F
from minitorch.nn import init
from minitorch.nn.module import Module
from minitorch.nn.parameter import Parameter
from minitorch.tensor import Tensor, get_default_dtype


def rnn_step(from_input: Tensor, from_hidden: Tensor, nonlinearity: str = "tanh") -> Tensor:
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), given the two projections."""
    pre_activation = from_input + from_hidden
    return pre_activation.tanh() if nonlinearity == "tanh" else pre_activation.relu()


def lstm_step(from_input: Tensor, from_hidden: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
    """(h', c') of the LSTM (see LSTMCell), given the two projections and the cell state c."""
    i, f, g, o = (from_input + from_hidden).chunk(4, dim=1)
    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
    c_next = f * c + i * g
    return o * c_next.tanh(), c_next


def gru_step(from_input: Tensor, from_hidden: Tensor, h: Tensor) -> Tensor:
    """h' of the GRU (see GRUCell), given the two projections and the state h."""
    x_r, x_z, x_n = from_input.chunk(3, dim=1)
    h_r, h_z, h_n = from_hidden.chunk(3, dim=1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return (1 - z) * n + z * h


class RNNCellBase(Module):
    """Parameters, initialization and input checks shared by the three cells."""

    gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__()
        if input_size <= 0 or hidden_size <= 0:
            raise ValueError(f"{type(self).__name__}: input_size and hidden_size must be positive, got "
                             f"{input_size} and {hidden_size}")
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        rows = self.gates * hidden_size
        self.weight_ih = Parameter(np.empty((rows, input_size), get_default_dtype()))
        self.weight_hh = Parameter(np.empty((rows, hidden_size), get_default_dtype()))
        if bias:
            self.bias_ih = Parameter(np.empty(rows, get_default_dtype()))
            self.bias_hh = Parameter(np.empty(rows, get_default_dtype()))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias uniform(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch."""
        bound = 1 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")

    def projections(self, x: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        """x W_ih^T + b_ih and h W_hh^T + b_hh: every gate's input and recurrent parts at once."""
        return F.linear(x, self.weight_ih, self.bias_ih), F.linear(h, self.weight_hh, self.bias_hh)

    def batched(self, x: Tensor, states: tuple[Tensor | None, ...]) -> tuple[Tensor, list[Tensor]]:
        """Check the input, make missing states zeros, and give an unbatched (1-D) input and its
        states a batch dim of 1 (the caller removes it again)."""
        name = type(self).__name__
        if x.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {x.ndim}D instead "
                             f"(input shape {x.shape})")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got {x.shape[-1]} expected "
                               f"{self.input_size} (input shape {x.shape})")
        if x.dtype != self.weight_ih.dtype:
            raise RuntimeError(f"{name}: input dtype {x.dtype} does not match the weights' dtype "
                               f"{self.weight_ih.dtype} (convert one of them with .to(dtype))")
        batched = x.ndim == 2
        expected = (x.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        full = []
        for state in states:
            if state is None:
                state = Tensor(np.zeros(expected, dtype=x.dtype))
            if state.shape != expected:
                raise RuntimeError(f"{name}: expected hidden state of shape {expected}, got {state.shape} "
                                   f"(input shape {x.shape})")
            if state.dtype != x.dtype:
                raise RuntimeError(f"{name}: hidden state dtype {state.dtype} does not match the input "
                                   f"dtype {x.dtype}")
            full.append(state if batched else state.unsqueeze(0))
        return (x if batched else x.unsqueeze(0)), full


class RNNCell(RNNCellBase):
    """Elman cell:  h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh),  act = tanh or relu.

    `forward(input, hx=None)` -> h': input (B, I) or (I,), hx and h' (B, H) or (H,).
    PyTorch equivalent: torch.nn.RNNCell.
    """

    gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh") -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r} (use 'tanh' or 'relu')")
        super().__init__(input_size, hidden_size, bias)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, (h,) = self.batched(input, (hx,))
        h_next = rnn_step(*self.projections(x, h), self.nonlinearity)
        return h_next if input.ndim == 2 else h_next.squeeze(0)


class LSTMCell(RNNCellBase):
    """Long short-term memory cell, gates in torch's order i, f, g, o:

        i = sigm(x W_ii^T + b_ii + h W_hi^T + b_hi)     input gate: how much new to write
        f = sigm(x W_if^T + b_if + h W_hf^T + b_hf)     forget gate: how much of c to keep
        g = tanh(x W_ig^T + b_ig + h W_hg^T + b_hg)     the candidate values
        o = sigm(x W_io^T + b_io + h W_ho^T + b_ho)     output gate: how much of c to show
        c' = f * c + i * g
        h' = o * tanh(c')

    `forward(input, hx=None)` -> (h', c'), with hx = (h, c) or None (zeros).
    PyTorch equivalent: torch.nn.LSTMCell.
    """

    gates = 4

    def forward(self, input: Tensor,  # noqa: A002
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        if hx is not None and (not isinstance(hx, tuple | list) or len(hx) != 2):
            raise TypeError("LSTMCell: hx must be a tuple (h, c)")
        x, (h, c) = self.batched(input, tuple(hx) if hx is not None else (None, None))
        h_next, c_next = lstm_step(*self.projections(x, h), c)
        if input.ndim == 1:
            return h_next.squeeze(0), c_next.squeeze(0)
        return h_next, c_next


class GRUCell(RNNCellBase):
    """Gated recurrent unit cell, gates in torch's order r, z, n:

        r = sigm(x W_ir^T + b_ir + h W_hr^T + b_hr)          reset gate
        z = sigm(x W_iz^T + b_iz + h W_hz^T + b_hz)          update gate: how much of h to keep
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))    the candidate state
        h' = (1 - z) * n + z * h

    The reset gate multiplies the recurrent part of n together with its bias b_hn, which is why
    the input and recurrent projections are kept apart.
    `forward(input, hx=None)` -> h'. PyTorch equivalent: torch.nn.GRUCell.
    """

    gates = 3

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, (h,) = self.batched(input, (hx,))
        h_next = gru_step(*self.projections(x, h), h)
        return h_next if input.ndim == 2 else h_next.squeeze(0)
