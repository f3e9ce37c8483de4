"""State dicts across engines, both ways, for a network of every part-A layer with parameters
or buffers; load_state_dict's errors; and the Module API (names, modes, zero_grad, apply,
hooks) side by side with torch on the same network."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch
import minitorch.nn as nn


def build(lib):
    """The same network from torch.nn or minitorch.nn (same classes, same arguments)."""
    return lib.Sequential(
        lib.Conv2d(3, 4, 3, padding=1), lib.BatchNorm2d(4), lib.ReLU(), lib.MaxPool2d(2),
        lib.Conv2d(4, 6, 3, groups=2, bias=False), lib.AvgPool2d(1), lib.AdaptiveAvgPool2d((2, 2)),
        lib.Flatten(), lib.Linear(24, 8), lib.BatchNorm1d(8), lib.LayerNorm(8), lib.GELU(),
        lib.Dropout(0.2), lib.Linear(8, 5), lib.LeakyReLU(), lib.Sequential(lib.Identity(), lib.Tanh()),
    )


X = np.random.default_rng(0).standard_normal((4, 3, 8, 8)).astype(np.float32)


def outputs_match(torch_model, mt_model) -> None:
    torch_model.eval()
    mt_model.eval()
    with torch.no_grad():
        expected = torch_model(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(mt_model(minitorch.tensor(X)).data, expected, rtol=1e-4, atol=1e-5)


def test_torch_state_dict_loads_into_minitorch():
    torch_model = build(torch.nn)
    torch_model(torch.from_numpy(X))  # one training forward: running statistics are not trivial
    mt_model = build(nn)
    state = {k: v.detach().numpy().copy() for k, v in torch_model.state_dict().items()}
    assert list(mt_model.state_dict()) == list(state)  # same names, same order
    mt_model.load_state_dict(state)
    assert mt_model.state_dict()["1.num_batches_tracked"].item() == 1
    outputs_match(torch_model, mt_model)


def test_minitorch_state_dict_loads_into_torch():
    mt_model = build(nn)
    mt_model(minitorch.tensor(X))
    torch_model = build(torch.nn)
    state = {k: torch.from_numpy(v.data.copy()) for k, v in mt_model.state_dict().items()}
    torch_model.load_state_dict(state)  # strict: every key present, every shape and dtype right
    assert torch_model.state_dict()["9.num_batches_tracked"].item() == 1
    outputs_match(torch_model, mt_model)


def test_names_buffers_and_modules_match_torch():
    torch_model, mt_model = build(torch.nn), build(nn)
    assert [(n, tuple(p.shape)) for n, p in torch_model.named_parameters()] == \
        [(n, p.shape) for n, p in mt_model.named_parameters()]
    assert [n for n, _ in torch_model.named_buffers()] == [n for n, _ in mt_model.named_buffers()]
    assert [type(m).__name__ for m in torch_model.modules()] == [type(m).__name__ for m in mt_model.modules()]
    assert len(list(mt_model.children())) == len(list(torch_model.children())) == 16


def test_load_errors_name_the_key_and_shapes_and_load_nothing():
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    before = {k: v.data.copy() for k, v in model.state_dict().items()}
    good = {k: np.ones_like(v) for k, v in before.items()}
    wrong_shape = dict(good, **{"0.weight": np.ones((3, 3), dtype=np.float32)})
    with pytest.raises(RuntimeError, match=r"size mismatch for '0.weight': copying a value of shape \(3, 3\), "
                                           r"the shape in the current model is \(2, 3\)"):
        model.load_state_dict(wrong_shape)
    missing = {k: v for k, v in good.items() if k != "1.running_var"}
    with pytest.raises(RuntimeError, match=r"missing key '1.running_var' \(expected shape \(2,\)\)"):
        model.load_state_dict(missing)
    with pytest.raises(RuntimeError, match=r"unexpected key 'extra.bias' \(shape \(4,\)\)"):
        model.load_state_dict(dict(good, **{"extra.bias": np.zeros(4)}))
    for key, value in model.state_dict().items():  # nothing was loaded by the failed calls
        np.testing.assert_array_equal(value.data, before[key])
    result = model.load_state_dict(dict(missing, **{"extra.bias": np.zeros(4)}), strict=False)
    assert result.missing_keys == ["1.running_var"] and result.unexpected_keys == ["extra.bias"]
    assert np.all(model[0].weight.data == 1)


def test_train_eval_propagate_and_change_behaviour():
    model = build(nn)
    model.eval()
    assert not any(m.training for m in model.modules())
    y1, y2 = model(minitorch.tensor(X)).data, model(minitorch.tensor(X)).data
    np.testing.assert_array_equal(y1, y2)  # no dropout, running statistics
    model.train()
    assert all(m.training for m in model.modules())
    assert model[1].num_batches_tracked.item() == 0
    model(minitorch.tensor(X))
    assert model[1].num_batches_tracked.item() == 1


def test_zero_grad_and_apply():
    model = build(nn)
    model(minitorch.tensor(X)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    visited_mt, visited_torch = [], []
    model.apply(lambda m: visited_mt.append(type(m).__name__))
    build(torch.nn).apply(lambda m: visited_torch.append(type(m).__name__))
    assert visited_mt == visited_torch  # children first, then the parent, as in torch

    def zero_linear(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)
    model.apply(zero_linear)
    assert np.all(model[8].weight.data == 0) and np.all(model[13].weight.data == 0)


def test_forward_hooks_and_pre_hooks_match_torch():
    results = {}
    for lib, make in ((torch.nn, torch.tensor), (nn, minitorch.tensor)):
        layer = lib.Linear(3, 2)
        with torch.no_grad() if lib is torch.nn else minitorch.no_grad():
            layer.weight.copy_(make(np.arange(6, dtype=np.float32).reshape(2, 3)))
            layer.bias.copy_(make(np.zeros(2, dtype=np.float32)))
        seen = []
        pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
        post = layer.register_forward_hook(lambda m, args, out, seen=seen: seen.append(args[0].shape) or out + 1)
        x = make(np.ones((1, 3), dtype=np.float32))
        hooked = np.asarray(layer(x).detach().numpy() if lib is torch.nn else layer(x).data)
        pre.remove()
        post.remove()
        plain = np.asarray(layer(x).detach().numpy() if lib is torch.nn else layer(x).data)
        results[lib.__name__] = (hooked, plain, [tuple(s) for s in seen])
    (h1, p1, s1), (h2, p2, s2) = results.values()
    np.testing.assert_array_equal(h1, h2)
    np.testing.assert_array_equal(p1, p2)
    np.testing.assert_array_equal(h2, 2 * p2 + 1)  # input doubled by the pre-hook, output + 1
    assert s1 == s2 == [(1, 3)]


def test_embedding_state_dict_both_ways():
    idx = np.array([[1, 3, 9], [0, 1, 1]], dtype=np.int64)
    torch_emb, mt_emb = torch.nn.Embedding(10, 4, padding_idx=1), nn.Embedding(10, 4, padding_idx=1)
    mt_emb.load_state_dict({k: v.detach().numpy().copy() for k, v in torch_emb.state_dict().items()})
    np.testing.assert_array_equal(mt_emb(minitorch.tensor(idx)).data, torch_emb(torch.from_numpy(idx)).detach().numpy())
    source, back = nn.Embedding(10, 4, padding_idx=1), torch.nn.Embedding(10, 4, padding_idx=1)
    back.load_state_dict({k: torch.from_numpy(v.data.copy()) for k, v in source.state_dict().items()})
    np.testing.assert_array_equal(back(torch.from_numpy(idx)).detach().numpy(), source(minitorch.tensor(idx)).data)
