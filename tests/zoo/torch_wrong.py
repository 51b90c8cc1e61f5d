"""Wrong convolutions through PyTorch, one classic mistake each: they cannot run on object
arrays, so symconv samples them, then probes them with one-hot inputs to name the mistake."""

from __future__ import annotations

import pytest

from .right import _sizes

torch = pytest.importorskip("torch")  # a fresh machine has no torch: skip, with the reason
F = torch.nn.functional  # noqa: N816


def _tensors(x, w):
    return torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(w, dtype=torch.float64)


def convolve2d_torch_no_flip(x, w, stride=1, padding=0, dilation=1, groups=1):
    """'Convolution' by F.conv2d, which is correlation: the kernel is never flipped."""
    return F.conv2d(*_tensors(x, w), stride=stride, padding=padding, dilation=dilation,
                    groups=groups).numpy()


def _cropped(x, w, stride, padding, dilation, taps):
    """F.conv2d with tap spacing ``taps``, zeros beyond the input, cropped to the right size."""
    (sh, sw), (ph, pw), _, oh, ow = _sizes(x, w, stride, padding, dilation)
    xt, wt = _tensors(x, w)
    far = 64  # zeros far enough to the right and bottom for any spacing used here
    xp = F.pad(xt, (pw, pw + far, ph, ph + far))
    return F.conv2d(xp, wt, stride=(sh, sw), dilation=taps)[:, :, :oh, :ow].numpy()


def conv2d_torch_stride_on_offsets(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Tap spacing stride*dilation: input index o*s + u*s*d."""
    (sh, sw), _, (dh, dw), _, _ = _sizes(x, w, stride, padding, dilation)
    return _cropped(x, w, stride, padding, dilation, (sh * dh, sw * dw))


def conv2d_torch_dilation_ignored(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Output size with dilation, taps without it."""
    return _cropped(x, w, stride, padding, dilation, (1, 1))


def conv2d_torch_groups_leak(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Every filter reads the first group's channels."""
    xt, wt = _tensors(x, w)
    return F.conv2d(xt[:, :wt.shape[1]], wt, stride=stride, padding=padding,
                    dilation=dilation).numpy()


def conv2d_torch_im2col_row_bug(x, w, stride=1, padding=0, dilation=1, groups=1):
    """F.unfold columns moved to row c*KH*KW + u*KH + v (cs231n's KH where KW belongs)."""
    (sh, sw), (ph, pw), (dh, dw), oh, ow = _sizes(x, w, stride, padding, dilation)
    xt, wt = _tensors(x, w)
    f, c, kh, kw = wt.shape
    cols = F.unfold(xt, (kh, kw), dilation=(dh, dw), padding=(ph, pw), stride=(sh, sw))
    moved = torch.zeros_like(cols)
    for ch in range(c):
        for u in range(kh):
            for v in range(kw):
                moved[:, ch * kh * kw + u * kh + v] = cols[:, ch * kh * kw + u * kw + v]
    return (wt.reshape(f, -1) @ moved).reshape(xt.shape[0], f, oh, ow).numpy()
