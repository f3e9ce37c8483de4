"""kernels.matmul against torch: shapes, strides, batches, dtypes, epilogues, errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
import triton
import triton.language as tl
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels.matmul import (
    INTERPRETER_CONFIG,
    MATMUL_CONFIGS,
    fits_epilogue,
    grouped_tile,
    matmul,
    tile_configs,
)

DTYPES = [torch.float32, torch.float16, torch.bfloat16]


def reference(a, b, bias=None, activation=None):
    """The same computation in fp32 torch."""
    out = a.float() @ b.float()
    if bias is not None:
        out = out + bias.float()
    return {None: out, "relu": F.relu(out), "gelu": F.gelu(out)}[activation]


@pytest.mark.parametrize(
    "shape_a, shape_b",
    [
        ((64, 64), (64, 64)),  # square, a multiple of the block
        ((1, 200), (200, 96)),  # skinny: one row
        ((150, 7), (7, 3)),  # tall and narrow, K below one block
        ((127, 63), (63, 255)),  # odd: nothing is a multiple of 32
        ((3, 40, 50), (3, 50, 70)),  # batched
        ((2, 33, 17), (17, 40)),  # batch of A times one shared B
    ],
)
def test_matmul_shapes(shape_a, shape_b, device, assert_matches):
    a = torch.randn(shape_a, device=device)
    b = torch.randn(shape_b, device=device)
    c = matmul(a, b)
    assert c.shape == torch.matmul(a, b).shape
    assert_matches(c, reference(a, b))


def test_matmul_transposed_and_strided_inputs_are_read_in_place(device, assert_matches):
    a_t = torch.randn(63, 127, device=device)  # a = a_t.T: column-major (stride_am = 1)
    b_t = torch.randn(255, 63, device=device)
    assert_matches(matmul(a_t.t(), b_t.t()), reference(a_t.t(), b_t.t()))
    # Batched with transposed last dims, an every-other-row slice, and a stride-0 batch.
    a = torch.randn(2, 50, 40, device=device).transpose(1, 2)
    b = torch.randn(2, 2 * 50, 30, device=device)[:, ::2]
    assert_matches(matmul(a, b), reference(a, b))
    shared = torch.randn(1, 40, 50, device=device).expand(3, 40, 50)
    b3 = torch.randn(3, 50, 20, device=device)
    assert_matches(matmul(shared, b3), reference(shared, b3))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_matmul_dtypes_accumulate_in_fp32(dtype, device, assert_matches):
    a = torch.randn(127, 63, device=device).to(dtype)
    b = torch.randn(63, 255, device=device).to(dtype)
    c = matmul(a, b)
    assert c.dtype == dtype
    assert_matches(c, reference(a, b))


def test_matmul_fp16_accumulator_is_fp32(device):
    """2048 + 64 ones: an fp16 running sum stays 2048 (2049 rounds back to 2048), fp32 gets
    2112, which fp16 can hold, so the output is exact only if the accumulator was fp32."""
    K = 65
    a = torch.ones(32, K, device=device, dtype=torch.float16)
    a[:, 0] = 2048.0
    b = torch.ones(K, 32, device=device, dtype=torch.float16)
    c = matmul(a, b)
    assert torch.all(c.float() == 2112.0)


@pytest.mark.parametrize("activation", [None, "relu", "gelu"])
@pytest.mark.parametrize("with_bias", [False, True])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16], ids=str)
def test_matmul_epilogue(activation, with_bias, dtype, device, assert_matches):
    a = torch.randn(45, 70, device=device).to(dtype)
    b = torch.randn(70, 33, device=device).to(dtype)
    bias = torch.randn(33, device=device).to(dtype) if with_bias else None
    assert_matches(matmul(a, b, bias, activation), reference(a, b, bias, activation))


@pytest.mark.parametrize("group_m", [1, 3, 8])
def test_matmul_any_group_size_covers_every_tile(group_m, device, assert_matches):
    (config,) = tile_configs((32, 32, 32, 4, 1, group_m))
    a = torch.randn(130, 40, device=device)  # 5 row-tiles: the last group is partial
    b = torch.randn(40, 100, device=device)
    assert_matches(matmul(a, b, config=config), reference(a, b))


@triton.jit
def _tile_order_kernel(out_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,
                       GROUP_M: tl.constexpr):
    pid = tl.program_id(0)
    pid_m, pid_n = grouped_tile(pid, M, N, BLOCK_M, BLOCK_N, GROUP_M)
    tl.store(out_ptr + pid_m * tl.cdiv(N, BLOCK_N) + pid_n, pid)


@pytest.mark.parametrize(
    "M, group_m, expected",
    [
        (32, 1, [[0, 1, 2, 3]]),
        (64, 1, [[0, 1, 2, 3], [4, 5, 6, 7]]),
        (64, 2, [[0, 2, 4, 6], [1, 3, 5, 7]]),  # the picture in grouped_tile's docstring
        (96, 2, [[0, 2, 4, 6], [1, 3, 5, 7], [8, 9, 10, 11]]),  # a last group of one row
    ],
)
def test_grouped_tile_order(M, group_m, expected, device):
    """Which program computes each tile, as a grid of tiles: a permutation, in group order."""
    N, block = 128, 32
    tiles = triton.cdiv(M, block) * triton.cdiv(N, block)
    out = torch.full((tiles,), -1, dtype=torch.int32, device=device)
    _tile_order_kernel[(tiles,)](out, M, N, BLOCK_M=block, BLOCK_N=block, GROUP_M=group_m)
    assert out.view(-1, N // block).tolist() == expected


def test_matmul_empty_and_zero_k(device):
    a = torch.randn(0, 5, device=device)
    assert matmul(a, torch.randn(5, 7, device=device)).shape == (0, 7)
    bias = torch.randn(4, device=device)
    c = matmul(torch.randn(3, 0, device=device), torch.randn(0, 4, device=device), bias, "relu")
    assert torch.equal(c, F.relu(bias).expand(3, 4))


@settings(max_examples=12, deadline=None)
@given(
    m=st.integers(1, 70), n=st.integers(1, 70), k=st.integers(1, 70),
    batch=st.sampled_from([None, 1, 2]),
    transpose_a=st.booleans(), transpose_b=st.booleans(),
    activation=st.sampled_from([None, "relu", "gelu"]), with_bias=st.booleans(),
)
def test_matmul_property(m, n, k, batch, transpose_a, transpose_b, activation, with_bias):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    lead = () if batch is None else (batch,)
    a = torch.randn(*lead, k, m, device=device).transpose(-1, -2) if transpose_a else \
        torch.randn(*lead, m, k, device=device)
    b = torch.randn(*lead, n, k, device=device).transpose(-1, -2) if transpose_b else \
        torch.randn(*lead, k, n, device=device)
    bias = torch.randn(n, device=device) if with_bias else None
    expected = reference(a, b, bias, activation)
    torch.testing.assert_close(matmul(a, b, bias, activation), expected, rtol=1e-5,
                               atol=1e-5 * max(1.0, expected.abs().max().item()))


@pytest.mark.parametrize(
    "a_shape, b_shape, kwargs, message",
    [
        ((2, 3), (4, 5), {}, r"matmul: shapes \(2, 3\) and \(4, 5\) cannot be multiplied"),
        ((2, 2, 3), (3, 3, 4), {}, r"matmul: shapes \(2, 2, 3\) and \(3, 3, 4\) cannot"),
        ((3,), (3, 2), {}, r"matmul: expected 2-D or 3-D inputs, got shapes \(3,\) and \(3, 2\)"),
        ((2, 3), (3, 4), {"activation": "tanh"}, "matmul: activation must be one of"),
        ((2, 3), (3, 4), {"input_precision": "tf16"}, "matmul: input_precision must be"),
        ((2, 3), (3, 4), {"bias_shape": (5,)}, r"matmul: bias must have shape \(4,\), got \(5,\)"),
    ],
)
def test_matmul_shape_and_argument_errors(a_shape, b_shape, kwargs, message, device):
    a, b = torch.randn(a_shape, device=device), torch.randn(b_shape, device=device)
    if "bias_shape" in kwargs:
        kwargs = {"bias": torch.randn(kwargs["bias_shape"], device=device)}
    with pytest.raises(ValueError, match=message):
        matmul(a, b, **kwargs)


def test_matmul_dtype_and_device_errors(device):
    a = torch.randn(4, 4, device=device)
    with pytest.raises(TypeError, match=r"matmul: unsupported dtype torch.float64"):
        matmul(a.double(), a.double())
    with pytest.raises(TypeError, match=r"matmul: unsupported dtype torch.int32"):
        matmul(a.int(), a.int())
    with pytest.raises(TypeError, match=r"expected one dtype .* a torch.float32, b torch.float16"):
        matmul(a, a.half())
    with pytest.raises(ValueError, match=r"matmul: expected all tensors on one device"):
        matmul(a, a.to("meta"))
    with pytest.raises(ValueError, match=r"matmul: .* got a tensor on meta"):
        matmul(a.to("meta"), a.to("meta"))


def test_gelu_rule_keeps_a_config_for_every_list():
    """GELU prunes the configs with big accumulators; every list must keep at least one."""
    for key, configs in MATMUL_CONFIGS.items():
        kept = [c for c in configs if fits_epilogue(c, "gelu")]
        assert kept, key
        assert all(fits_epilogue(c, "relu") for c in configs)
    assert fits_epilogue(INTERPRETER_CONFIG, "gelu")


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_matmul_autotuned_on_gpu(dtype, assert_matches):
    a = torch.randn(512, 384, device="cuda").to(dtype)
    b = torch.randn(384, 1000, device="cuda").to(dtype)
    bias = torch.randn(1000, device="cuda").to(dtype)
    assert_matches(matmul(a, b, bias, "gelu"), reference(a, b, bias, "gelu"))


@pytest.mark.gpu
def test_matmul_tf32_on_gpu():
    """TF32 rounds inputs to 10 mantissa bits: close to fp32 at ~1e-3, not at 1e-5."""
    a = torch.randn(256, 512, device="cuda")
    b = torch.randn(512, 256, device="cuda")
    expected = reference(a.double(), b.double()).float()
    tf32 = matmul(a, b, input_precision="tf32")
    ieee = matmul(a, b, input_precision="ieee")
    torch.testing.assert_close(ieee, expected, rtol=1e-4, atol=1e-3)
    torch.testing.assert_close(tf32, expected, rtol=1e-2, atol=5e-2)
    assert (tf32 - expected).abs().max() > (ieee - expected).abs().max()
