"""minitorch.nn.utils: gradient clipping. PyTorch equivalent: torch.nn.utils."""

from minitorch.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
