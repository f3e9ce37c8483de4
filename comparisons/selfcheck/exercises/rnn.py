"""Chapter: RNN/LSTM/GRU (循环神经网络): one step of an LSTM cell and of a GRU cell."""

from __future__ import annotations

import numpy as np
import torch

import minitorch
import minitorch.nn as mnn
from comparisons.selfcheck.exercise import Case, Classic, Exercise, register
from comparisons.selfcheck.exercises.common import randn, sigmoid, tensor


def _cell_cases(rng: np.random.Generator, gates: int, with_c: bool) -> list[Case]:
    def case(label: str, batch: int, inputs: int, hidden: int, scale: float = 1.0) -> Case:
        states = (randn(rng, batch, hidden),) + ((randn(rng, batch, hidden),) if with_c else ())
        rows = gates * hidden
        weights = (randn(rng, rows, inputs, scale=scale), randn(rng, rows, hidden, scale=scale),
                   randn(rng, rows), randn(rng, rows))
        return Case(label, (randn(rng, batch, inputs), *states, *weights))

    return [
        case("batch 3, input 4, hidden 5", 3, 4, 5),
        case("batch 1, hidden 1", 1, 2, 1),
        case("hidden > input (2, 3 -> 6)", 2, 3, 6),
        case("saturating gates (large weights)", 2, 3, 4, scale=10.0),
    ]


def _torch_cell(cell_type: type[torch.nn.Module], x: np.ndarray, states: tuple[np.ndarray, ...],
                weights: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...] | np.ndarray:
    cell = cell_type(x.shape[1], weights[1].shape[1]).double()
    with torch.no_grad():
        params = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
        for param, value in zip(params, weights, strict=True):
            param.copy_(tensor(value))
        out = cell(tensor(x), tuple(tensor(s) for s in states) if len(states) == 2 else tensor(states[0]))
    return tuple(o.numpy() for o in out) if isinstance(out, tuple) else out.numpy()


def _minitorch_cell(layer_type: type[mnn.RNNBase], x: np.ndarray, states: tuple[np.ndarray, ...],
                    weights: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...] | np.ndarray:
    """minitorch's recurrent layer over a sequence of length 1 with the given weights."""
    layer = layer_type(x.shape[1], weights[1].shape[1])
    names = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
    for name, value in zip(names, weights, strict=True):
        getattr(layer, name).data = np.array(value)
    hx = tuple(minitorch.Tensor(s[None]) for s in states)
    with minitorch.no_grad():
        _, finals = layer(minitorch.Tensor(x[None]), hx if len(hx) == 2 else hx[0])
    return tuple(f.data[0] for f in finals) if isinstance(finals, tuple) else finals.data[0]


