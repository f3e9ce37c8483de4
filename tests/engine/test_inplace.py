"""In-place safety: every in-place change through the API bumps the tensor's version, and a node
that saved the tensor refuses to backward after it (the torch parity of the error lives in the
comparisons group `inplace`)."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
import minitorch.nn as nn
import minitorch.optim as optim
from minitorch.amp import GradScaler

INPLACE_ERROR = "modified by an inplace operation"


def with_grad(shape=(2, 3)):
    p = mt.tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape) + 1, requires_grad=True)
    p.grad = mt.tensor(np.ones(shape))
    return p


CHANGES = {
    "fill_": lambda t: t.fill_(2.0),
    "zero_": lambda t: t.zero_(),
    "copy_": lambda t: t.copy_(np.ones(t.shape)),
    "setitem": lambda t: t.__setitem__((0, 1), 5.0),
    "setitem with a tensor mask": lambda t: t.__setitem__(t > 2, 0.0),
    "init.uniform_": lambda t: nn.init.uniform_(t),
    "init.constant_": lambda t: nn.init.constant_(t, 0.3),
    "init.kaiming_uniform_": lambda t: nn.init.kaiming_uniform_(t),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_every_inplace_method_bumps_the_version(change):
    t = mt.tensor(np.arange(6.0).reshape(2, 3))
    before = t._version
    change(t)
    assert t._version == before + 1


@pytest.mark.parametrize("make", [lambda p: optim.SGD([p], lr=0.1), lambda p: optim.Adam([p]),
                                  lambda p: optim.RMSprop([p]), lambda p: optim.Adagrad([p]),
                                  lambda p: optim.AdamW([p])], ids=["SGD", "Adam", "RMSprop", "Adagrad", "AdamW"])
def test_optimizer_step_bumps_every_updated_parameter(make):
    p, frozen = with_grad(), mt.tensor(np.ones(3), requires_grad=True)
    optimizer = make(p)
    optimizer.add_param_group({"params": [frozen]})
    optimizer.step()
    assert p._version == 1
    assert frozen._version == 0  # no gradient: not updated, not bumped


def test_gradient_changes_bump_the_gradient():
    p = with_grad()
    nn.utils.clip_grad_norm_([p], 0.1)
    assert p.grad._version == 1
    nn.utils.clip_grad_value_([p], 0.01)
    assert p.grad._version == 2
    optim.SGD([p]).zero_grad(set_to_none=False)
    assert p.grad._version == 3
    scaler = GradScaler(init_scale=4.0)
    optimizer = optim.SGD([p], lr=0.1)
    scaler.unscale_(optimizer)
    assert p.grad._version == 4


def test_load_state_dict_and_buffers_bump():
    layer = nn.BatchNorm1d(3)
    before = {name: t._version for name, t in layer.state_dict().items()}
    layer.load_state_dict({k: np.asarray(v.data) for k, v in layer.state_dict().items()})
    assert all(t._version == before[name] + 1 for name, t in layer.state_dict().items())
    versions = layer.running_mean._version, layer.num_batches_tracked._version
    layer(mt.tensor(np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)))
    assert (layer.running_mean._version, layer.num_batches_tracked._version) == (versions[0] + 1,
                                                                                  versions[1] + 1)


def test_views_and_detach_share_the_counter():
    base = mt.tensor(np.arange(6.0))
    view, detached, sliced = base.reshape(2, 3), base.detach(), base[1:4]
    view[0, 0] = 9.0
    assert base._version == detached._version == sliced._version == 1
    copy = base * 1  # a new array: its own counter
    copy.fill_(0)
    assert base._version == 1


def test_saved_then_changed_raises_naming_op_shape_and_versions():
    w, x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True), mt.tensor([4.0, 5.0, 6.0], requires_grad=True)
    loss = (w * x).sum()
    with mt.no_grad():
        w.fill_(5)
    with pytest.raises(RuntimeError, match=INPLACE_ERROR) as err:
        loss.backward()
    assert "[input 0 of mul, shape (3,)] is at version 1; expected version 0 instead" in str(err.value)


def test_saved_output_is_guarded_too():
    x = mt.tensor([0.1, 0.2], dtype=np.float64, requires_grad=True)
    y = x.tanh()
    loss = y.sum()
    with mt.no_grad():
        y[0] = 0.0
    with pytest.raises(RuntimeError, match=r"\[output 0 of tanh, shape \(2,\)\] is at version 1"):
        loss.backward()


def test_unsaved_change_stays_legal_and_gradients_are_exact():
    a = mt.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    c = mt.tensor([3.0, 4.0], dtype=np.float64)
    loss = ((a + c) * a).sum()  # add saves nothing; mul saves (a + c) and a
    c.fill_(100.0)
    loss.backward()
    np.testing.assert_array_equal(a.grad.data, 2 * np.array([1.0, 2.0]) + np.array([3.0, 4.0]))


def test_step_between_forward_and_backward_raises_in_recurrent_layers():
    lstm = nn.LSTM(3, 4)
    optimizer = optim.SGD(lstm.parameters(), lr=0.1)
    for p in lstm.parameters():
        p.grad = mt.zeros(p.shape) + 1
    output, _ = lstm(mt.tensor(np.ones((2, 1, 3), dtype=np.float32)))
    optimizer.step()
    with pytest.raises(RuntimeError, match=INPLACE_ERROR):
        output.sum().backward()


def test_leaf_that_requires_grad_still_refuses_setitem_under_grad_mode():
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="setitem: a leaf tensor that requires grad"):
        w[0] = 3.0
    assert w._version == 0
