"""The GPU-only launch path on CPU: every shipped config computes the right answer; the
autotuner (run under the interpreter by ``autotune_on_interpreter``) tries the right
candidates, keeps the fastest, and re-tunes exactly when its key changes; and the device
queries (config family, split-K) give the right answers for a stand-in GPU."""

from __future__ import annotations

import importlib

import pytest
import torch
import torch.nn.functional as F
from torch.nn.grad import conv2d_input, conv2d_weight

from kernels.conv2d import (
    CONV_DGRAD_CONFIGS,
    CONV_FWD_CONFIGS,
    CONV_WGRAD_CONFIGS,
    TUNE_KEY,
    WGRAD_TUNE_KEY,
    conv2d,
    conv2d_dgrad,
    conv2d_dgrad_kernel,
    conv2d_fwd_kernel,
    conv2d_wgrad,
    conv2d_wgrad_kernel,
)
from kernels.matmul import MATMUL_CONFIGS, fits_epilogue, matmul, matmul_kernel
from kernels.runtime import Launch, autotune_on_interpreter, gpu_arch, interpreting, last_launch

# The modules (the package re-exports functions under the same names).
matmul_module = importlib.import_module("kernels.matmul")
conv2d_module = importlib.import_module("kernels.conv2d")

pytestmark = pytest.mark.skipif(not interpreting(), reason="exercises the interpreter's launch path")

KIND_DTYPES = {"16bit": (torch.float16, torch.bfloat16), "tf32": (torch.float32,),
               "ieee": (torch.float32,)}


def shipped(configs: dict) -> list:
    """(arch, kind, config, dtype) for every config in every list, each dtype of its kind."""
    return [pytest.param(config, dtype, id=f"{arch}-{kind}-{i}-{str(dtype)[6:]}")
            for (arch, kind), candidates in configs.items()
            for i, config in enumerate(candidates)
            for dtype in KIND_DTYPES[kind.removesuffix("-unaligned")]]


def reference(a, b, bias=None, activation=None):
    out = a.float() @ b.float() + (0 if bias is None else bias.float())
    return {None: out, "relu": F.relu(out), "gelu": F.gelu(out)}[activation]


@pytest.mark.parametrize("config, dtype", shipped(MATMUL_CONFIGS))
def test_every_shipped_matmul_config_is_correct(config, dtype, assert_matches):
    """The GPU lists' tiles (up to 256 wide) on a problem smaller than one tile in M and N
    and not a multiple of BLOCK_K: the masks must hold at every tile size."""
    a = torch.randn(100, 90).to(dtype)
    b = torch.randn(90, 70).to(dtype)
    bias = torch.randn(70).to(dtype)
    activation = "gelu" if fits_epilogue(config, "gelu") else "relu"
    assert_matches(matmul(a, b, bias, activation, config=config),
                   reference(a, b, bias, activation))


@pytest.mark.parametrize("config, dtype", shipped(CONV_FWD_CONFIGS))
def test_every_shipped_conv_config_is_correct(config, dtype, assert_matches):
    """Forward, dgrad and wgrad with each config: stride 2, a partial channel block, groups."""
    assert CONV_FWD_CONFIGS is CONV_DGRAD_CONFIGS is CONV_WGRAD_CONFIGS  # one list for all three
    x = torch.randn(2, 20, 9, 9).to(dtype)
    w = torch.randn(24, 10, 3, 3).to(dtype)
    bias = torch.randn(24).to(dtype)
    hp = dict(stride=2, padding=1, dilation=1, groups=2)
    xf, wf = x.float(), w.float()
    y = conv2d(x, w, bias, **hp, config=config)
    assert_matches(y, F.conv2d(xf, wf, bias.float(), **hp))
    dy = torch.randn(y.shape).to(dtype)
    assert_matches(conv2d_dgrad(dy, w, x.shape, **hp, config=config),
                   conv2d_input(x.shape, wf, dy.float(), **hp))
    assert_matches(conv2d_wgrad(x, dy, w.shape, **hp, config=config, split_k=3),
                   conv2d_weight(xf, w.shape, dy.float(), **hp))


class Clock:
    """A ``do_bench`` stand-in: runs the candidate, then reports the next time of a schedule."""

    def __init__(self, *times: float) -> None:
        self.times = times
        self.calls = 0

    def __call__(self, kernel_call, quantiles) -> list[float]:
        kernel_call()
        t = self.times[self.calls % len(self.times)]
        self.calls += 1
        return [t, t, t]


