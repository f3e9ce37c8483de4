"""Real-PyTorch training projects: MNIST, CIFAR-10 and text sentiment.

``projects.common`` holds the shared training tools; each project is a package run with
``python -m projects.<name>``. This package imports torch and torchvision, never minitorch.
"""
