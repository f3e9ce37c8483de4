"""Grad-CAM checked against independent computations, across engines, and for hook hygiene."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from diagnostics_models import images, lenet_pair, mini_grid_net, torch_grid_net

import minitorch
from projects.diagnostics.gradcam import bilinear_matrix, grad_cam, upsample_bilinear
from projects.mnist.models import cnn


def reference_grad_cam(model: torch.nn.Module, x: torch.Tensor, layer: str, classes: torch.Tensor | None):
    """Grad-CAM by torch.autograd.grad on the kept activation, torch ops and F.interpolate."""
    kept = {}
    handle = dict(model.named_modules())[layer].register_forward_hook(lambda m, i, o: kept.setdefault("a", o))
    model.eval()
    try:
        logits = model(x)
    finally:
        handle.remove()
    classes = logits.argmax(1) if classes is None else classes
    (grad,) = torch.autograd.grad(logits[torch.arange(len(x)), classes].sum(), kept["a"])
    weights = grad.mean(dim=(2, 3))
    maps = F.relu((weights[:, :, None, None] * kept["a"]).sum(1))
    up = F.interpolate(maps[:, None], size=x.shape[2:], mode="bilinear", align_corners=False)[:, 0]
    lo, hi = up.amin(dim=(1, 2), keepdim=True), up.amax(dim=(1, 2), keepdim=True)
    return (
        classes.numpy(),
        weights.detach().numpy(),
        maps.detach().numpy(),
        ((up - lo) / (hi - lo)).detach().numpy(),
    )


@pytest.mark.parametrize("layer", ["block3", "block4", "pool2"])
@pytest.mark.parametrize("target", [None, 7])
def test_equals_autograd_grad_computation(layer: str, target: int | None) -> None:
    torch.manual_seed(0)
    model = cnn(width=4).double()
    x = torch.randn(5, 1, 28, 28, dtype=torch.float64)
    result = grad_cam(model, x, layer, target)
    classes = None if target is None else torch.full((5,), target)
    ref_classes, ref_weights, ref_maps, ref_cams = reference_grad_cam(model, x, layer, classes)
    np.testing.assert_array_equal(result.classes, ref_classes)
    np.testing.assert_allclose(result.weights, ref_weights, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(result.maps, ref_maps, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(result.cams, ref_cams, atol=1e-10)
    assert result.cams.shape == (5, 28, 28) and result.maps.max() > 0


@pytest.mark.parametrize(
    ("size_in", "size_out"), [((7, 7), (28, 28)), ((5, 3), (32, 17)), ((1, 4), (4, 9)), ((6, 6), (4, 4))]
)
def test_bilinear_upsampling_equals_torch_interpolate(
    size_in: tuple[int, int], size_out: tuple[int, int]
) -> None:
    maps = np.random.default_rng(0).standard_normal((3, *size_in))
    ours = upsample_bilinear(maps, size_out)
    theirs = F.interpolate(
        torch.from_numpy(maps)[:, None], size=size_out, mode="bilinear", align_corners=False
    )
    np.testing.assert_allclose(ours, theirs[:, 0].numpy(), atol=1e-12)
    np.testing.assert_allclose(bilinear_matrix(9, 4).sum(axis=1), 1.0)  # rows are convex weights


def test_minitorch_model_equals_torch_twin() -> None:
    """Same weights, same images: the minitorch Grad-CAM (minitorch hooks and autograd) equals torch's."""
    torch_model = torch_grid_net()
    mini_model = mini_grid_net(torch_model)
    x = images()
    for target in (None, 3):
        ours = grad_cam(mini_model, minitorch.Tensor(x), "2", target)
        theirs = grad_cam(torch_model, torch.from_numpy(x), "2", target)
        np.testing.assert_array_equal(ours.classes, theirs.classes)
        np.testing.assert_allclose(ours.weights, theirs.weights, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(ours.cams, theirs.cams, atol=1e-10)
    assert ours.maps.max() > 0


@pytest.mark.parametrize("layer", ["conv2", "pool2", "conv1"])
def test_minitorch_lenet5_equals_torch_twin(layer: str) -> None:
    """The curriculum's LeNet-5 in minitorch and its torch twin, weights copied by state dict."""
    mini_model, torch_model = lenet_pair()
    x = np.random.default_rng(3).standard_normal((4, 1, 28, 28))
    for target in (None, 5):
        ours = grad_cam(mini_model, minitorch.Tensor(x), layer, target)
        theirs = grad_cam(torch_model, torch.from_numpy(x), layer, target)
        np.testing.assert_array_equal(ours.classes, theirs.classes)
        np.testing.assert_allclose(ours.weights, theirs.weights, rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(ours.maps, theirs.maps, rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(ours.cams, theirs.cams, atol=1e-9)
        assert theirs.maps.max() > 0


def test_equals_grad_cam_package() -> None:
    """Optional third check: the `grad-cam` package's GradCAM on the same layers and targets. It
    normalizes, resizes (cv2, half-pixel bilinear) and normalizes again: the same result as our
    resize-then-normalize, since resizing commutes with the affine normalization."""
    pytest.importorskip("pytorch_grad_cam")
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    torch.manual_seed(0)
    model = cnn(width=4).eval()
    x = torch.randn(4, 1, 28, 28)
    for layer in ("block3", "pool2"):
        ours = grad_cam(model, x, layer, 2)
        with GradCAM(model=model, target_layers=[getattr(model, layer)]) as cam:
            theirs = cam(x, [ClassifierOutputTarget(2)] * 4)
        np.testing.assert_allclose(ours.cams, theirs, atol=1e-5)
        assert ours.maps.max() > 0


def test_hooks_removed_grads_and_mode_untouched() -> None:
    torch.manual_seed(0)
    model = cnn(width=4)
    model.train()
    model.fc1.eval()  # a module in its own mode must stay so
    x = torch.randn(3, 1, 28, 28)
    for p in model.parameters():
        p.grad = torch.full_like(p, 0.5)
    seen = {}
    probe = model.block3.register_forward_hook(lambda m, i, o: seen.setdefault("activation", o))
    with torch.no_grad():
        before = model.eval()(x)
    model.train()
    model.fc1.eval()
    seen.clear()
    grad_cam(model, x, "block3")
    probe.remove()
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert not seen["activation"]._backward_hooks  # the tensor hook on the activation is gone
    assert all(torch.equal(p.grad, torch.full_like(p, 0.5)) for p in model.parameters())
    assert model.training and not model.fc1.training and model.block1.bn.training
    with torch.no_grad():
        assert torch.equal(model.eval()(x), before)


def test_minitorch_hooks_removed() -> None:
    torch_model = torch_grid_net()
    model = mini_grid_net(torch_model)
    seen = {}
    probe = model[2].register_forward_hook(lambda m, i, o: seen.setdefault("activation", o))
    x = minitorch.Tensor(images())
    before = model(x).data.copy()
    seen.clear()
    grad_cam(model, x, "2")
    probe.remove()
    assert all(not m._forward_hooks for m in model.modules())
    assert not seen["activation"]._hooks
    assert all(p.grad is None for p in model.parameters())
    np.testing.assert_array_equal(model(x).data, before)


def test_errors_name_the_layer() -> None:
    model = cnn(width=4)
    x = torch.randn(2, 1, 28, 28)
    with pytest.raises(KeyError, match=r"no layer 'conv9'.*'block1\.conv'"):
        grad_cam(model, x, "conv9")
    with pytest.raises(ValueError, match=r"layer 'fc1' output is \(2, 128\), not a \(N, C, h, w\) map"):
        grad_cam(model, x, "fc1")
    with pytest.raises(ValueError, match="target class 10 out of range for 10 outputs"):
        grad_cam(model, x, "block3", 10)
    with pytest.raises(TypeError, match="expected a torch or minitorch model, got dict"):
        grad_cam({}, x, "block3")
    assert all(not m._forward_hooks for m in model.modules())