def test_autotuner_times_every_candidate_and_keeps_the_fastest(assert_matches):
    clock = Clock(3.0, 1.0, 2.0)  # the second candidate is the fastest
    candidates = MATMUL_CONFIGS[("sm_90", "16bit")]
    a, b = torch.randn(96, 48).half(), torch.randn(48, 80).half()
    with autotune_on_interpreter("sm_90", clock) as tuning:
        assert_matches(matmul(a, b), reference(a, b))
        tuner = tuning.autotuners[("matmul_kernel", "sm_90", "16bit")]
        assert list(tuner.configs_timings) == candidates
        assert tuner.best_config == candidates[1]
        assert clock.calls == len(candidates)

        assert_matches(matmul(a.neg(), b), reference(a.neg(), b))  # same key: cached
        assert clock.calls == len(candidates)
        matmul(a[:64], b)  # new M: re-tuned
        matmul(a.t().contiguous().t(), b)  # transposed A (new stride_ak): re-tuned
        matmul(a[:64].bfloat16(), b.bfloat16())  # new dtype: re-tuned, from the same list
        assert clock.calls == 4 * len(candidates)
    matmul(a, b)  # outside the block: the interpreter's fixed config, nothing timed
    assert clock.calls == 4 * len(candidates)


def test_gelu_prunes_the_candidates_whose_epilogue_spills(assert_matches):
    clock = Clock(1.0)
    a, b, bias = torch.randn(48, 64).half(), torch.randn(64, 32).half(), torch.randn(32).half()
    with autotune_on_interpreter("sm_80", clock) as tuning:
        assert_matches(matmul(a, b, bias, "gelu"), reference(a, b, bias, "gelu"))
    tuner = tuning.autotuners[("matmul_kernel", "sm_80", "16bit")]
    kept = [c for c in MATMUL_CONFIGS[("sm_80", "16bit")] if fits_epilogue(c, "gelu")]
    assert list(tuner.configs_timings) == kept
    assert len(kept) < len(MATMUL_CONFIGS[("sm_80", "16bit")])  # the rule removed something


def test_conv_kernels_autotune_per_layer_and_per_split(assert_matches):
    clock = Clock(2.0, 1.0)
    x, w = torch.randn(2, 16, 7, 7), torch.randn(32, 16, 3, 3)
    hp = dict(stride=1, padding=1)
    candidates = CONV_FWD_CONFIGS[("sm_90", "ieee")]
    with autotune_on_interpreter("sm_90", clock) as tuning:
        y = conv2d(x, w, **hp)
        dy = torch.randn(y.shape)
        dx = conv2d_dgrad(dy, w, x.shape, **hp)
        dw1 = conv2d_wgrad(x, dy, w.shape, **hp, split_k=1)
        dw2 = conv2d_wgrad(x, dy, w.shape, **hp, split_k=2)  # SPLIT_K is in wgrad's key
        conv2d(x, w, **hp)  # same layer: cached
    assert_matches(y, F.conv2d(x, w, **hp))
    assert_matches(dx, conv2d_input(x.shape, w, dy, **hp))
    for dw in (dw1, dw2):
        assert_matches(dw, conv2d_weight(x, w.shape, dy, **hp))
    assert clock.calls == 4 * len(candidates)
    assert set(tuning.autotuners) == {(name, "sm_90", "ieee") for name in
                                      ("conv2d_fwd_kernel", "conv2d_dgrad_kernel",
                                       "conv2d_wgrad_kernel")}
    assert all(t.best_config == candidates[1] for t in tuning.autotuners.values())


def half(*shape: int) -> torch.Tensor:
    return torch.randn(shape, dtype=torch.float16)


@pytest.mark.parametrize("a, b, kind", [
    (half(96, 48), half(48, 80), "16bit"),
    (half(48, 96).t(), half(80, 48).t(), "16bit"),  # transposed: still aligned
    (half(100, 48), half(48, 80), "16bit-unaligned"),  # M = 100
    (half(96, 40), half(40, 80), "16bit-unaligned"),  # K = 40
    (half(96, 49)[:, 1:], half(48, 80), "16bit-unaligned"),  # starts 2 bytes in
    (half(96, 96)[:, ::2], half(48, 80), "16bit-unaligned"),  # no unit stride
])
def test_unaligned_matmuls_get_the_small_lists(a, b, kind, assert_matches):
    """Only launches that get the vectorized variant may use the big tiles (see matmul.py)."""
    with autotune_on_interpreter("sm_90", Clock(1.0)) as tuning:
        assert_matches(matmul(a, b), reference(a, b))
    assert list(tuning.autotuners) == [("matmul_kernel", "sm_90", kind)]


def test_an_image_stem_gets_the_small_lists(assert_matches):
    """3 input channels: x's pixel stride is 3 elements, so the loads cannot be vectorized."""
    x, w = torch.randn(2, 3, 9, 9).half(), torch.randn(16, 3, 3, 3).half()
    with autotune_on_interpreter("sm_90", Clock(1.0)) as tuning:
        y = conv2d(x, w, stride=2, padding=1)
        dw = conv2d_wgrad(x, y, w.shape, stride=2, padding=1)
    assert_matches(y, F.conv2d(x.float(), w.float(), stride=2, padding=1))
    assert_matches(dw, conv2d_weight(x.float(), w.shape, y.float(), stride=2, padding=1))
    assert set(tuning.autotuners) == {("conv2d_fwd_kernel", "sm_90", "16bit-unaligned"),
                                      ("conv2d_wgrad_kernel", "sm_90", "16bit-unaligned")}


