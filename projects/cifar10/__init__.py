"""CIFAR-10 classifiers: ResNet-18 (CIFAR variant), a small fast ResNet, and transfer learning
from ImageNet ResNet-18 weights (``python -m projects.cifar10``)."""
