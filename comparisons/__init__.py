"""The proof: every minitorch op, layer, loss, optimizer, scheduler and model run beside its
PyTorch twin on identical inputs and weights, forward and backward, with the errors reported.

`python -m comparisons` prints the table; `comparisons.registry` holds the cases,
`comparisons.builders` builds the common kinds, `comparisons.runner` measures them.
"""
