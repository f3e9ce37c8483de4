"""minitorch.nn: modules, layers, losses, init and functional forms. PyTorch equivalent: torch.nn."""

from minitorch.nn.containers import ModuleDict, ModuleList, Sequential
from minitorch.nn.module import Module
from minitorch.nn.parameter import Parameter