@pytest.mark.parametrize("kernel, key", [(matmul_kernel, matmul_module.TUNE_KEY),
                                         (conv2d_fwd_kernel, TUNE_KEY),
                                         (conv2d_dgrad_kernel, TUNE_KEY),
                                         (conv2d_wgrad_kernel, WGRAD_TUNE_KEY)],
                         ids=lambda v: getattr(getattr(v, "fn", None), "__name__", ""))
def test_tune_keys_name_kernel_arguments(kernel, key):
    """The autotuner silently ignores a key name that is not an argument (a typo would reuse
    one shape's winner for every shape), so each name must be one."""
    assert set(key) <= set(kernel.arg_names)


def test_autotune_on_interpreter_errors(monkeypatch):
    with pytest.raises(ValueError, match=r"autotune_on_interpreter: arch must be one of"):
        with autotune_on_interpreter("sm_75", Clock(1.0)):
            pass
    monkeypatch.setattr("kernels.runtime.interpreting", lambda: False)
    with pytest.raises(RuntimeError, match=r"needs TRITON_INTERPRET=1"):
        with autotune_on_interpreter("sm_90", Clock(1.0)):
            pass


class FakeGPU:
    """What the launchers ask of a CUDA device: its SM count and compute capability."""

    def __init__(self, sms: int, capability: tuple[int, int]) -> None:
        self.multi_processor_count = sms
        self.capability = capability


@pytest.fixture
def fake_gpu(monkeypatch):
    def install(sms: int, capability: tuple[int, int]) -> None:
        gpu = FakeGPU(sms, capability)
        monkeypatch.setattr(torch.cuda, "get_device_properties", lambda device=None: gpu)
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
    return install


@pytest.mark.parametrize("layer, split", [
    # (K/g, R*S*C/g, groups, N*P*Q) of ResNet-50 3x3 layers at batch 32 on 132 SMs (H100/H200)
    ((64, 576, 1, 32 * 56 * 56), 32),  # 5 tiles of 128x128: 52 slices wanted, capped at 32
    ((256, 2304, 1, 32 * 14 * 14), 7),  # 36 tiles: 264 // 36 = 7 slices
    ((512, 4608, 1, 32 * 7 * 7), 1),  # 144 tiles already fill the GPU: no split
    ((64, 576, 1, 2 * 8 * 8), 1),  # a short reduction: 128 pixels cannot make 8 steps of 64
])
def test_wgrad_split_k_on_a_gpu(layer, split, fake_gpu):
    """About two 128x128 tiles per SM, each slice at least 8 steps of 64 pixels, at most 32."""
    fake_gpu(132, (9, 0))
    assert conv2d_module._default_split(torch.device("cuda"), *layer) == split


@pytest.mark.parametrize("capability, arch", [((9, 0), "sm_90"), ((8, 0), "sm_80"),
                                              ((8, 9), "sm_80"), ((10, 0), "sm_90")])
def test_config_family_by_compute_capability(capability, arch, fake_gpu):
    fake_gpu(132, capability)
    assert gpu_arch(torch.device("cuda")) == arch


def test_cpu_tensors_without_the_interpreter_are_refused(monkeypatch):
    monkeypatch.setattr("kernels.runtime.interpreting", lambda: False)
    with pytest.raises(ValueError, match=r"matmul: Triton kernels need CUDA tensors, got a "
                                         r"tensor on cpu \(set TRITON_INTERPRET=1"):
        matmul(torch.randn(2, 2), torch.randn(2, 2))


def test_last_launch_records_the_config_and_the_candidates_times():
    matmul(torch.randn(8, 8), torch.randn(8, 8))
    assert last_launch("matmul_kernel") == Launch(matmul_module.INTERPRETER_CONFIG, {})
    candidates = MATMUL_CONFIGS[("sm_90", "ieee")]
    a, b = torch.randn(32, 48), torch.randn(48, 16)
    with autotune_on_interpreter("sm_90", Clock(3.0, 2.0)):
        matmul(a, b)
        assert last_launch("matmul_kernel") == Launch(candidates[1], dict(zip(
            candidates, (3.0, 2.0), strict=True)))
        matmul(a, b)  # tuned already: no candidates timed
        assert last_launch("matmul_kernel") == Launch(candidates[1], {})
    with pytest.raises(KeyError, match=r"last_launch: no_such_kernel has not been launched"):
        last_launch("no_such_kernel")
