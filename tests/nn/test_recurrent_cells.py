"""The fused recurrent layers (one `RecurrentScan` node per direction, BPTT written by hand) equal
their cells (ordinary autograd ops) unrolled over time with the same weights: outputs, final
states, and the gradients of the input, the initial states and every weight, in float64.

The reverse direction is checked on a bidirectional layer: its `_reverse` weights in a cell
that walks the sequence from the last step to the first.
"""

from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
import minitorch.nn as nn

T, B, I, H = 6, 3, 4, 5
RTOL = 1e-12  # relative to the largest value compared; float64 agrees to ~1e-15

KINDS = {
    "RNN_tanh": (nn.RNN, nn.RNNCell, {"nonlinearity": "tanh"}),
    "RNN_relu": (nn.RNN, nn.RNNCell, {"nonlinearity": "relu"}),
    "LSTM": (nn.LSTM, nn.LSTMCell, {}),
    "GRU": (nn.GRU, nn.GRUCell, {}),
}
PARAMS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def assert_close(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    scale = max(float(np.abs(expected).max()), 1e-300)
    error = float(np.abs(actual - expected).max())
    assert error <= RTOL * scale, f"{what}: max error {error:.3g} for values up to {scale:.3g}"


def unroll(cell: nn.Module, xs: mt.Tensor, state, reverse: bool):
    """The cell over every step (last to first when `reverse`); returns each step's h and the final state."""
    hs = [None] * T
    for t in (reversed(range(T)) if reverse else range(T)):
        state = cell(xs[t], state)
        hs[t] = state[0] if isinstance(state, tuple) else state
    return mt.stack(hs, 0), state


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("kind", KINDS)
def test_fused_layer_equals_its_cell_unrolled(kind, reverse):
    layer_cls, cell_cls, options = KINDS[kind]
    rng = np.random.default_rng(0)
    lstm = kind == "LSTM"
    directions = 2 if reverse else 1
    layer = layer_cls(I, H, bidirectional=reverse, **options).double()
    cell = cell_cls(I, H, **options).double()
    suffix = "_reverse" if reverse else ""
    cell.load_state_dict({name: getattr(layer, f"{name}_l0{suffix}").data for name in PARAMS})

    x = rng.standard_normal((T, B, I))
    states = [rng.standard_normal((directions, B, H)) for _ in range(2 if lstm else 1)]
    upstream_out = rng.standard_normal((T, B, H))
    upstream_states = [rng.standard_normal((B, H)) for _ in states]

    # The fused layer; only the checked direction gets upstream gradient.
    x_layer = mt.tensor(x, requires_grad=True)
    s_layer = [mt.tensor(s, requires_grad=True) for s in states]
    out, finals = layer(x_layer, tuple(s_layer) if lstm else s_layer[0])
    finals = list(finals) if lstm else [finals]
    half = slice(H, 2 * H) if reverse else slice(0, H)
    loss = (out[:, :, half] * mt.tensor(upstream_out)).sum()
    for final, g in zip(finals, upstream_states, strict=True):
        loss = loss + (final[directions - 1] * mt.tensor(g)).sum()
    loss.backward()

    # The cell unrolled over time from the same states.
    x_cell = mt.tensor(x, requires_grad=True)
    s_cell = [mt.tensor(s[directions - 1], requires_grad=True) for s in states]
    hs, final_state = unroll(cell, x_cell, tuple(s_cell) if lstm else s_cell[0], reverse)
    final_state = list(final_state) if lstm else [final_state]
    loss = (hs * mt.tensor(upstream_out)).sum()
    for final, g in zip(final_state, upstream_states, strict=True):
        loss = loss + (final * mt.tensor(g)).sum()
    loss.backward()

    assert_close(out.data[:, :, half], hs.data, "output")
    for i, (fused, unrolled) in enumerate(zip(finals, final_state, strict=True)):
        assert_close(fused.data[directions - 1], unrolled.data, f"final state {i}")
        assert_close(s_layer[i].grad.data[directions - 1], s_cell[i].grad.data, f"grad of initial state {i}")
    assert_close(x_layer.grad.data, x_cell.grad.data, "grad of the input")
    for name in PARAMS:
        assert_close(getattr(layer, f"{name}_l0{suffix}").grad.data, getattr(cell, name).grad.data,
                     f"grad of {name}")


def test_cells_take_unbatched_input_and_default_states():
    cell = nn.LSTMCell(I, H)
    h, c = cell(mt.tensor(np.ones(I, dtype=np.float32)))
    assert h.shape == c.shape == (H,)
    assert nn.GRUCell(I, H)(mt.tensor(np.ones((2, I), dtype=np.float32))).shape == (2, H)


@pytest.mark.parametrize("call, message", [
    (lambda: nn.RNNCell(I, H)(mt.tensor(np.ones((2, 3, I), dtype=np.float32))), "Expected input to be 1D or 2D"),
    (lambda: nn.GRUCell(I, H)(mt.tensor(np.ones((2, I + 1), dtype=np.float32))), "inconsistent input_size"),
    (lambda: nn.LSTMCell(I, H)(mt.tensor(np.ones((2, I), dtype=np.float32)),
                               (mt.zeros(3, H), mt.zeros(3, H))), r"expected hidden state of shape \(2, 5\)"),
    (lambda: nn.RNNCell(I, H, nonlinearity="sigmoid"), "unknown nonlinearity"),
])
def test_cells_reject_bad_input_naming_the_shapes(call, message):
    with pytest.raises((RuntimeError, ValueError), match=message):
        call()
