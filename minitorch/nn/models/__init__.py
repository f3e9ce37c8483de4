"""The curriculum's models, built from minitorch.nn. Each has a torch twin with the same
structure and parameter names in `comparisons/twins.py`, so state dicts move both ways."""

from minitorch.nn.models.lenet import LeNet5
from minitorch.nn.models.lstm_classifier import LSTMClassifier
from minitorch.nn.models.mlp import MLP
from minitorch.nn.models.resnet import BasicBlock, ResNet18
from minitorch.nn.models.vit import ViT
