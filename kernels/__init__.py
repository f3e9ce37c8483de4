"""Triton GPU kernels for matmul and conv2d (forward and backward), readable and tested on CPU.

* ``kernels.matmul``   tiled matmul with fused bias/ReLU/GELU; the tiling ideas are explained there.
* ``kernels.conv2d``   conv2d as an implicit GEMM (forward, dgrad, wgrad) + a NumPy reference.
* ``kernels.autograd`` torch.autograd wrappers, ``TritonLinear``/``TritonConv2d``, ``swap_to_triton``.
* ``kernels.aot``      ``python -m kernels.aot``: registers/spills/shared memory of every config.

On a machine without a GPU, set ``TRITON_INTERPRET=1`` before importing triton and pass CPU
tensors: the same kernels run in Triton's interpreter.
"""

from kernels.autograd import TritonConv2d, TritonLinear, swap_to_triton
from kernels.conv2d import conv2d, conv2d_dgrad, conv2d_wgrad
from kernels.matmul import matmul

__all__ = ["TritonConv2d", "TritonLinear", "conv2d", "conv2d_dgrad", "conv2d_wgrad", "matmul",
           "swap_to_triton"]
