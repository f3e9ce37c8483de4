"""Recurrent layers: RNN (tanh or relu), LSTM and GRU, stacked and bidirectional.

PyTorch equivalent: `torch.nn.RNN`, `torch.nn.LSTM`, `torch.nn.GRU` (same parameter names,
shapes, gate order and initialization, so state dicts move across).

How the work is laid out (this is where the speed comes from):

1. The input projection of ALL time steps is one GEMM: x of shape (T, B, I) is viewed as a
   (T*B, I) matrix and multiplied by W_ih^T (I, G*H) once, before the time loop.
2. Inside the loop, the gates of one step are one GEMM: h (B, H) @ W_hh^T (H, G*H) gives the
   recurrent part of all G gate blocks at once (G = 1 for RNN, 4 for LSTM, 3 for GRU).
3. One direction of one layer over the whole sequence is ONE graph node (`RecurrentScan`): its
   forward runs the time loop in NumPy, its backward runs backpropagation through time (BPTT)
   in NumPy. Building the graph from tiny ops instead would make ~15 nodes per step, each
   paying Python overhead in forward and backward.
4. The backward's weight gradients are again whole-sequence GEMMs: once the loop has produced
   the gradient of every step's gate pre-activations, dW_ih, dW_hh and dx are one GEMM each.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minitorch.autograd import Function
from minitorch.nn import functional as F
from minitorch.nn import init
from minitorch.nn.module import Module
from minitorch.nn.parameter import Parameter
from minitorch.nn.rnn_cell import gru_step, lstm_step, rnn_step
from minitorch.ops.shape import cat, stack
from minitorch.tensor import Tensor, get_default_dtype

Scanned = tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]  # the outputs, what the backward needs
Gradients = tuple[np.ndarray, np.ndarray | None, tuple[np.ndarray, ...]]  # dA, dR, initial states'

# ---------------------------------------------------------------------------------------------
# The fused layer functions: forward over time and BPTT, side by side
# ---------------------------------------------------------------------------------------------


class RecurrentScan(Function):
    """One direction of one recurrent layer over a whole sequence, as one autograd node.

    Inputs: x (T, B, I), the initial state(s) (B, H) (h0; LSTM also c0), W_ih (G*H, I),
    W_hh (G*H, H) and, when the layer has biases, b_ih and b_hh (G*H,).
    Outputs: the hidden state of every step, (T, B, H), in input time order (the reverse
    direction processes t = T-1 .. 0 but still writes step t's state at row t); an LSTM's node
    has a second output, its final cell state c_T (B, H). Each output gets its own gradient in
    the backward (None when nothing used it).

    Forward:  A = x @ W_ih^T + b for all steps (one GEMM), then per step
              P_t = A_t + h_{t-1} @ W_hh^T  (one GEMM for all gates) and the cell's update.
    Backward: walking the steps in the opposite order, the subclass turns dL/dh_t into
              dA_t = dL/dA_t (pre-activations through the input side) and
              dR_t = dL/d(h_{t-1} @ W_hh^T + b_hh) (through the recurrent side; equal to dA_t
              except in the GRU) and dL/dh_{t-1} = (direct terms) + dR_t @ W_hh. Then, over all
              steps at once: dx = dA @ W_ih, dW_ih = dA^T x, dW_hh = dR^T H_prev,
              db_ih = sum dA, db_hh = sum dR, where H_prev[t] is the state that entered step t.
    PyTorch equivalent: one layer and direction of torch.nn.RNN / LSTM / GRU (cuDNN fuses the same way).
    """

    n_states = 1  # initial states among the inputs: h0 (LSTM: h0 and c0)

    def forward(self, x: np.ndarray, *args: np.ndarray, reverse: bool,
                **cell: Any) -> np.ndarray | tuple[np.ndarray, ...]:
        n = self.n_states
        states, (w_ih, w_hh, *biases) = args[:n], args[n:]
        T, B, I = x.shape
        xp = (x.reshape(T * B, I) @ w_ih.T).reshape(T, B, -1)
        self.has_bias = bool(biases)
        self.steps = range(T - 1, -1, -1) if reverse else range(T)
        h_prev = np.empty((T, B, w_hh.shape[1]), dtype=xp.dtype)
        outputs, cache = self.scan(xp, states, w_hh, biases, h_prev, **cell)
        self.save_for_backward(x, w_ih, w_hh, h_prev, *cache)
        return outputs if len(outputs) > 1 else outputs[0]

    def backward(self, grad: np.ndarray | None,
                 *final_grads: np.ndarray | None) -> tuple[np.ndarray | None, ...]:
        x, w_ih, w_hh, h_prev, *cache = self.saved_tensors
        if grad is None:  # only the final cell state was used
            grad = np.zeros_like(h_prev)
        d_a, d_r, d_states = self.scan_backward(grad, final_grads, w_hh, h_prev, cache)
        T, B, I = x.shape
        need = self.needs_input_grad[0], *self.needs_input_grad[self.n_states + 1:]
        d_a2 = d_a.reshape(T * B, -1)
        d_r2 = d_a2 if d_r is None else d_r.reshape(T * B, -1)
        dx = (d_a2 @ w_ih).reshape(x.shape) if need[0] else None
        dw_ih = d_a2.T @ x.reshape(T * B, I) if need[1] else None
        dw_hh = d_r2.T @ h_prev.reshape(T * B, -1) if need[2] else None
        bias_grads = ((d_a2.sum(0) if need[3] else None, d_r2.sum(0) if need[4] else None)
                      if self.has_bias else ())
        return (dx, *d_states, dw_ih, dw_hh, *bias_grads)

    def scan(self, xp: np.ndarray, states: tuple[np.ndarray, ...], w_hh: np.ndarray,
             biases: list[np.ndarray], h_prev: np.ndarray, **cell: Any) -> Scanned:
        """The time loop: returns the outputs and the arrays its backward needs."""
        raise NotImplementedError

    def composite(self, x: Tensor, *args: Tensor) -> Tensor | tuple[Tensor, ...]:
        """The same layer as the cells of nn/rnn_cell.py unrolled over time (differentiable ops):
        its gradient is this node's differentiable backward (second derivatives through time)."""
        n = self.n_states
        states, (w_ih, w_hh, *biases) = list(args[:n]), args[n:]
        b_ih, b_hh = biases if biases else (None, None)
        from_input = F.linear(x, w_ih, b_ih)  # every step's input projection at once
        hidden: list[Tensor | None] = [None] * x.shape[0]
        for t in self.steps:
            states = self.step(from_input[t], F.linear(states[0], w_hh, b_hh), states)
            hidden[t] = states[0]
        out = stack(hidden, 0)
        return (out, *states[1:]) if n > 1 else out

    def step(self, from_input: Tensor, from_hidden: Tensor, states: list[Tensor]) -> list[Tensor]:
        """One time step of the cell on tensors: the new states (h first)."""
        raise NotImplementedError

    def scan_backward(self, grad: np.ndarray, final_grads: tuple[np.ndarray | None, ...], w_hh: np.ndarray,
                      h_prev: np.ndarray, cache: list[np.ndarray]) -> Gradients:
        """BPTT from dL/d(every h_t) and the gradients of the extra outputs (LSTM: dL/dc_T, or
        None): returns dA (T, B, G*H), dR (None when equal to dA) and the initial states' grads."""
        raise NotImplementedError


class RNNScan(RecurrentScan):
    """Elman RNN:  h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),  act = tanh or relu.

    BPTT: with dh = dL/dh_t (the output's gradient at t plus what step t+1 sent back),
    dA_t = dh * act'(h_t)  (tanh' = 1 - h_t^2, relu' = [h_t > 0]),  dL/dh_{t-1} = dA_t @ W_hh.
    PyTorch equivalent: torch.nn.RNN (nonlinearity='tanh' or 'relu').
    """

    op_name = "rnn"

    def scan(self, xp: np.ndarray, states: tuple[np.ndarray, ...], w_hh: np.ndarray,
             biases: list[np.ndarray], h_prev: np.ndarray,
             nonlinearity: str = "tanh") -> Scanned:
        if biases:
            xp += biases[0] + biases[1]
        (h,) = states
        out = np.empty_like(h_prev)
        w_hh_t = np.ascontiguousarray(w_hh.T)  # h @ W^T runs faster on a contiguous W^T
        for t in self.steps:
            h_prev[t] = h
            h = out[t]
            np.matmul(h_prev[t], w_hh_t, out=h)
            h += xp[t]
            if nonlinearity == "tanh":
                np.tanh(h, out=h)
            else:
                np.maximum(h, 0, out=h)
        self.nonlinearity = nonlinearity
        return (out,), (out,)

    def step(self, from_input: Tensor, from_hidden: Tensor, states: list[Tensor]) -> list[Tensor]:
        return [rnn_step(from_input, from_hidden, self.nonlinearity)]

    def scan_backward(self, grad: np.ndarray, final_grads: tuple[np.ndarray | None, ...], w_hh: np.ndarray,
                      h_prev: np.ndarray, cache: list[np.ndarray]) -> Gradients:
        (out,) = cache
        d_a = (1 - out * out) if self.nonlinearity == "tanh" else (out > 0).astype(out.dtype)
        dh = np.zeros_like(grad[0])
        for t in reversed(self.steps):
            dh += grad[t]
            d_a[t] *= dh
            dh = d_a[t] @ w_hh
        return d_a, None, (dh,)


class LSTMScan(RecurrentScan):
    """LSTM, gates in torch's order i, f, g, o (rows of W_ih, W_hh, b_ih, b_hh):

        [i, f, g, o] = [sigm, sigm, tanh, sigm](x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
        c_t = f * c_{t-1} + i * g,        h_t = o * tanh(c_t)

    BPTT, step t in reverse processing order, with dh = dL/dh_t (the output's gradient at t plus
    what step t+1 sent back) and dc = dL/dc_t (what step t+1 sent back):
        dc += dh * o * (1 - tanh(c_t)^2)
        d[i, f, g, o] = [dc * g, dc * c_{t-1}, dc * i, dh * tanh(c_t)]
        dA_t = d[i, f, g, o] * [i(1-i), f(1-f), 1-g^2, o(1-o)]   (through the activations)
        dL/dc_{t-1} = dc * f,    dL/dh_{t-1} = dA_t @ W_hh
    Two outputs: the T hidden states (T, B, H) and the final cell state c_T (B, H).
    """

    op_name = "lstm"
    n_states = 2

    def scan(self, xp: np.ndarray, states: tuple[np.ndarray, ...], w_hh: np.ndarray,
             biases: list[np.ndarray], h_prev: np.ndarray) -> Scanned:
        if biases:
            xp += biases[0] + biases[1]
        h, c = states
        T, B, H = h_prev.shape
        out = np.empty((T, B, H), dtype=xp.dtype)
        gates, c_prev, tanh_c = xp, np.empty_like(h_prev), np.empty_like(h_prev)
        w_hh_t, rec = np.ascontiguousarray(w_hh.T), np.empty((B, 4 * H), dtype=xp.dtype)
        scale = lstm_activation_scale(H, xp.dtype)
        for t in self.steps:
            h_prev[t], c_prev[t] = h, c
            a = gates[t]  # A_t, replaced in place by the activated gates
            a += np.matmul(h, w_hh_t, out=rec)
            lstm_activations_(a, scale)
            i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            c = f * c + i * g
            np.tanh(c, out=tanh_c[t])
            h = np.multiply(o, tanh_c[t], out=out[t])
        return (out, c), (gates, c_prev, tanh_c)

    def step(self, from_input: Tensor, from_hidden: Tensor, states: list[Tensor]) -> list[Tensor]:
        return list(lstm_step(from_input, from_hidden, states[1]))

    def scan_backward(self, grad: np.ndarray, final_grads: tuple[np.ndarray | None, ...], w_hh: np.ndarray,
                      h_prev: np.ndarray, cache: list[np.ndarray]) -> Gradients:
        gates, c_prev, tanh_c = cache
        H = h_prev.shape[2]
        # What does not depend on the incoming gradient is computed for all steps at once:
        d_a = gates * (1 - gates)  # sigmoid' for i, f, o: s(1 - s); tanh' for g below
        d_a[..., 2 * H:3 * H] = 1 - gates[..., 2 * H:3 * H] ** 2
        dh_dc = gates[..., 3 * H:] * (1 - tanh_c * tanh_c)  # dh_t/dc_t = o * tanh'(c_t)
        dh = np.zeros_like(grad[0])
        (d_c_final,) = final_grads
        dc = np.zeros_like(grad[0]) if d_c_final is None else d_c_final.copy()
        for t in reversed(self.steps):
            a, tc, d = gates[t], tanh_c[t], d_a[t]
            i, f, g = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H]
            dh += grad[t]
            dc += dh * dh_dc[t]
            d[:, :H] *= dc * g
            d[:, H:2 * H] *= dc * c_prev[t]
            d[:, 2 * H:3 * H] *= dc * i
            d[:, 3 * H:] *= dh * tc
            dc *= f
            dh = d @ w_hh
        return d_a, None, (dh, dc)


