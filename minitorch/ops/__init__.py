"""Differentiable ops, one `Function` subclass per op, grouped by family.

- `arithmetic`: add, sub, mul, div, neg, pow, matmul (with broadcasting)
- `elementwise`: exp, log, sqrt, abs, sin, cos, tanh, sigmoid, relu, clamp, maximum, ...
- `reductions`: sum, mean, max/min, var/std, logsumexp, softmax, log_softmax, argmax
- `shape`: reshape, transpose, permute, squeeze, expand, indexing, cat, stack, split, pad
- `comparison`: eq, lt, ... (no gradient)

Each file reads top to bottom: the `Function` (forward and backward side by side, math in the
docstring, PyTorch equivalent named), then the public function that applies it.
"""
