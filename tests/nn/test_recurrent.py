"""RNN, LSTM and GRU: the fused per-layer Functions against finite differences, error messages,
float32 kept end to end, dropout between layers, parameter names and init.
(Parity with torch in every option is in comparisons/cases/recurrent.py.)"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch
import minitorch.nn as nn
from minitorch.nn.rnn import GRUScan, LSTMScan, RNNScan

T, B, I, H = 3, 2, 3, 2

SCANS = {
    "rnn_tanh": (RNNScan, 1, 1, {"nonlinearity": "tanh"}),
    "rnn_relu": (RNNScan, 1, 1, {"nonlinearity": "relu"}),
    "lstm": (LSTMScan, 4, 2, {}),
    "gru": (GRUScan, 3, 1, {}),
}


def sigmoid(v: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-v))


def scan_inputs(gates: int, n_states: int, bias: bool, dtype=np.float64, seed=0) -> list[minitorch.Tensor]:
    rng = np.random.default_rng(seed)
    shapes = [(T, B, I)] + [(B, H)] * n_states + [(gates * H, I), (gates * H, H)]
    shapes += [(gates * H,), (gates * H,)] if bias else []
    return [minitorch.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in shapes]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("kind", SCANS)
def test_scan_backward_matches_finite_differences(kind, reverse, bias):
    fn, gates, n_states, options = SCANS[kind]
    inputs = scan_inputs(gates, n_states, bias)
    assert minitorch.gradcheck(lambda *args: fn.apply(*args, reverse=reverse, **options), inputs)


@pytest.mark.parametrize("kind", SCANS)
def test_scan_keeps_float32_in_forward_and_backward(kind):
    fn, gates, n_states, options = SCANS[kind]
    outs = fn.apply(*scan_inputs(gates, n_states, True, dtype=np.float32), reverse=False, **options)
    outs = outs if isinstance(outs, tuple) else (outs,)
    assert [o.dtype for o in outs] == [np.float32] * len(outs)
    grads = outs[0].grad_fn.backward(*(np.ones(o.shape, dtype=np.float32) for o in outs))
    assert [g.dtype for g in grads] == [np.float32] * len(grads)


def test_lstm_node_has_two_outputs_hidden_states_and_final_cell():
    """The LSTM node's outputs are every h_t (T, B, H) and c_T (B, H), no packed extra row:
    checked against a step-by-step loop."""
    x, h0, c0, w_ih, w_hh, b_ih, b_hh = (t.data for t in scan_inputs(4, 2, True))
    out, c_final = LSTMScan.apply(*scan_inputs(4, 2, True), reverse=False)
    assert out.shape == (T, *h0.shape) and c_final.shape == c0.shape
    assert out.grad_fn is c_final.grad_fn
    h, c = h0, c0
    for t in range(T):
        i, f, g, o = np.split(x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 4, axis=1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        np.testing.assert_allclose(out.data[t], h, atol=1e-12)
    np.testing.assert_allclose(c_final.data, c, atol=1e-12)


@pytest.mark.parametrize("used", ["output", "h_n", "c_n"])
def test_lstm_gradient_through_one_output_only(used):
    """Each output of the LSTM node gets its own gradient; the others' are None (no zeros sent)."""
    lstm = nn.LSTM(3, 2, bidirectional=True).double()
    x = minitorch.randn(4, 2, 3, dtype=np.float64, requires_grad=True)

    def f(x, *_):
        out, (h, c) = lstm(x)
        return {"output": out, "h_n": h, "c_n": c}[used]

    assert minitorch.gradcheck(f, [x, lstm.weight_hh_l0, lstm.bias_ih_l0_reverse])


def test_stacked_bidirectional_lstm_gradcheck_through_the_module():
    lstm = nn.LSTM(3, 2, num_layers=2, bidirectional=True).double()
    x = minitorch.randn(3, 2, 3, dtype=np.float64, requires_grad=True)
    h0 = minitorch.randn(4, 2, 2, dtype=np.float64, requires_grad=True)
    c0 = minitorch.randn(4, 2, 2, dtype=np.float64, requires_grad=True)
    params = list(lstm.parameters())

    def f(x, h0, c0, *_):  # the weights are the module's own: gradcheck perturbs them in place
        out, (h, c) = lstm(x, (h0, c0))
        return out, h, c

    assert minitorch.gradcheck(f, [x, h0, c0, params[0], params[5]])


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_float32_end_to_end(cls):
    layer = cls(4, 5, num_layers=2, bidirectional=True, batch_first=True)
    x = minitorch.randn(2, 3, 4, requires_grad=True)
    out, state = layer(x)
    states = state if isinstance(state, tuple) else (state,)
    assert out.dtype == np.float32 and all(s.dtype == np.float32 for s in states)
    assert out.shape == (2, 3, 10) and states[0].shape == (4, 2, 5)
    (out.sum() + sum(s.sum() for s in states)).backward()
    assert x.grad.dtype == np.float32
    assert all(p.grad is not None and p.grad.dtype == np.float32 for p in layer.parameters())


