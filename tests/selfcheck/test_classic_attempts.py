"""Learner-style wrong attempts, written independently of the grader's own classics, run through
the worker process: each fails with the hint for its mistake; right attempts pass."""

from __future__ import annotations

import pytest

WRONG = {
    "forgot to un-broadcast": ("unbroadcast", """
        def unbroadcast(grad, shape):
            return grad
        """, "forgot to un-broadcast"),
    "unbiased variance in batch norm's output": ("batchnorm_forward_train", """
        def batchnorm_forward_train(x, gamma, beta, running_mean, running_var, momentum, eps):
            axes = (0,) + tuple(range(2, x.ndim))
            shape = [1, -1] + [1] * (x.ndim - 2)
            mu, var = x.mean(axis=axes), x.var(axis=axes, ddof=1)
            y = (x - mu.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
            y = y * gamma.reshape(shape) + beta.reshape(shape)
            return y, (1 - momentum) * running_mean + momentum * mu, (1 - momentum) * running_var + momentum * var
        """, "normalize with the biased variance"),
    "biased variance in the running estimate": ("batchnorm_forward_train", """
        def batchnorm_forward_train(x, gamma, beta, running_mean, running_var, momentum, eps):
            axes = (0,) + tuple(range(2, x.ndim))
            shape = [1, -1] + [1] * (x.ndim - 2)
            mu, var = x.mean(axis=axes), x.var(axis=axes)
            y = (x - mu.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
            y = y * gamma.reshape(shape) + beta.reshape(shape)
            return y, (1 - momentum) * running_mean + momentum * mu, (1 - momentum) * running_var + momentum * var
        """, "the running variance is updated with the UNBIASED"),
    "unscaled dropout": ("dropout", """
        def dropout(x, p, keep, training):
            return np.where(keep, x, 0.0) if training else x
        """, "unscaled dropout"),
    "unstable softmax": ("softmax_cross_entropy_backward", """
        def softmax_cross_entropy_backward(logits, labels):
            e = np.exp(logits)
            p = e / e.sum(axis=1, keepdims=True)
            p[np.arange(len(labels)), labels] -= 1
            return p / len(labels)
        """, "unstable softmax"),
    "repeated indices not accumulated": ("embedding_backward", """
        def embedding_backward(indices, grad_out, num_embeddings):
            dw = np.zeros((num_embeddings, grad_out.shape[-1]))
            dw[indices] += grad_out
            return dw
        """, "forgot to accumulate repeated indices"),
    "Adam without bias correction": ("adam_step", """
        def adam_step(param, grad, m, v, step, lr, beta1, beta2, eps, weight_decay):
            g = grad + weight_decay * param
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            return param - lr * m / (np.sqrt(v) + eps), m, v
        """, "Adam without bias correction"),
    "AdamW with L2 instead of decoupled decay": ("adamw_step", """
        def adamw_step(param, grad, m, v, step, lr, beta1, beta2, eps, weight_decay):
            g = grad + weight_decay * param
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            m_hat, v_hat = m / (1 - beta1 ** step), v / (1 - beta2 ** step)
            return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
        """, "AdamW decouples the weight decay"),
    "Nesterov done as classic momentum": ("sgd_momentum_step", """
        def sgd_momentum_step(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov):
            d = grad + weight_decay * param
            buf = d if buf is None else momentum * buf + (1 - dampening) * d
            return param - lr * buf, buf
        """, "Nesterov momentum steps along"),
    "max-pool gradient to every tied maximum": ("maxpool2d_backward", """
        def maxpool2d_backward(x, grad_out, kernel_size, stride):
            dx = np.zeros_like(x)
            n, c, oh, ow = grad_out.shape
            for p in range(oh):
                for q in range(ow):
                    win = x[:, :, p*stride:p*stride+kernel_size, q*stride:q*stride+kernel_size]
                    hit = win == win.max(axis=(2, 3), keepdims=True)
                    dx[:, :, p*stride:p*stride+kernel_size, q*stride:q*stride+kernel_size] += (
                        hit * grad_out[:, :, p:p+1, q:q+1])
            return dx
        """, "on a tie only ONE element"),
    "pre-order DFS as the backward order": ("topological_order", """
        def topological_order(graph, root):
            order, stack = [], [root]
            while stack:
                node = stack.pop()
                if node not in order:
                    order.append(node)
                    stack.extend(reversed(graph[node]))
            return order
        """, "pre-order DFS"),
    "attention without the 1/sqrt(d) scale": ("scaled_dot_product_attention", """
        def scaled_dot_product_attention(q, k, v, mask):
            s = np.where(mask, q @ np.swapaxes(k, -1, -2), -np.inf)
            w = np.exp(s - s.max(-1, keepdims=True))
            return w / w.sum(-1, keepdims=True) @ v
        """, "scale the scores by 1 / sqrt(d)"),
    "each gradient clipped by its own norm": ("clip_grad_norm", """
        def clip_grad_norm(grads, max_norm, norm_type):
            norms = [np.linalg.norm(g.ravel(), norm_type) for g in grads]
            total = np.linalg.norm(norms, norm_type)
            return [g * min(1.0, max_norm / (n + 1e-6)) for g, n in zip(grads, norms)], total
        """, "clip by the TOTAL norm"),
    "LSTM gates in the order i, f, o, g": ("lstm_cell", """
        def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
            z = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
            i, f, o, g = np.split(z, 4, axis=1)
            sig = lambda a: 1 / (1 + np.exp(-a))
            c = sig(f) * c + sig(i) * np.tanh(g)
            return sig(o) * np.tanh(c), c
        """, "torch orders the gate blocks i, f, g, o"),
    "a loss scaler that misses NaN": ("grad_scaler_step", """
        def grad_scaler_step(grads, scale, growth_tracker, growth_factor, backoff_factor, growth_interval):
            unscaled = [g / scale for g in grads]
            if any(np.isinf(g).any() for g in grads):
                return unscaled, False, scale * backoff_factor, 0
            growth_tracker += 1
            if growth_tracker == growth_interval:
                return unscaled, True, scale * growth_factor, 0
            return unscaled, True, scale, growth_tracker
        """, "a NaN gradient is as bad as an inf"),
    "confusion matrix with rows and columns swapped": ("accuracy_and_confusion", """
        def accuracy_and_confusion(logits, labels, num_classes):
            pred = logits.argmax(axis=1)
            confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
            for t, p in zip(labels, pred):
                confusion[p, t] += 1
            return float((pred == labels).mean()), confusion
        """, "rows are the TRUE classes"),
    "flip before the crop": ("random_crop_flip", """
        def random_crop_flip(images, padding, offsets, flips):
            n, c, h, w = images.shape
            padded = np.pad(images, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
            out = np.empty_like(images)
            for i in range(n):
                img = padded[i, :, :, ::-1] if flips[i] else padded[i]
                top, left = offsets[i]
                out[i] = img[:, top:top + h, left:left + w]
            return out
        """, "crop first, then flip"),
    "ties reversed by argsort()[::-1]": ("pad_and_sort", """
        def pad_and_sort(sequences, pad_value):
            lengths = np.array([len(s) for s in sequences])
            order = np.argsort(lengths)[::-1]
            padded = np.full((len(sequences), lengths.max()), pad_value)
            for r, i in enumerate(order):
                padded[r, :lengths[i]] = sequences[i]
            return padded, lengths[order], order
        """, "equal lengths must keep their original order"),
    "the last padded step as the final state": ("birnn_pool", """
        def birnn_pool(out, h_n, lengths):
            real = (np.arange(out.shape[1])[None, :] < lengths[:, None])[:, :, None]
            mean = (out * real).sum(axis=1) / lengths[:, None]
            return out[:, -1, :], mean, np.where(real, out, -np.inf).max(axis=1)
        """, "out[:, -1] is the last PADDED step"),
    "unknown words mapped to <pad>": ("build_vocab", """
        from collections import Counter

        def build_vocab(texts, min_count, query):
            counts = Counter(w for text in texts for w in text)
            words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
            itos = ["<pad>", "<unk>"] + words
            index = {w: i for i, w in enumerate(itos)}
            return itos, np.array([index.get(w, 0) for w in query])
        """, "an unknown token maps to"),
}

