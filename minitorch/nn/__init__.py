"""minitorch.nn: modules, layers, losses, init and functional forms. PyTorch equivalent: torch.nn."""

from minitorch.nn import functional, init, utils
from minitorch.nn.activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Tanh
from minitorch.nn.attention import MultiheadAttention
from minitorch.nn.batchnorm import BatchNorm1d, BatchNorm2d
from minitorch.nn.containers import ModuleDict, ModuleList, Sequential
from minitorch.nn.conv import Conv2d
from minitorch.nn.dropout import Dropout
from minitorch.nn.flatten import Flatten
from minitorch.nn.linear import Identity, Linear
from minitorch.nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from minitorch.nn.module import Module
from minitorch.nn.normalization import LayerNorm
from minitorch.nn.parameter import Parameter
from minitorch.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from minitorch.nn.rnn import GRU, LSTM, RNN
from minitorch.nn.rnn_cell import GRUCell, LSTMCell, RNNCell
from minitorch.nn.sparse import Embedding
from minitorch.nn.transformer import TransformerEncoder, TransformerEncoderLayer
