"""Backward passes at the size of real layers, written with whole-array numpy as people write
them (cs231n's im2col/col2im, a loop over the kernel's taps), right and wrong, so the vector
carrier can follow them: buffers come from ``np.zeros_like`` (the carrier cannot accumulate into
``np.zeros(shape, dtype=...)``)."""

from __future__ import annotations

import numpy as np

from .scale import get_im2col_indices, im2col_indices


def col2im_indices(cols, x_shape, hh, ww, pad=1, stride=1, overwrite=False):
    """cs231n's col2im_indices: ``np.add.at`` into the padded buffer; ``overwrite``: the bug,
    a fancy assignment (where windows overlap one write wins)."""
    n, c, h, w = x_shape
    xp = np.zeros_like(cols, shape=(n, c, h + 2 * pad, w + 2 * pad))
    k, i, j = get_im2col_indices(x_shape, hh, ww, pad, stride)
    cols = cols.reshape(c * hh * ww, -1, n).transpose(2, 0, 1)
    if overwrite:
        xp[:, k, i, j] = cols
    else:
        np.add.at(xp, (slice(None), k, i, j), cols)
    return xp[:, :, pad:pad + h, pad:pad + w] if pad else xp


def im2col_dx(dout, w, stride=1, pad=1, input_size=(56, 56), overwrite=False):
    """dx = col2im(w_rows.T @ dout_rows)."""
    f, c, hh, ww = w.shape
    dout_r = dout.transpose(1, 2, 3, 0).reshape(f, -1)
    dx_cols = w.reshape(f, -1).T @ dout_r
    return col2im_indices(dx_cols, (dout.shape[0], c, *input_size), hh, ww, pad, stride,
                          overwrite)


def im2col_dx_overwrite(dout, w, stride=1, pad=1, input_size=(56, 56)):
    """WRONG: col2im assigns instead of accumulating."""
    return im2col_dx(dout, w, stride, pad, input_size, overwrite=True)


def im2col_dx_no_flip(dout, w, stride=1, pad=1, input_size=(56, 56)):
    """WRONG: the kernel flipped once too often (a full correlation where col2im belongs)."""
    return im2col_dx(dout, w[:, :, ::-1, ::-1], stride, pad, input_size)


def taps_dx(dout, w, stride=1, pad=1, input_size=(56, 56), step=None):
    """dx by a loop over the taps: each tap's contribution added to a strided slice;
    ``step=1`` with a stride: the bug, the slice does not step by the stride."""
    n, f, ho, wo = dout.shape
    _, c, hh, ww = w.shape
    h, wd = input_size
    s = stride if step is None else step
    dxp = np.zeros_like(dout, shape=(n, c, h + 2 * pad, wd + 2 * pad))
    for u in range(hh):
        for v in range(ww):
            part = np.einsum("fc,nfhw->nchw", w[:, :, u, v], dout)
            dxp[:, :, u:u + s * (ho - 1) + 1:s, v:v + s * (wo - 1) + 1:s] += part
    return dxp[:, :, pad:pad + h, pad:pad + wd]


def im2col_dw(x, dout, stride=1, pad=1, kernel_size=(3, 3), swapped=False):
    """dw = dout_rows @ x_cols.T; ``swapped``: the bug, x_cols @ dout_rows.T read as dw."""
    f = dout.shape[1]
    dout_r = dout.transpose(1, 2, 3, 0).reshape(f, -1)
    x_cols = im2col_indices(x, *kernel_size, pad, stride)
    dw = x_cols @ dout_r.T if swapped else dout_r @ x_cols.T
    return dw.reshape(f, x.shape[1], *kernel_size)


def im2col_dw_swapped(x, dout, stride=1, pad=1, kernel_size=(3, 3)):
    return im2col_dw(x, dout, stride, pad, kernel_size, swapped=True)


def taps_dw(x, dout, stride=1, pad=1, kernel_size=(3, 3), step=None):
    """dw[f, c, u, v] = sum dout[n, f, i, j] * xp[n, c, i*s + u, j*s + v], tap by tap;
    ``step=1`` with a stride: the bug, the slice does not step by the stride."""
    n, f, ho, wo = dout.shape
    s = stride if step is None else step
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    rows = []
    for u in range(kernel_size[0]):
        for v in range(kernel_size[1]):
            patch = xp[:, :, u:u + s * (ho - 1) + 1:s, v:v + s * (wo - 1) + 1:s]
            rows.append(np.einsum("nfhw,nchw->fc", dout, patch))
    return np.stack(rows, axis=-1).reshape(f, x.shape[1], *kernel_size)


def transpose_by_zero_insertion(y, w, stride=1, padding=0, dilation=1, output_padding=0):
    """conv_transpose2d (groups 1) as zero insertion, padding by d*(k-1) - p (assumed >= 0, plus
    output_padding on the far side) and a correlation with the flipped kernel, its channel
    axes swapped."""
    n, f, ho, wo = y.shape
    _, c, hh, ww = w.shape
    s, d = stride, dilation
    spread = np.zeros_like(y, shape=(n, f, (ho - 1) * s + 1, (wo - 1) * s + 1))
    spread[:, :, ::s, ::s] = y
    e = d * (hh - 1) - padding
    yp = np.pad(spread, ((0, 0), (0, 0), (e, e + output_padding), (e, e + output_padding)))
    h, wd = yp.shape[2] - d * (hh - 1), yp.shape[3] - d * (ww - 1)
    flipped = w[:, :, ::-1, ::-1]
    out = 0
    for u in range(hh):
        for v in range(ww):
            patch = yp[:, :, u * d:u * d + h, v * d:v * d + wd]
            out = out + np.einsum("nfhw,fc->nchw", patch, flipped[:, :, u, v])
    return out


def taps_transpose(y, w, stride=1, padding=0, dilation=1, output_padding=0, use_dilation=True,
                   output_padding_at="end"):
    """conv_transpose2d (groups 1), tap by tap into the full buffer, then the padding cropped
    (tests/zoo/backward.py's loop, with slices).  Bugs as there: ``use_dilation=False``;
    ``output_padding_at='start'`` or ``'padding'``."""
    n, f, ho, wo = y.shape
    _, c, hh, ww = w.shape
    s, op, p = stride, output_padding, padding
    full_h = (ho - 1) * s + dilation * (hh - 1) + 1 + op
    full_w = (wo - 1) * s + dilation * (ww - 1) + 1 + op
    d = dilation if use_dilation else 1
    full = np.zeros_like(y, shape=(n, c, full_h, full_w))
    for u in range(hh):
        for v in range(ww):
            part = np.einsum("nfhw,fc->nchw", y, w[:, :, u, v])
            full[:, :, u * d:u * d + s * (ho - 1) + 1:s, v * d:v * d + s * (wo - 1) + 1:s] += part
    if output_padding_at == "start":
        full = np.pad(full, ((0, 0), (0, 0), (op, 0), (op, 0)))[:, :, :full_h, :full_w]
    elif output_padding_at == "padding":
        full = np.pad(full, ((0, 0), (0, 0), (0, op), (0, op)))[:, :, op:, op:]
    return full[:, :, p:full_h - p, p:full_w - p]
