"""Convolutions that fail in ways other than wrong numbers: raise, NaN, mutate, hang, dtype."""

from __future__ import annotations

import time

import numpy as np

from .right import _sizes, conv2d_loops


def conv2d_index_error(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Loops one position too far."""
    (sh, sw), _, _, oh, ow = _sizes(x, w, stride, padding, dilation)
    out = np.zeros((x.shape[0], w.shape[0], oh, ow), dtype=x.dtype)
    for i in range(oh + 1):
        out[0, 0, i, 0] = x[0, 0, i * sh + w.shape[2], 0] * w[0, 0, 0, 0]
    return out


def conv2d_float_nan(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Float accumulator and a square-root round trip: NaN wherever the output is negative."""
    out = conv2d_loops(x.astype(float), w.astype(float), stride, padding, dilation, groups)
    with np.errstate(invalid="ignore"):
        return np.sqrt(out) ** 2


def conv2d_flips_in_place(x, w, stride=1, padding=0, dilation=1, groups=1):
    """True convolution that flips the caller's kernel in place."""
    w[...] = w[:, :, ::-1, ::-1].copy()
    return conv2d_loops(x, w, stride, padding, dilation, groups)


def conv2d_slow(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Never finishes in time."""
    time.sleep(5)
    return conv2d_loops(x, w, stride, padding, dilation, groups)


def conv2d_fft_complex(x, w, stride=1, padding=0, dilation=1, groups=1):
    """FFT correlation (N=C=F=1, valid) that forgets to take the real part."""
    h, wd = x.shape[2:]
    kh, kw = w.shape[2:]
    spectrum = np.fft.fft2(x[0, 0]) * np.conj(np.fft.fft2(w[0, 0], s=(h, wd)))
    return np.fft.ifft2(spectrum)[None, None, :h - kh + 1, :wd - kw + 1]


def conv2d_returns_none(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Forgot the return statement."""
    conv2d_loops(x, w, stride, padding, dilation, groups)