def test_wrong_input_size_names_the_layer_and_shapes():
    with pytest.raises(RuntimeError, match=r"LSTM: input.size\(-1\) must be equal to input_size. "
                                           r"Expected 4, got 3 \(input shape \(5, 2, 3\)\)"):
        nn.LSTM(4, 6)(minitorch.randn(5, 2, 3))
    with pytest.raises(ValueError, match=r"GRU: expected input to be 2-D or 3-D, got 4-D"):
        nn.GRU(4, 6)(minitorch.randn(1, 5, 2, 4))


def test_wrong_initial_state_shape_and_dtype():
    rnn = nn.RNN(4, 6, num_layers=2)
    with pytest.raises(RuntimeError, match=r"RNN: expected h0 of shape \(2, 3, 6\), got \(1, 3, 6\)"):
        rnn(minitorch.randn(5, 3, 4), minitorch.zeros(1, 3, 6))
    lstm = nn.LSTM(4, 6)
    with pytest.raises(RuntimeError, match=r"LSTM: expected c0 of shape \(1, 3, 6\), got \(1, 3, 5\)"):
        lstm(minitorch.randn(5, 3, 4), (minitorch.zeros(1, 3, 6), minitorch.zeros(1, 3, 5)))
    with pytest.raises(TypeError, match="LSTM: hx must be a tuple"):
        lstm(minitorch.randn(5, 3, 4), minitorch.zeros(1, 3, 6))
    with pytest.raises(RuntimeError, match="LSTM: input dtype float64 does not match the weights' dtype float32"):
        lstm(minitorch.randn(5, 3, 4, dtype=np.float64))


def test_constructor_errors():
    with pytest.raises(ValueError, match="RNN: unknown nonlinearity 'gelu'"):
        nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match=r"GRU: dropout should be a number in range \[0, 1\]"):
        nn.GRU(3, 4, dropout=1.5)


def test_dropout_acts_between_layers_only_in_training():
    x = minitorch.randn(6, 4, 3)
    one_layer = nn.LSTM(3, 8, dropout=0.5)  # nothing between layers: no dropout at all
    train_out = one_layer(x)[0].data
    np.testing.assert_array_equal(train_out, one_layer.eval()(x)[0].data)

    two_layers = nn.GRU(3, 8, num_layers=2, dropout=0.5)
    eval_out = two_layers.eval()(x)[0].data
    np.testing.assert_array_equal(eval_out, two_layers(x)[0].data)  # eval is deterministic
    two_layers.train()
    minitorch.manual_seed(1)
    first = two_layers(x)[0].data
    minitorch.manual_seed(1)
    np.testing.assert_array_equal(first, two_layers(x)[0].data)  # the global generator decides
    assert not np.allclose(first, eval_out)


def test_parameter_names_shapes_and_init_match_torch():
    ours = nn.LSTM(3, 16, num_layers=2, bidirectional=True)
    theirs = torch.nn.LSTM(3, 16, num_layers=2, bidirectional=True)
    assert [(n, p.shape) for n, p in ours.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in theirs.named_parameters()
    ]
    bound = 1 / np.sqrt(16)
    values = np.concatenate([p.data.ravel() for p in ours.parameters()])
    assert np.abs(values).max() <= bound
    assert abs(values.std() - bound / np.sqrt(3)) < 0.1 * bound  # U(-b, b) has std b / sqrt(3)


def test_unbatched_input_and_state():
    gru = nn.GRU(3, 4, num_layers=2)
    out, h = gru(minitorch.randn(5, 3), minitorch.zeros(2, 4))
    assert out.shape == (5, 4) and h.shape == (2, 4)
    batched_out, _ = gru(minitorch.tensor(np.zeros((5, 1, 3), np.float32)))
    np.testing.assert_allclose(gru(minitorch.zeros(5, 3))[0].data, batched_out.data[:, 0], atol=1e-7)
