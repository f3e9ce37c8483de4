"""minitorch.amp: mixed precision, `autocast` and `GradScaler`. PyTorch equivalent: torch.amp."""

from minitorch.amp.autocast_mode import autocast, autocast_inputs, get_autocast_dtype, is_autocast_enabled
from minitorch.amp.grad_scaler import GradScaler
