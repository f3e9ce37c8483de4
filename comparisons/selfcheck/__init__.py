"""The self-check list (自测清单): exercises a learner writes and a grader checks against PyTorch.

`python -m comparisons.selfcheck list | start NAME | show NAME | check NAME | check --all |
progress`. Read it in this order: `exercise.py` (what an exercise is), `exercises/` (the
exercises by chapter, each with its PyTorch answer and classic mistakes), `grader.py` (how an
attempt is compared and explained), `worker.py` (how the learner's code runs in its own
process), `workspace.py` (stubs and progress), `solutions/` (the reference solutions that are
not in minitorch itself). The guide is docs/selfcheck.md.

This package imports no torch at import time, so the worker process stays light.
"""
