"""Runnable examples that train real models with minitorch alone (`python -m minitorch.examples.mnist`)."""