class GRUScan(RecurrentScan):
    """GRU, gates in torch's order r, z, n:

        [r, z] = sigm(x_t W_i[rz]^T + b_i[rz] + h_{t-1} W_h[rz]^T + b_h[rz])
        n = tanh(x_t W_in^T + b_in + r * (h_{t-1} W_hn^T + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}

    The reset gate multiplies the recurrent part of n *with* its bias b_hn, so the recurrent
    side has its own pre-activation R_t = h_{t-1} W_hh^T + b_hh. BPTT, with dh = dL/dh_t as in
    the LSTM:
        dn = dh * (1 - z) * (1 - n^2),   dz = dh * (h_{t-1} - n) * z(1-z),
        dr = dn * R_t[n] * r(1-r)
        dA_t = [dr, dz, dn],   dR_t = [dr, dz, dn * r],   dL/dh_{t-1} = dh * z + dR_t @ W_hh
    """

    op_name = "gru"

    def scan(self, xp: np.ndarray, states: tuple[np.ndarray, ...], w_hh: np.ndarray,
             biases: list[np.ndarray], h_prev: np.ndarray) -> Scanned:
        b_hh = None
        if biases:
            xp += biases[0]
            b_hh = biases[1]
        (h,) = states
        T, B, H = h_prev.shape
        out = np.empty_like(h_prev)
        rz = np.empty((T, B, 2 * H), dtype=xp.dtype)
        n, r_n = np.empty_like(h_prev), np.empty_like(h_prev)  # r_n: R_t's n block
        w_hh_t = np.ascontiguousarray(w_hh.T)
        for t in self.steps:
            h_prev[t] = h
            rec = h @ w_hh_t
            if b_hh is not None:
                rec += b_hh
            np.add(xp[t, :, :2 * H], rec[:, :2 * H], out=rz[t])
            sigmoid_(rz[t])
            r, z = rz[t, :, :H], rz[t, :, H:]
            r_n[t] = rec[:, 2 * H:]
            np.tanh(xp[t, :, 2 * H:] + r * r_n[t], out=n[t])
            h = np.add(n[t], z * (h - n[t]), out=out[t])
        return (out,), (rz, n, r_n)

    def step(self, from_input: Tensor, from_hidden: Tensor, states: list[Tensor]) -> list[Tensor]:
        return [gru_step(from_input, from_hidden, states[0])]

    def scan_backward(self, grad: np.ndarray, final_grads: tuple[np.ndarray | None, ...], w_hh: np.ndarray,
                      h_prev: np.ndarray, cache: list[np.ndarray]) -> Gradients:
        rz, n, r_n = cache
        T, B, H = h_prev.shape
        d_a = np.empty((T, B, 3 * H), dtype=grad.dtype)
        d_r = np.empty_like(d_a)
        dh = np.zeros_like(grad[0])
        for t in reversed(self.steps):
            r, z, n_t = rz[t, :, :H], rz[t, :, H:], n[t]
            dh += grad[t]
            dn = dh * (1 - z) * (1 - n_t * n_t)
            d_a[t, :, 2 * H:] = dn
            d_a[t, :, H:2 * H] = dh * (h_prev[t] - n_t) * z * (1 - z)
            d_a[t, :, :H] = dn * r_n[t] * r * (1 - r)
            d_r[t, :, :2 * H] = d_a[t, :, :2 * H]
            np.multiply(dn, r, out=d_r[t, :, 2 * H:])
            dh = dh * z + d_r[t] @ w_hh
        return d_a, d_r, (dh,)


