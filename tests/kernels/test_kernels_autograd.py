"""kernels.autograd: gradients against torch autograd, drop-in modules, and a training run."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from kernels.autograd import TritonConv2d, TritonLinear, conv2d, linear, swap_to_triton


def _grads(fn, *inputs):
    """Output and input gradients of fn for one fixed random upstream gradient."""
    inputs = [t.detach().clone().requires_grad_(True) for t in inputs]
    out = fn(*inputs)
    out.backward(torch.ones_like(out) * torch.linspace(-1, 1, out.numel(), device=out.device)
                 .reshape(out.shape))
    return [out.detach()] + [t.grad for t in inputs]


@pytest.mark.parametrize("activation", [None, "relu", "gelu"])
def test_linear_gradients_match_torch(activation, device):
    x = torch.randn(2, 7, 20, device=device)  # (batch, sequence, features)
    w = torch.randn(13, 20, device=device)
    b = torch.randn(13, device=device)
    act = {None: lambda t: t, "relu": F.relu, "gelu": F.gelu}[activation]
    ours = _grads(lambda x, w, b: linear(x, w, b, activation), x, w, b)
    theirs = _grads(lambda x, w, b: act(F.linear(x, w, b)), x, w, b)
    for mine, ref in zip(ours, theirs, strict=True):
        torch.testing.assert_close(mine, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("hp", [dict(stride=1, padding=1, dilation=1, groups=1),
                                dict(stride=2, padding=(1, 0), dilation=(1, 2), groups=2)])
def test_conv2d_gradients_match_torch(hp, device):
    x = torch.randn(2, 4, 7, 8, device=device)
    w = torch.randn(6, 4 // hp["groups"], 3, 3, device=device)
    b = torch.randn(6, device=device)
    ours = _grads(lambda x, w, b: conv2d(x, w, b, **hp), x, w, b)
    theirs = _grads(lambda x, w, b: F.conv2d(x, w, b, **hp), x, w, b)
    for mine, ref in zip(ours, theirs, strict=True):
        torch.testing.assert_close(mine, ref, rtol=1e-5, atol=1e-5)


def test_only_needed_gradients_are_computed(device):
    x = torch.randn(1, 3, 5, 5, device=device)  # an image: no gradient wanted
    w = torch.randn(4, 3, 3, 3, device=device, requires_grad=True)
    conv2d(x, w).sum().backward()
    assert x.grad is None and w.grad is not None
    torch.testing.assert_close(w.grad, torch.autograd.grad(F.conv2d(x, w).sum(), w)[0])


def test_modules_are_drop_in(device):
    """Same parameters and state dict keys as torch's layers; swap shares parameter objects."""
    torch_model = nn.Sequential(nn.Conv2d(3, 4, 3, padding="same"), nn.Flatten(),
                                nn.Linear(4 * 5 * 5, 6)).to(device)
    params_before = list(torch_model.parameters())
    model = swap_to_triton(torch_model)
    assert isinstance(model[0], TritonConv2d) and isinstance(model[2], TritonLinear)
    assert all(a is b for a, b in zip(model.parameters(), params_before, strict=True))
    fresh = nn.Sequential(TritonConv2d(3, 4, 3, padding="same"), nn.Flatten(),
                          TritonLinear(4 * 5 * 5, 6)).to(device)
    fresh.load_state_dict(model.state_dict())
    x = torch.randn(2, 3, 5, 5, device=device)
    expected = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Flatten(), nn.Linear(100, 6))
    expected.load_state_dict(model.state_dict())
    torch.testing.assert_close(fresh(x), expected.to(device)(x), rtol=1e-5, atol=1e-5)


def test_module_errors():
    with pytest.raises(ValueError, match="TritonConv2d: padding_mode 'reflect' is not supported"):
        TritonConv2d(3, 4, 3, padding=1, padding_mode="reflect")
    with pytest.raises(ValueError, match="TritonConv2d: padding='same' with kernel \\(2, 2\\)"):
        TritonConv2d(3, 4, 2, padding="same")
    with pytest.raises(ValueError, match="TritonLinear: activation must be one of"):
        TritonLinear(3, 4, activation="tanh")


def _small_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(),
        nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=2), nn.ReLU(),
        nn.Flatten(), nn.Linear(8 * 3 * 3, 5),
    )


def test_small_cnn_trains_to_the_same_losses(device):
    """Three SGD-with-momentum steps: the Triton model's losses and weights follow torch's."""
    reference = _small_cnn().to(device)
    model = swap_to_triton(copy.deepcopy(reference))
    optimizers = [torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
                  for m in (reference, model)]
    losses = {id(reference): [], id(model): []}
    for _ in range(3):
        x = torch.randn(4, 3, 6, 6, device=device)
        y = torch.randint(0, 5, (4,), device=device)
        for m, opt in zip((reference, model), optimizers, strict=True):
            opt.zero_grad()
            loss = F.cross_entropy(m(x), y)
            loss.backward()
            opt.step()
            losses[id(m)].append(loss.item())
    ref_losses, our_losses = losses[id(reference)], losses[id(model)]
    assert ref_losses[0] != ref_losses[-1]  # it did train
    torch.testing.assert_close(our_losses, ref_losses, rtol=1e-5, atol=1e-6)
    for ours, ref in zip(model.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(ours, ref, rtol=1e-4, atol=1e-5)
