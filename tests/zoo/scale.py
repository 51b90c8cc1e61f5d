"""User-style numpy convolutions (PyTorch's conv2d: correlation, zero padding, stride) written
the way people write them, to be verified exactly at the size of real layers, and a wrong
variant of each (kernel transposed, padding off by one)."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _out(h, k, pad, stride):
    return (h + 2 * pad - k) // stride + 1


# ---- cs231n: im2col with fancy indexing ----

def get_im2col_indices(x_shape, field_height, field_width, padding=1, stride=1):
    """The cs231n assignment's index arrays (k, i, j) of every column."""
    _, c, h, w = x_shape
    out_height = (h + 2 * padding - field_height) // stride + 1
    out_width = (w + 2 * padding - field_width) // stride + 1
    i0 = np.repeat(np.arange(field_height), field_width)
    i0 = np.tile(i0, c)
    i1 = stride * np.repeat(np.arange(out_height), out_width)
    j0 = np.tile(np.arange(field_width), field_height * c)
    j1 = stride * np.tile(np.arange(out_width), out_height)
    i = i0.reshape(-1, 1) + i1.reshape(1, -1)
    j = j0.reshape(-1, 1) + j1.reshape(1, -1)
    k = np.repeat(np.arange(c), field_height * field_width).reshape(-1, 1)
    return k, i, j


def im2col_indices(x, field_height, field_width, padding=1, stride=1):
    p = padding
    x_padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="constant")
    k, i, j = get_im2col_indices(x.shape, field_height, field_width, padding, stride)
    cols = x_padded[:, k, i, j]
    c = x.shape[1]
    return cols.transpose(1, 2, 0).reshape(field_height * field_width * c, -1)


def conv_cs231n(x, w, stride=1, pad=1):
    n, _, h, wd = x.shape
    f, _, hh, ww = w.shape
    oh, ow = _out(h, hh, pad, stride), _out(wd, ww, pad, stride)
    cols = im2col_indices(x, hh, ww, pad, stride)
    out = w.reshape(f, -1) @ cols  # (F, OH*OW*N), columns batch-fastest
    return out.reshape(f, oh, ow, n).transpose(3, 0, 1, 2)


def conv_cs231n_transposed(x, w, stride=1, pad=1):
    """Wrong: the kernel's rows and columns swapped before the product."""
    return conv_cs231n(x, w.transpose(0, 1, 3, 2), stride, pad)


def conv_cs231n_pad_off_by_one(x, w, stride=1, pad=1):
    """Wrong: pads one less on the left/top, one more on the right/bottom."""
    n, _, h, wd = x.shape
    f, c, hh, ww = w.shape
    oh, ow = _out(h, hh, pad, stride), _out(wd, ww, pad, stride)
    xp = np.pad(x, ((0, 0), (0, 0), (pad - 1, pad + 1), (pad - 1, pad + 1)))
    k, i, j = get_im2col_indices(x.shape, hh, ww, pad, stride)
    cols = xp[:, k, i, j].transpose(1, 2, 0).reshape(hh * ww * c, -1)
    return (w.reshape(f, -1) @ cols).reshape(f, oh, ow, n).transpose(3, 0, 1, 2)


# ---- einsum / tensordot over sliding windows ----

def conv_einsum(x, w, stride=1, pad=1):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("nchwuv,fcuv->nfhw", win, w)


def conv_einsum_transposed(x, w, stride=1, pad=1):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("nchwuv,fcvu->nfhw", win, w)


def conv_tensordot(x, w, stride=1, pad=1):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3]))  # (N, OH, OW, F)
    return np.moveaxis(out, 3, 1)


def conv_tensordot_pad_off_by_one(x, w, stride=1, pad=1):
    xp = np.pad(x, ((0, 0), (0, 0), (pad + 1, pad - 1), (pad + 1, pad - 1)))
    win = sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    return np.moveaxis(np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3])), 3, 1)


# ---- a loop over the kernel's taps, slicing the padded input ----

def conv_taps(x, w, stride=1, pad=1):
    n, _, h, wd = x.shape
    f, _, hh, ww = w.shape
    oh, ow = _out(h, hh, pad, stride), _out(wd, ww, pad, stride)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = None
    for u in range(hh):
        for v in range(ww):
            patch = xp[:, :, u:u + stride * oh:stride, v:v + stride * ow:stride]
            term = np.einsum("fc,nchw->nfhw", w[:, :, u, v], patch)
            out = term if out is None else out + term
    return out


def conv_taps_transposed(x, w, stride=1, pad=1):
    n, _, h, wd = x.shape
    f, _, hh, ww = w.shape
    oh, ow = _out(h, hh, pad, stride), _out(wd, ww, pad, stride)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = 0
    for u in range(hh):
        for v in range(ww):
            patch = xp[:, :, u:u + stride * oh:stride, v:v + stride * ow:stride]
            out = out + np.einsum("fc,nchw->nfhw", w[:, :, v, u], patch)
    return out


# ---- sliding_window_view and a matrix product ----

def conv_windows_matmul(x, w, stride=1, pad=1):
    f = w.shape[0]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    n, c, oh, ow, hh, ww = win.shape
    cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * hh * ww)
    return (cols @ w.reshape(f, -1).T).reshape(n, oh, ow, f).transpose(0, 3, 1, 2)


def conv_windows_pad_off_by_one(x, w, stride=1, pad=1):
    """Wrong: one more padding row on top, one less at the bottom."""
    f = w.shape[0]
    xp = np.pad(x, ((0, 0), (0, 0), (pad + 1, pad - 1), (pad, pad)))
    win = sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    n, c, oh, ow, hh, ww = win.shape
    cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * hh * ww)
    return (cols @ w.reshape(f, -1).T).reshape(n, oh, ow, f).transpose(0, 3, 1, 2)


RIGHT = [conv_cs231n, conv_einsum, conv_tensordot, conv_taps, conv_windows_matmul]
WRONG = [conv_cs231n_transposed, conv_cs231n_pad_off_by_one, conv_einsum_transposed,
         conv_tensordot_pad_off_by_one, conv_taps_transposed, conv_windows_pad_off_by_one]
