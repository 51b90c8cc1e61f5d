"""The backward zoo: conv backward passes and transposed convs as users write them, right and
wrong, in plain numpy (cs231n's ``conv_backward_naive`` loops, an im2col/col2im version, a loop
``conv_transpose2d``).  None of them uses symconv: they are the code symconv has to judge.

Every function works on numbers and on object arrays; options are keywords, bound with
``functools.partial`` (or the CLI's ``--pass-options``).
"""

from __future__ import annotations

import numpy as np


def _pad(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def conv_backward_naive(dout, x, w, stride=1, pad=0, stride_in_dx=True):
    """cs231n: loops over every output position; returns (dx, dw)."""
    n_, c_, h, wd = x.shape
    f_, _, hh, ww = w.shape
    _, _, ho, wo = dout.shape
    xp = _pad(x, pad)
    dxp = np.zeros(xp.shape, dtype=np.result_type(dout, w))
    dw = np.zeros(w.shape, dtype=np.result_type(dout, x))
    for n in range(n_):
        for f in range(f_):
            for i in range(ho):
                for j in range(wo):
                    a, b = i * stride, j * stride
                    dw[f] += xp[n, :, a:a + hh, b:b + ww] * dout[n, f, i, j]
                    if not stride_in_dx:  # the bug: the window does not move by the stride
                        a, b = i, j
                    dxp[n, :, a:a + hh, b:b + ww] += w[f] * dout[n, f, i, j]
    return dxp[:, :, pad:pad + h, pad:pad + wd], dw


def naive_dx(dout, w, stride=1, pad=0, input_size=(5, 5)):
    """dx of conv_backward_naive (x is not needed for it)."""
    x = np.zeros((dout.shape[0], w.shape[1], *input_size), dtype=dout.dtype)
    return conv_backward_naive(dout, x, w, stride, pad)[0]


def naive_dw(x, dout, stride=1, pad=0, kernel_size=(3, 3)):
    """dw of conv_backward_naive (w is not needed for it)."""
    w = np.zeros((dout.shape[1], x.shape[1], *kernel_size), dtype=x.dtype)
    return conv_backward_naive(dout, x, w, stride, pad)[1]


def naive_dx_stride_ignored(dout, w, stride=1, pad=0, input_size=(5, 5)):
    """WRONG: dout[i, j] is spread at (i, j) instead of (i*stride, j*stride)."""
    x = np.zeros((dout.shape[0], w.shape[1], *input_size), dtype=dout.dtype)
    return conv_backward_naive(dout, x, w, stride, pad, stride_in_dx=False)[0]


def dx_full_correlation_no_flip(dout, w):
    """WRONG (stride 1, no padding): dx as the full correlation of dout with w, not flip(w)."""
    f_, c_, hh, ww = w.shape
    n_, _, ho, wo = dout.shape
    dp = np.pad(dout, ((0, 0), (0, 0), (hh - 1, hh - 1), (ww - 1, ww - 1)))
    dx = np.zeros((n_, c_, ho + hh - 1, wo + ww - 1), dtype=np.result_type(dout, w))
    for i in range(dx.shape[2]):
        for j in range(dx.shape[3]):
            window = dp[:, :, i:i + hh, j:j + ww]  # (N, F, hh, ww)
            dx[:, :, i, j] = np.einsum("nfuv,fcuv->nc", window, w)  # w[:, :, ::-1, ::-1] belongs
    return dx


def dx_full_convolution(dout, w):
    """RIGHT (stride 1, no padding): the full correlation of dout with the flipped kernel."""
    return dx_full_correlation_no_flip(dout, w[:, :, ::-1, ::-1])


def _im2col_indices(x_shape, hh, ww, pad, stride):
    _, c_, h, wd = x_shape
    ho, wo = (h + 2 * pad - hh) // stride + 1, (wd + 2 * pad - ww) // stride + 1
    i0 = np.tile(np.repeat(np.arange(hh), ww), c_)
    i1 = stride * np.repeat(np.arange(ho), wo)
    j0 = np.tile(np.arange(ww), hh * c_)
    j1 = stride * np.tile(np.arange(wo), ho)
    i = i0.reshape(-1, 1) + i1.reshape(1, -1)
    j = j0.reshape(-1, 1) + j1.reshape(1, -1)
    k = np.repeat(np.arange(c_), hh * ww).reshape(-1, 1)
    return k, i, j


def im2col(x, hh, ww, pad, stride):
    """cs231n's im2col_indices: (C*hh*ww, ho*wo*N)."""
    k, i, j = _im2col_indices(x.shape, hh, ww, pad, stride)
    cols = _pad(x, pad)[:, k, i, j]  # (N, C*hh*ww, ho*wo)
    return cols.transpose(1, 2, 0).reshape(hh * ww * x.shape[1], -1)


def col2im(cols, x_shape, hh, ww, pad, stride, overwrite=False):
    """cs231n's col2im_indices (np.add.at); ``overwrite``: the bug, a fancy assignment."""
    n_, c_, h, wd = x_shape
    xp = np.zeros((n_, c_, h + 2 * pad, wd + 2 * pad), dtype=cols.dtype)
    k, i, j = _im2col_indices(x_shape, hh, ww, pad, stride)
    cols = cols.reshape(c_ * hh * ww, -1, n_).transpose(2, 0, 1)
    if overwrite:
        xp[:, k, i, j] = cols  # repeated indices: one write wins, the others are lost
    else:
        np.add.at(xp, (slice(None), k, i, j), cols)
    return xp[:, :, pad:pad + h, pad:pad + wd]


def im2col_backward(dout, x, w, stride=1, pad=0, swapped=False, overwrite=False):
    """The vectorised backward pass: returns (dx, dw)."""
    f_, _, hh, ww = w.shape
    dout_r = dout.transpose(1, 2, 3, 0).reshape(f_, -1)
    x_cols = im2col(x, hh, ww, pad, stride)
    dw = (x_cols @ dout_r.T if swapped else dout_r @ x_cols.T).reshape(w.shape)
    dx_cols = w.reshape(f_, -1).T @ dout_r
    return col2im(dx_cols, x.shape, hh, ww, pad, stride, overwrite), dw


def im2col_dx(dout, w, stride=1, pad=0, input_size=(5, 5), overwrite=False):
    x = np.zeros((dout.shape[0], w.shape[1], *input_size), dtype=dout.dtype)
    return im2col_backward(dout, x, w, stride, pad, overwrite=overwrite)[0]


def im2col_dw(x, dout, stride=1, pad=0, kernel_size=(3, 3), swapped=False):
    w = np.zeros((dout.shape[1], x.shape[1], *kernel_size), dtype=x.dtype)
    return im2col_backward(dout, x, w, stride, pad, swapped=swapped)[1]


def conv_transpose2d(y, w, stride=1, padding=0, output_padding=0, dilation=1,
                     use_dilation=True, output_padding_at="end"):
    """PyTorch's conv_transpose2d (groups 1) by loops: scatter, then crop the padding.

    Bugs: ``use_dilation=False`` ignores the dilation; ``output_padding_at='start'`` adds the
    output_padding at the start of each axis; ``'padding'`` crops it off as more padding."""
    n_, f_, ho, wo = y.shape
    _, c_, hh, ww = w.shape
    full_h = (ho - 1) * stride + dilation * (hh - 1) + 1 + output_padding
    full_w = (wo - 1) * stride + dilation * (ww - 1) + 1 + output_padding
    d = dilation if use_dilation else 1  # the bug: the taps land one apart
    full = np.zeros((n_, c_, full_h, full_w), dtype=np.result_type(y, w))
    for i in range(ho):
        for j in range(wo):
            for u in range(hh):
                for v in range(ww):
                    contrib = np.einsum("nf,fc->nc", y[:, :, i, j], w[:, :, u, v])
                    full[:, :, i * stride + u * d, j * stride + v * d] += contrib
    op, p = output_padding, padding
    if output_padding_at == "start":  # the extra rows put in front
        full = np.pad(full, ((0, 0), (0, 0), (op, 0), (op, 0)))[:, :, :full_h, :full_w]
    elif output_padding_at == "padding":  # cropped off as if it were padding
        full = np.pad(full, ((0, 0), (0, 0), (0, op), (0, op)))[:, :, op:, op:]
    return full[:, :, p:full_h - p, p:full_w - p]
