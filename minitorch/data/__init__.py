"""minitorch.data: datasets, samplers, the DataLoader, transforms and readers for real data.

PyTorch equivalent: torch.utils.data (plus torchvision.transforms and torchvision.datasets).
Read `dataset.py`, `sampler.py`, then `dataloader.py`; `transforms.py` and `datasets.py` stand alone.
"""

from minitorch.data import transforms
from minitorch.data.dataloader import DataLoader, default_collate
from minitorch.data.dataset import Dataset, Subset, TensorDataset, random_split
from minitorch.data.datasets import MNIST, CIFAR10Subset, data_root, read_idx
from minitorch.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler
