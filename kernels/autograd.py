"""The Triton kernels as PyTorch autograd functions and drop-in ``nn`` modules.

A ``torch.autograd.Function`` pairs a forward with its backward; PyTorch records it in the
graph and calls ``backward`` with the gradient of the loss with respect to the output. Here
both directions are Triton launches:

* linear ``y = act(x W^T + b)``: forward is one matmul with the bias and activation fused;
  backward is ``dz = dy * act'(z)``, ``dx = dz W`` and ``dW = dz^T x``. ``W^T`` and ``dz^T``
  are transposed *views*: the matmul kernel reads them through their strides, no copy.
* conv2d: forward is the implicit-GEMM kernel, backward the dgrad kernel for dx and the wgrad
  kernel for dW (see conv2d.py); the bias gradient is a plain sum over (N, H, W).

Gradients are only computed for the inputs that need them (``ctx.needs_input_grad``): the
first layer of a network never launches dgrad for the images.

``TritonLinear`` and ``TritonConv2d`` subclass ``nn.Linear`` / ``nn.Conv2d``, so they hold the
same parameters under the same names (state dicts load unchanged), and ``swap_to_triton``
replaces those layers in an existing model, sharing the parameter objects, so an optimizer
made before the swap still updates them.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from kernels.conv2d import conv2d as conv2d_forward
from kernels.conv2d import conv2d_dgrad, conv2d_wgrad
from kernels.matmul import ACTIVATIONS, matmul


def _gelu_grad(z: torch.Tensor) -> torch.Tensor:
    """d/dz [z * Phi(z)] = Phi(z) + z * phi(z), Phi/phi the standard normal cdf/pdf."""
    cdf = 0.5 * (1.0 + torch.erf(z * (1.0 / math.sqrt(2.0))))
    pdf = torch.exp(-0.5 * z * z) * (1.0 / math.sqrt(2.0 * math.pi))
    return cdf + z * pdf


class LinearFunction(torch.autograd.Function):
    """y = act(x @ weight.T + bias) for x of shape (..., in_features)."""

    @staticmethod
    def forward(ctx, x, weight, bias, activation, input_precision):
        x2 = x.reshape(-1, x.shape[-1])
        y = matmul(x2, weight.t(), bias, activation, input_precision)
        # ReLU's derivative is readable from its output (y > 0). GELU's needs z = x W^T + b:
        # rather than keeping a second activation-sized tensor alive until backward, we
        # recompute z there with one more matmul ("recomputation" trades flops for memory).
        ctx.save_for_backward(x2, weight, bias, y if activation == "relu" else None)
        ctx.activation, ctx.input_precision, ctx.x_shape = activation, input_precision, x.shape
        return y.reshape(*x.shape[:-1], weight.shape[0])

    @staticmethod
    def backward(ctx, dy):
        x2, weight, bias, y = ctx.saved_tensors
        dz = dy.reshape(-1, weight.shape[0])
        if ctx.activation == "relu":
            dz = dz * (y > 0)
        elif ctx.activation == "gelu":
            z = matmul(x2, weight.t(), bias, None, ctx.input_precision)
            dz = dz * _gelu_grad(z.float()).to(dz.dtype)
        dx = dw = db = None
        if ctx.needs_input_grad[0]:
            dx = matmul(dz, weight, input_precision=ctx.input_precision).reshape(ctx.x_shape)
        if ctx.needs_input_grad[1]:
            dw = matmul(dz.t(), x2, input_precision=ctx.input_precision)
        if bias is not None and ctx.needs_input_grad[2]:
            db = dz.sum(0, dtype=torch.float32).to(bias.dtype)
        return dx, dw, db, None, None


class Conv2dFunction(torch.autograd.Function):
    """y = conv2d(x, weight) + bias (NCHW shapes, channels_last memory)."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups, input_precision):
        ctx.save_for_backward(x, weight)
        ctx.hparams = (stride, padding, dilation, groups, input_precision)
        ctx.has_bias = bias is not None
        return conv2d_forward(x, weight, bias, stride, padding, dilation, groups, input_precision)

    @staticmethod
    def backward(ctx, dy):
        x, weight = ctx.saved_tensors
        dx = dw = db = None
        if ctx.needs_input_grad[0]:
            dx = conv2d_dgrad(dy, weight, x.shape, *ctx.hparams)
        if ctx.needs_input_grad[1]:
            dw = conv2d_wgrad(x, dy, weight.shape, *ctx.hparams)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            db = dy.sum((0, 2, 3), dtype=torch.float32).to(dy.dtype)
        return dx, dw, db, None, None, None, None, None


def linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
           activation: str | None = None, input_precision: str = "ieee") -> torch.Tensor:
    """Differentiable ``act(x @ weight.T + bias)`` (``torch.nn.functional.linear`` + act)."""
    return LinearFunction.apply(x, weight, bias, activation, input_precision)


def conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
           dilation: int | tuple[int, int] = 1, groups: int = 1,
           input_precision: str = "ieee") -> torch.Tensor:
    """Differentiable ``torch.nn.functional.conv2d`` on the Triton kernels."""
    return Conv2dFunction.apply(x, weight, bias, stride, padding, dilation, groups,
                                input_precision)


class TritonLinear(nn.Linear):
    """``nn.Linear`` (optionally followed by a fused ReLU/GELU) computed by the Triton matmul."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 activation: str | None = None, input_precision: str = "ieee",
                 device=None, dtype=None) -> None:
        super().__init__(in_features, out_features, bias, device=device, dtype=dtype)
        if activation not in ACTIVATIONS:
            raise ValueError(f"TritonLinear: activation must be one of {ACTIVATIONS}, "
                             f"got {activation!r}")
        self.activation, self.input_precision = activation, input_precision

    @classmethod
    def from_torch(cls, layer: nn.Linear, input_precision: str = "ieee") -> TritonLinear:
        """A TritonLinear sharing ``layer``'s parameter objects."""
        new = cls(layer.in_features, layer.out_features, layer.bias is not None,
                  input_precision=input_precision, device="meta")
        new.weight, new.bias = layer.weight, layer.bias
        return new.train(layer.training)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return linear(x, self.weight, self.bias, self.activation, self.input_precision)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, activation={self.activation}"


class TritonConv2d(nn.Conv2d):
    """``nn.Conv2d`` (zero padding) computed by the Triton implicit-GEMM kernels."""

    def __init__(self, *args, input_precision: str = "ieee", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.input_precision = input_precision
        self._explicit_padding()  # fail at construction, not at the first forward

    @classmethod
    def from_torch(cls, layer: nn.Conv2d, input_precision: str = "ieee") -> TritonConv2d:
        """A TritonConv2d sharing ``layer``'s parameter objects."""
        new = cls(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride,
                  layer.padding, layer.dilation, layer.groups, layer.bias is not None,
                  layer.padding_mode, input_precision=input_precision, device="meta")
        new.weight, new.bias = layer.weight, layer.bias
        return new.train(layer.training)

    def _explicit_padding(self) -> tuple[int, int]:
        """The symmetric (ph, pw) this layer pads with; 'same' / 'valid' resolved."""
        if self.padding_mode != "zeros":
            raise ValueError(f"TritonConv2d: padding_mode {self.padding_mode!r} is not "
                             "supported (only 'zeros')")
        if self.padding == "valid":
            return (0, 0)
        if self.padding == "same":
            totals = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size, strict=True)]
            if any(t % 2 for t in totals):
                raise ValueError(f"TritonConv2d: padding='same' with kernel {self.kernel_size} "
                                 f"and dilation {self.dilation} needs uneven padding")
            return (totals[0] // 2, totals[1] // 2)
        return tuple(self.padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return conv2d(x, self.weight, self.bias, self.stride, self._explicit_padding(),
                      self.dilation, self.groups, self.input_precision)


def swap_to_triton(model: nn.Module, input_precision: str = "ieee") -> nn.Module:
    """Replace every ``nn.Linear`` and ``nn.Conv2d`` in ``model`` (in place) by its Triton twin.

    The new layers share the old layers' parameters, so weights, state dict keys and any
    optimizer already holding those parameters are unchanged. Returns ``model``.
    """
    for name, child in model.named_children():
        if isinstance(child, (TritonLinear, TritonConv2d)):
            continue
        if type(child) is nn.Linear:
            setattr(model, name, TritonLinear.from_torch(child, input_precision))
        elif type(child) is nn.Conv2d:
            setattr(model, name, TritonConv2d.from_torch(child, input_precision))
        else:
            swap_to_triton(child, input_precision)
    return model
