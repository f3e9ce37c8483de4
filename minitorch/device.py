"""`device`: where a tensor's numbers live. minitorch has one device, the CPU.

Its arrays are NumPy arrays in main memory, so `Tensor.device` is always `device(type='cpu')`
and `.to("cpu")` changes nothing. Asking for any other device is an error that says where
this repository's GPU code is.

PyTorch equivalent: `torch.device`.
"""

from __future__ import annotations

CPU_ONLY = (
    "minitorch runs on the CPU only (its tensors are NumPy arrays); the GPU code of this repository is "
    "the Triton kernels in kernels/ (matmul and conv2d, forward and backward), used from PyTorch"
)


class device:  # noqa: N801 (torch's name)
    """A device: `device("cpu")` or `device("cpu:0")`; repr and str as in torch."""

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu', got {type!r}")
        name, _, number = type.partition(":")
        if name != "cpu":
            raise RuntimeError(f"device: {type!r} is not available: {CPU_ONLY}")
        self.type = "cpu"
        self.index = int(number) if number else index

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")