RIGHT = {
    "mlp_train_step": """
        def mlp_train_step(x, labels, w1, b1, w2, b2, lr):
            a = x @ w1.T + b1
            h = np.maximum(a, 0)
            z = h @ w2.T + b2
            z = z - z.max(axis=1, keepdims=True)
            p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
            n = len(labels)
            loss = -np.log(p[np.arange(n), labels]).mean()
            dz = p.copy()
            dz[np.arange(n), labels] -= 1
            dz /= n
            da = (dz @ w2) * (a > 0)
            return (loss, w1 - lr * da.T @ x, b1 - lr * da.sum(0), w2 - lr * dz.T @ h, b2 - lr * dz.sum(0))
        """,
    "build_vocab": """
        from collections import Counter

        def build_vocab(texts, min_count, query):
            counts = Counter(w for text in texts for w in text)
            words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
            itos = ["<pad>", "<unk>"] + words
            index = {w: i for i, w in enumerate(itos)}
            return itos, np.array([index.get(w, 1) for w in query])
        """,
    "birnn_pool": """
        def birnn_pool(out, h_n, lengths):
            real = (np.arange(out.shape[1])[None, :] < lengths[:, None])[:, :, None]
            mean = (out * real).sum(axis=1) / lengths[:, None]
            final = np.concatenate([h_n[-2], h_n[-1]], axis=1)
            return final, mean, np.where(real, out, -np.inf).max(axis=1)
        """,
    "unbroadcast": """
        def unbroadcast(grad, shape):
            lead = grad.ndim - len(shape)
            grad = grad.sum(axis=tuple(range(lead)))
            axes = tuple(i for i, n in enumerate(shape) if n == 1)
            return grad.sum(axis=axes, keepdims=True) if axes else grad
        """,
    "topological_order": """
        def topological_order(graph, root):
            order, seen = [], set()
            def visit(node):
                seen.add(node)
                for parent in graph[node]:
                    if parent not in seen:
                        visit(parent)
                order.append(node)
            visit(root)
            return order[::-1]
        """,
    "clip_grad_norm": """
        import math
        def clip_grad_norm(grads, max_norm, norm_type):
            if norm_type == math.inf:
                total = max(np.abs(g).max() for g in grads)
            else:
                total = sum((np.abs(g) ** norm_type).sum() for g in grads) ** (1 / norm_type)
            coef = min(1.0, max_norm / (total + 1e-6))
            return [g * coef for g in grads], float(total)
        """,
    "batch_indices": """
        def batch_indices(order, batch_size, drop_last):
            stop = len(order) - len(order) % batch_size if drop_last else len(order)
            return [order[i:i + batch_size] for i in range(0, stop, batch_size)]
        """,
    "grad_scaler_step": """
        def grad_scaler_step(grads, scale, growth_tracker, growth_factor, backoff_factor, growth_interval):
            unscaled = [g / scale for g in grads]
            if not all(np.isfinite(g).all() for g in grads):
                return unscaled, False, scale * backoff_factor, 0
            growth_tracker += 1
            if growth_tracker == growth_interval:
                return unscaled, True, scale * growth_factor, 0
            return unscaled, np.True_, scale, growth_tracker
        """,
    "dropout": """
        def dropout(x, p, keep, training):
            if not training:
                return x
            return np.zeros_like(x) if p == 1 else x * keep / (1 - p)
        """,
}


