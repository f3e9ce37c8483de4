"""minitorch.optim: optimizers and learning-rate schedulers. PyTorch equivalent: torch.optim.

Read `optimizer.py` first (parameter groups, state, checkpoints), then one update rule
(`sgd.py` is the shortest), then `lr_scheduler.py`.
"""

from minitorch.optim import lr_scheduler
from minitorch.optim.adagrad import Adagrad
from minitorch.optim.adam import Adam
from minitorch.optim.adamw import AdamW
from minitorch.optim.optimizer import Optimizer
from minitorch.optim.rmsprop import RMSprop
from minitorch.optim.sgd import SGD