def _lstm_numpy(x: np.ndarray, h: np.ndarray, c: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray,
                b_ih: np.ndarray, b_hh: np.ndarray, order: str = "ifgo",
                tanh_cell: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """An LSTM step in NumPy with knobs for the classic mistakes (gate order, missing tanh)."""
    blocks = dict(zip(order, np.split(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 4, axis=1), strict=True))
    i, f, o, g = sigmoid(blocks["i"]), sigmoid(blocks["f"]), sigmoid(blocks["o"]), np.tanh(blocks["g"])
    c_new = f * c + i * g
    return o * (np.tanh(c_new) if tanh_cell else c_new), c_new


LSTM_CELL = Exercise(
    name="lstm_cell", chapter="rnn", difficulty=2,
    title="One LSTM cell step",
    signature="lstm_cell(x: np.ndarray, h: np.ndarray, c: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray,"
              " b_ih: np.ndarray, b_hh: np.ndarray) -> tuple[np.ndarray, np.ndarray]",
    doc="""\
One time step of an LSTM: the new hidden state and cell state.

Shapes: x (B, I); h, c (B, H); w_ih (4H, I); w_hh (4H, H); b_ih, b_hh (4H,).
    Return (h_new, c_new), each (B, H).
Math: z = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh, shape (B, 4H), split into four (B, H) blocks
    in torch's order i, f, g, o (input gate, forget gate, cell candidate, output gate):
    i = sigmoid(z_i), f = sigmoid(z_f), g = tanh(z_g), o = sigmoid(z_o)
    c_new = f * c + i * g;   h_new = o * tanh(c_new)
Hint: np.split(z, 4, axis=1). The block order matters: torch stacks the weights as i, f, g, o.
PyTorch: torch.nn.LSTMCell(I, H) with weight_ih, weight_hh, bias_ih, bias_hh set to these;
    (h_new, c_new) = cell(x, (h, c))
""",
    make_cases=lambda rng: _cell_cases(rng, 4, with_c=True),
    expected=lambda x, h, c, *w: _torch_cell(torch.nn.LSTMCell, x, (h, c), w),
    reference=lambda x, h, c, *w: _minitorch_cell(mnn.LSTM, x, (h, c), w),
    outputs=("h_new", "c_new"),
    classics=(
        Classic("torch orders the gate blocks i, f, g, o (the candidate g third, output gate last); "
                "you used i, f, o, g.", lambda *a: _lstm_numpy(*a, order="ifog")),
        Classic("h_new = o * tanh(c_new): the tanh is applied to the new cell state.",
                lambda *a: _lstm_numpy(*a, tanh_cell=False)),
    ),
)


def _gru_numpy(x: np.ndarray, h: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, b_ih: np.ndarray,
               b_hh: np.ndarray, order: str = "rzn", reset_outside_bias: bool = False,
               swap_update: bool = False) -> np.ndarray:
    """A GRU step in NumPy with knobs for the classic mistakes."""
    gx = dict(zip(order, np.split(x @ w_ih.T + b_ih, 3, axis=1), strict=True))
    gh = dict(zip(order, np.split(h @ w_hh.T, 3, axis=1), strict=True))
    bh = dict(zip(order, np.split(b_hh, 3), strict=True))
    r, z = sigmoid(gx["r"] + gh["r"] + bh["r"]), sigmoid(gx["z"] + gh["z"] + bh["z"])
    recurrent = r * gh["n"] + bh["n"] if reset_outside_bias else r * (gh["n"] + bh["n"])
    n = np.tanh(gx["n"] + recurrent)
    return z * n + (1 - z) * h if swap_update else (1 - z) * n + z * h


GRU_CELL = Exercise(
    name="gru_cell", chapter="rnn", difficulty=2,
    title="One GRU cell step",
    signature="gru_cell(x: np.ndarray, h: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, b_ih: np.ndarray,"
              " b_hh: np.ndarray) -> np.ndarray",
    doc="""\
One time step of a GRU: the new hidden state.

Shapes: x (B, I); h (B, H); w_ih (3H, I); w_hh (3H, H); b_ih, b_hh (3H,). Return h_new (B, H).
Math: split a = x @ w_ih.T + b_ih and b = h @ w_hh.T + b_hh into three (B, H) blocks each, in
    torch's order r, z, n (reset, update, new):
    r = sigmoid(a_r + b_r),  z = sigmoid(a_z + b_z)
    n = tanh(a_n + r * b_n)          (r multiplies the recurrent part INCLUDING its bias b_hn)
    h_new = (1 - z) * n + z * h      (z near 1 keeps the old state)
Hint: np.split(..., 3, axis=1). Keep the recurrent product and its bias together before r.
PyTorch: torch.nn.GRUCell(I, H) with weight_ih, weight_hh, bias_ih, bias_hh set to these;
    h_new = cell(x, h)
""",
    make_cases=lambda rng: _cell_cases(rng, 3, with_c=False),
    expected=lambda x, h, *w: _torch_cell(torch.nn.GRUCell, x, (h,), w),
    reference=lambda x, h, *w: _minitorch_cell(mnn.GRU, x, (h,), w),
    outputs=("h_new",),
    classics=(
        Classic("in torch's GRU the reset gate multiplies (W_hn h + b_hn), bias included: "
                "n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).",
                lambda *a: _gru_numpy(*a, reset_outside_bias=True)),
        Classic("h_new = (1 - z) * n + z * h: z is the share of the OLD state; you swapped them.",
                lambda *a: _gru_numpy(*a, swap_update=True)),
        Classic("torch orders the gate blocks r, z, n (reset first); you used z, r, n.",
                lambda *a: _gru_numpy(*a, order="zrn")),
    ),
)

register(LSTM_CELL, GRU_CELL)