@pytest.mark.parametrize("mistake", list(WRONG))
def test_wrong_attempt_fails_with_its_hint(attempt, mistake: str) -> None:
    name, source, hint = WRONG[mistake]
    report = attempt(name, source)
    assert report.status == "failing", report.text()
    assert any(f"Hint: {hint}" in m for m in report.messages), report.text()


@pytest.mark.parametrize("name", list(RIGHT))
def test_right_attempt_passes(attempt, name: str) -> None:
    report = attempt(name, RIGHT[name])
    assert report.passed, report.text()


def test_failure_message_names_case_shapes_index_and_values(attempt) -> None:
    report = attempt("unbroadcast", """
        def unbroadcast(grad, shape):
            out = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
            out = out.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)
            return out * 2 if out.ndim == 2 else out
        """)
    assert report.status == "failing" and 0 < report.cases_passed < report.cases_total
    first = report.messages[0]
    assert first.startswith("case 'same shape (2, 3)' (inputs: array(2, 3) float64, (2, 3)):\n")
    assert "dx at index (0, 0): expected " in first and ", got " in first
    assert "values differ" in first


def test_an_attempt_can_use_another_of_your_exercises(attempt) -> None:
    im2col = attempt("im2col", """
        def im2col(x, kh, kw, stride, padding):
            xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
            oh = (xp.shape[2] - kh) // stride + 1
            ow = (xp.shape[3] - kw) // stride + 1
            cols = np.stack([xp[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
                             for i in range(kh) for j in range(kw)], axis=2)  # (N, C, kh*kw, OH, OW)
            return cols.reshape(x.shape[0], -1, oh * ow)
        """)
    assert im2col.passed, im2col.text()
    conv = attempt("conv2d_forward", """
        from im2col import im2col

        def conv2d_forward(x, w, b, stride, padding):
            cols = im2col(x, w.shape[2], w.shape[3], stride, padding)
            oh = (x.shape[2] + 2 * padding - w.shape[2]) // stride + 1
            y = w.reshape(w.shape[0], -1) @ cols + b[:, None]
            return y.reshape(x.shape[0], w.shape[0], oh, -1)
        """)
    assert conv.passed, conv.text()
