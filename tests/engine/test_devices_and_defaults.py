"""Devices and the default dtype (issue 13, item 8), each against torch's behaviour."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch


@pytest.fixture
def default_dtypes():
    """Restore both engines' default dtype after the test."""
    yield
    minitorch.set_default_dtype(minitorch.float32)
    torch.set_default_dtype(torch.float32)


def test_every_tensor_is_on_the_cpu_device_named_as_torch_names_it():
    ours, theirs = minitorch.zeros(2).device, torch.zeros(2).device
    assert (repr(ours), str(ours), ours.type, ours.index) == (repr(theirs), str(theirs), theirs.type, theirs.index)
    assert ours == minitorch.device("cpu") and ours != minitorch.device("cpu:0")
    assert (ours == "cpu") == (theirs == "cpu")
    assert str(minitorch.device("cpu:0")) == str(torch.device("cpu:0"))
    assert repr(minitorch.device("cpu", 0)) == repr(torch.device("cpu", 0))


def test_to_cpu_changes_nothing_and_to_accepts_torchs_argument_forms():
    x = minitorch.tensor([1.0, 2.0], requires_grad=True)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    assert x.to("cpu") is x and t.to("cpu") is t
    assert x.cpu() is x and t.cpu() is t
    for args, kwargs in [(("cpu", minitorch.float64), {}), ((), {"device": "cpu", "dtype": minitorch.float64}),
                         ((minitorch.device("cpu"), minitorch.float64), {}),
                         ((minitorch.tensor(np.zeros(1)),), {})]:
        moved = x.to(*args, **kwargs)
        assert moved.dtype == np.float64 and moved.requires_grad
    model = minitorch.nn.Linear(2, 3)
    assert model.to("cpu") is model and model.weight.dtype == np.float32
    assert model.to("cpu", minitorch.float64).weight.dtype == np.float64


@pytest.mark.parametrize("name", ["cuda", "cuda:0", "mps"])
def test_any_other_device_is_a_clear_error_that_says_where_the_gpu_code_is(name):
    x = minitorch.zeros(2)
    for attempt in (lambda: x.to(name), lambda: x.to(device=name), lambda: minitorch.nn.Linear(2, 2).to(name),
                    lambda: minitorch.device(name)):
        with pytest.raises(RuntimeError, match="minitorch runs on the CPU only .* Triton kernels in kernels/"):
            attempt()
    with pytest.raises(RuntimeError, match="cuda: minitorch runs on the CPU only"):
        x.cuda()


def creations(engine) -> dict[str, object]:
    """Tensors whose dtype the default dtype decides (or, for the last ones, does not)."""
    return {
        "tensor of floats": engine.tensor([1.0, 2.5]),
        "tensor of a float": engine.tensor(0.5),
        "zeros": engine.zeros(2),
        "ones": engine.ones(2),
        "full of a float": engine.full((2,), 1.5),
        "arange of floats": engine.arange(0.0, 2.0),
        "linspace": engine.linspace(0, 1, 3),
        "eye": engine.eye(2),
        "rand": engine.rand(2),
        "randn": engine.randn(2),
        "int tensor + 1.5": engine.tensor([1, 2]) + 1.5,
        "exp of an int tensor": engine.tensor([1, 2]).exp(),
        "Linear weight": engine.nn.Linear(2, 2).weight,
        "LayerNorm weight": engine.nn.LayerNorm(2).weight,
        "Embedding weight": engine.nn.Embedding(3, 2).weight,
        "LSTM weight": engine.nn.LSTM(2, 2).weight_ih_l0,
        "MultiheadAttention weight": engine.nn.MultiheadAttention(4, 2).in_proj_weight,
        "tensor of ints": engine.tensor([1, 2]),
        "arange of ints": engine.arange(3),
        "tensor of a float32 array": engine.tensor(np.ones(2, dtype=np.float32)),
        "tensor of a float64 array": engine.tensor(np.ones(2)),
    }


def dtype_names(engine) -> dict[str, str]:
    return {k: str(v.dtype).removeprefix("torch.") for k, v in creations(engine).items()}


@pytest.mark.parametrize("dtype", ["float64", "float16", "float32"])
def test_set_default_dtype_decides_what_torch_lets_it_decide(default_dtypes, dtype):
    assert minitorch.get_default_dtype() == np.float32 and torch.get_default_dtype() == torch.float32
    minitorch.set_default_dtype(getattr(minitorch, dtype))
    torch.set_default_dtype(getattr(torch, dtype))
    assert minitorch.get_default_dtype() == np.dtype(dtype)
    ours, theirs = dtype_names(minitorch), dtype_names(torch)
    assert ours == theirs
    assert ours["zeros"] == dtype and ours["tensor of ints"] == "int64"


def test_set_default_dtype_refuses_what_torch_refuses(default_dtypes):
    with pytest.raises(TypeError, match="only floating-point types are supported as the default type"):
        torch.set_default_dtype(torch.int64)
    with pytest.raises(TypeError, match="only floating-point types are supported as the default type"):
        minitorch.set_default_dtype(minitorch.int64)
    assert minitorch.get_default_dtype() == np.float32


def test_the_repr_hides_the_default_dtype_like_torch(default_dtypes):
    minitorch.set_default_dtype(minitorch.float64)
    torch.set_default_dtype(torch.float64)
    assert "dtype" not in repr(minitorch.tensor([1.5])) and "dtype" not in repr(torch.tensor([1.5]))
    assert "dtype=torch.float32" in repr(torch.tensor([1.5], dtype=torch.float32))
    assert "dtype=minitorch.float32" in repr(minitorch.tensor([1.5], dtype=minitorch.float32))


CREATION = {
    "tensor": lambda e, d: e.tensor([1.0], device=d), "zeros": lambda e, d: e.zeros(2, device=d),
    "ones": lambda e, d: e.ones(2, device=d), "full": lambda e, d: e.full((2,), 3.0, device=d),
    "arange": lambda e, d: e.arange(3, device=d), "linspace": lambda e, d: e.linspace(0, 1, 3, device=d),
    "eye": lambda e, d: e.eye(2, device=d), "rand": lambda e, d: e.rand(2, device=d),
    "randn": lambda e, d: e.randn(2, device=d), "randint": lambda e, d: e.randint(0, 5, (2,), device=d),
    "zeros_like": lambda e, d: e.zeros_like(e.ones(2), device=d),
    "randint_like": lambda e, d: e.randint_like(e.ones(2), 0, 5, device=d),
}


@pytest.mark.parametrize("name", CREATION)
def test_creation_functions_take_torchs_device_argument(name):
    make = CREATION[name]
    assert str(make(minitorch, "cpu").device) == str(make(torch, "cpu").device) == "cpu"
    assert make(minitorch, minitorch.device("cpu")).device == minitorch.device("cpu")
    with pytest.raises(RuntimeError, match="minitorch runs on the CPU only"):
        make(minitorch, "cuda")
