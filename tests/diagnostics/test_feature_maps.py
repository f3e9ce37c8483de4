"""Feature maps: the values a forward hook keeps are the layer's outputs, and nothing stays hooked."""

from __future__ import annotations

import numpy as np
import torch
from diagnostics_models import images, lenet_pair, mini_grid_net, torch_grid_net

import minitorch
from projects.cifar10.models import small_resnet
from projects.diagnostics.feature_maps import feature_maps, save_feature_maps
from projects.diagnostics.hooks import last_spatial_layer, output_shapes, spatial_children
from projects.diagnostics.image_report import save_image_diagnostics
from projects.mnist.models import cnn


def test_values_equal_running_the_model_up_to_the_layer() -> None:
    torch.manual_seed(0)
    model = cnn(width=4).train()
    x = torch.randn(3, 1, 28, 28)
    maps = feature_maps(model, x, ["block1", "pool1", "block4"])
    model.eval()
    with torch.no_grad():
        for name, depth in (("block1", 1), ("pool1", 3), ("block4", 5)):
            np.testing.assert_array_equal(maps[name], model[:depth](x).numpy())
    assert maps["block4"].shape == (3, 8, 14, 14)


def test_minitorch_maps_equal_torch_maps() -> None:
    torch_model = torch_grid_net()
    x = images()
    ours = feature_maps(mini_grid_net(torch_model), minitorch.Tensor(x), ["2", "3"])
    theirs = feature_maps(torch_model, torch.from_numpy(x), ["2", "3"])
    for name in ("2", "3"):
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-12, atol=1e-14)
    assert (ours["3"] >= 0).all() and (ours["2"] < 0).any()


def test_hooks_removed_and_mode_restored(tmp_path) -> None:
    torch.manual_seed(0)
    model = cnn(width=4).train()
    x = torch.randn(2, 1, 28, 28)
    paths = save_feature_maps(model, x, ["block1", "pool2"], tmp_path)
    assert [p.name for p in paths] == [
        f"feature_maps_{n}_{i}.png" for n in ("block1", "pool2") for i in (0, 1)
    ]
    assert all(not m._forward_hooks for m in model.modules())
    assert all(m.training for m in model.modules())


def test_default_layers_for_the_mnist_cnn() -> None:
    model = cnn(width=4)
    x = torch.randn(1, 1, 28, 28)
    shapes = dict(output_shapes(model, x))
    assert (
        shapes["pool2"] == (1, 8, 7, 7) and shapes["block1.conv"] == (1, 4, 28, 28) and shapes[""] == (1, 10)
    )
    assert last_spatial_layer(model, x) == "pool2"  # the 7x7 map before the classifier
    assert spatial_children(model, x) == ["block1", "pool1", "pool2"]  # first, middle, last of 6
    assert all(not m._forward_hooks for m in model.modules())


def test_minitorch_lenet5_tools(tmp_path) -> None:
    """Feature maps, the default layers and the image report on the minitorch LeNet-5, equal to
    (and chosen like) its torch twin's."""
    mini_model, torch_model = lenet_pair()
    x = np.random.default_rng(0).standard_normal((2, 1, 28, 28))
    mx, tx = minitorch.Tensor(x), torch.from_numpy(x)
    assert (
        spatial_children(mini_model, mx) == spatial_children(torch_model, tx) == ["conv1", "conv2", "pool2"]
    )
    assert last_spatial_layer(mini_model, mx) == "pool2"
    ours = feature_maps(mini_model, mx, ["conv1", "pool2"])
    theirs = feature_maps(torch_model, tx, ["conv1", "pool2"])
    for name in ours:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-10, atol=1e-12)
    paths = save_image_diagnostics(mini_model, mx, [3, 4], [str(d) for d in range(10)], tmp_path)
    assert [p.name for p in paths][-1] == "gradcam.png" and len(paths) == 3 * 2 + 1
    assert all(not m._forward_hooks for m in mini_model.modules())


def test_default_layers_skip_1x1_maps() -> None:
    """The CIFAR small ResNet ends in a global max-pool: its (N, C, 1, 1) output is no map."""
    model = small_resnet(width=4)
    x = torch.randn(1, 3, 32, 32)
    assert dict(output_shapes(model, x))["9"] == (1, 32, 1, 1)
    assert spatial_children(model, x) == ["0", "4", "8"] and last_spatial_layer(model, x) == "8"
