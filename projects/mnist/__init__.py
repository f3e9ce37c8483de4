"""MNIST / Fashion-MNIST classifiers: an MLP and a small CNN (``python -m projects.mnist``)."""