def sigmoid_(a: np.ndarray) -> np.ndarray:
    """Sigmoid in place, as sigm(x) = (1 + tanh(x / 2)) / 2 (the plain version: `Tensor.sigmoid`).
    Saves the temporaries of the usual formula and one transcendental call, with no overflow for
    large |x| (e^-x would overflow float32 past x = -88)."""
    a *= 0.5
    np.tanh(a, out=a)
    a += 1
    a *= 0.5
    return a


def lstm_activation_scale(hidden: int, dtype: np.dtype) -> np.ndarray:
    """s for `lstm_activations_`: 1/2 on the i, f, o blocks, 1 on the g block (4 * hidden,)."""
    return np.repeat(np.array([0.5, 0.5, 1.0, 0.5], dtype=dtype), hidden)


def lstm_activations_(a: np.ndarray, s: np.ndarray) -> np.ndarray:
    """[sigm, sigm, tanh, sigm] of the gate blocks [i, f, g, o] of a (B, 4H), in place, as
    s * tanh(s * a) + (1 - s), since sigm(x) = tanh(x/2)/2 + 1/2 (the plain version: the four
    lines of `LSTMCell`). Saves four temporaries of (B, H) and three of the four activation calls
    per step."""
    a *= s
    np.tanh(a, out=a)
    a *= s
    a += 1 - s
    return a


