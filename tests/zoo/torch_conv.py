"""Convolutions through PyTorch: they cannot run on object arrays, so symconv samples."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")  # a fresh machine has no torch: skip, with the reason
F = torch.nn.functional  # noqa: N816


def conv2d_torch(x, w, stride=1, padding=0, dilation=1, groups=1):
    """PyTorch's conv2d on float64 copies of the inputs."""
    x64, w64 = torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(w, dtype=torch.float64)
    out = F.conv2d(x64, w64, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return out.numpy()


def conv2d_torch_float32(x, w, stride=1, padding=0, dilation=1, groups=1):
    """PyTorch's conv2d in float32 (exact on symconv's small integers)."""
    x32, w32 = torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(w, dtype=torch.float32)
    return F.conv2d(x32, w32, stride=stride, padding=padding, dilation=dilation, groups=groups)


def conv2d_torch_transposed(x, w, stride=1, padding=0, dilation=1, groups=1):
    """PyTorch's conv2d with the kernel transposed by mistake."""
    wt = torch.as_tensor(w, dtype=torch.float64).transpose(2, 3)
    return F.conv2d(torch.as_tensor(x, dtype=torch.float64), wt, stride=stride,
                    padding=padding, dilation=dilation, groups=groups).numpy()