# ---------------------------------------------------------------------------------------------
# The modules
# ---------------------------------------------------------------------------------------------


class RNNBase(Module):
    """The shared frame of RNN, LSTM and GRU: parameters per layer and direction, input and
    state checks, and the loop over layers and directions (each one `RecurrentScan` node).

    Parameters (torch's names): weight_ih_l{k} (G*H, I_k), weight_hh_l{k} (G*H, H),
    bias_ih_l{k}, bias_hh_l{k} (G*H,), and the same with suffix `_reverse` for the backward
    direction; I_0 = input_size, I_k = H * num_directions above. All are initialized
    uniform(-1/sqrt(H), 1/sqrt(H)), as in torch.
    """

    mode = ""
    gates = 1
    scan_fn: type[RecurrentScan] = RNNScan

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False) -> None:
        super().__init__()
        if not 0 <= dropout <= 1:
            raise ValueError(f"{self.mode}: dropout should be a number in range [0, 1], got {dropout}")
        if hidden_size <= 0 or num_layers <= 0:
            raise ValueError(
                f"{self.mode}: hidden_size and num_layers must be positive, got {hidden_size}, {num_layers}"
            )
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        self.num_directions = 2 if bidirectional else 1
        rows = self.gates * hidden_size
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * self.num_directions
            for suffix in ("", "_reverse")[:self.num_directions]:
                shapes = {"weight_ih": (rows, layer_input), "weight_hh": (rows, hidden_size)}
                if bias:
                    shapes |= {"bias_ih": (rows,), "bias_hh": (rows,)}
                for name, shape in shapes.items():
                    setattr(self, f"{name}_l{layer}{suffix}", Parameter(np.empty(shape, get_default_dtype())))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias uniform(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch."""
        bound = 1 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def layer_weights(self, layer: int, direction: int) -> list[Parameter]:
        suffix = "_reverse" if direction else ""
        names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if self.bias else [])
        return [getattr(self, f"{name}_l{layer}{suffix}") for name in names]

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        defaults = {"num_layers": 1, "bias": True, "batch_first": False, "dropout": 0.0,
                    "bidirectional": False}
        return text + "".join(f", {k}={getattr(self, k)}" for k, v in defaults.items()
                              if getattr(self, k) != v)

    # -- checks -------------------------------------------------------------------------------
    def _check_input(self, x: Tensor) -> None:
        if x.ndim not in (2, 3):
            raise ValueError(f"{self.mode}: expected input to be 2-D or 3-D, got {x.ndim}-D "
                             f"(input shape {x.shape})")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{self.mode}: input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {x.shape[-1]} (input shape {x.shape})"
            )
        weight = self.weight_ih_l0
        if x.dtype != weight.dtype:
            raise RuntimeError(f"{self.mode}: input dtype {x.dtype} does not match the weights' "
                               f"dtype {weight.dtype} (convert one of them with .to(dtype))")

    def _check_state(self, name: str, state: Tensor, expected: tuple[int, ...], dtype: np.dtype) -> None:
        if state.shape != expected:
            raise RuntimeError(f"{self.mode}: expected {name} of shape {expected}, got {state.shape}")
        if state.dtype != dtype:
            raise RuntimeError(f"{self.mode}: {name} dtype {state.dtype} does not match the input "
                               f"dtype {dtype}")

    # -- forward ------------------------------------------------------------------------------
    def run(self, x: Tensor, states: list[Tensor | None], state_names: tuple[str, ...]
            ) -> tuple[Tensor, list[Tensor]]:
        """Run all layers and directions; returns the output and the final states, each as
        (num_layers * num_directions, B, H) like torch (unbatched inputs without the B)."""
        self._check_input(x)
        batched = x.ndim == 3
        if not batched:
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        T, B, _ = x.shape
        expected = (self.num_layers * self.num_directions, B, self.hidden_size)
        initial = []
        for name, state in zip(state_names, states, strict=True):
            if state is None:
                state = Tensor(np.zeros(expected, dtype=x.dtype))
            else:
                self._check_state(name, state, expected if batched else (expected[0], expected[2]), x.dtype)
                state = state if batched else state.unsqueeze(1)
            initial.append(state)

        finals: list[list[Tensor]] = [[] for _ in state_names]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                index = layer * self.num_directions + direction
                out, *final_cell = _as_tuple(self.scan_fn.apply(
                    x, *(s[index] for s in initial), *self.layer_weights(layer, direction),
                    reverse=bool(direction), **self.cell_options()))
                outputs.append(out)
                finals[0].append(out[0] if direction else out[T - 1])
                if final_cell:  # the LSTM's c_T, the node's second output
                    finals[1].append(final_cell[0])
            x = cat(outputs, 2) if self.bidirectional else outputs[0]
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        if not batched:
            return x.squeeze(1), [stack(f, 0).squeeze(1) for f in finals]
        return (x.transpose(0, 1) if self.batch_first else x), [stack(f, 0) for f in finals]

    def cell_options(self) -> dict[str, Any]:
        return {}


def _as_tuple(outputs: Tensor | tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    return outputs if isinstance(outputs, tuple) else (outputs,)


class RNN(RNNBase):
    """h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu), stacked/bidirectional.

    `forward(input, hx=None)` -> (output, h_n): input (T, B, I) ((B, T, I) with batch_first, or
    (T, I) unbatched), hx and h_n (num_layers * num_directions, B, H), output (T, B, H * dirs).
    PyTorch equivalent: torch.nn.RNN.
    """

    mode = "RNN"
    gates = 1
    scan_fn = RNNScan

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r} (use 'tanh' or 'relu')")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional)
        self.nonlinearity = nonlinearity

    def cell_options(self) -> dict[str, Any]:
        return {"nonlinearity": self.nonlinearity}

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        output, (h_n,) = self.run(input, [hx], ("h0",))
        return output, h_n


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o; see `LSTMScan` for the math).

    `forward(input, hx=None)` -> (output, (h_n, c_n)), with hx = (h0, c0) or None (zeros).
    PyTorch equivalent: torch.nn.LSTM (without proj_size).
    """

    mode = "LSTM"
    gates = 4
    scan_fn = LSTMScan

    def forward(self, input: Tensor,  # noqa: A002
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        if hx is not None and (not isinstance(hx, tuple | list) or len(hx) != 2):
            raise TypeError("LSTM: hx must be a tuple (h0, c0)")
        output, (h_n, c_n) = self.run(input, list(hx) if hx is not None else [None, None], ("h0", "c0"))
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z, n; see `GRUScan` for the math).

    `forward(input, hx=None)` -> (output, h_n). PyTorch equivalent: torch.nn.GRU.
    """

    mode = "GRU"
    gates = 3
    scan_fn = GRUScan

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        output, (h_n,) = self.run(input, [hx], ("h0",))
        return output, h_n
