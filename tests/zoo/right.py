"""Correct 2-D convolutions in different layouts (all are PyTorch's conv2d = correlation, except
``convolve2d_flip_loops``, a true convolution)."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _sizes(x, w, stride, padding, dilation):
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    _, _, h, wd = x.shape
    _, _, kh, kw = w.shape
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    return (sh, sw), (ph, pw), (dh, dw), oh, ow


def conv2d_loops(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Seven nested loops, every option."""
    (sh, sw), (ph, pw), (dh, dw), oh, ow = _sizes(x, w, stride, padding, dilation)
    n_, _, _, _ = x.shape
    f_, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((n_, f_, oh, ow), dtype=x.dtype)
    per_group = f_ // groups
    for n in range(n_):
        for f in range(f_):
            g = f // per_group
            for i in range(oh):
                for j in range(ow):
                    acc = 0
                    for c in range(cg):
                        for u in range(kh):
                            for v in range(kw):
                                acc = acc + w[f, c, u, v] * xp[n, g * cg + c, i * sh + u * dh,
                                                                j * sw + v * dw]
                    out[n, f, i, j] = acc
    return out


def _im2col_indices(c, kh, kw, oh, ow, sh, sw, dh, dw):
    """cs231n-style gather indices, rows c*kh*kw + u*kw + v, columns i*ow + j."""
    i0 = np.tile(np.repeat(np.arange(kh) * dh, kw), c)
    i1 = sh * np.repeat(np.arange(oh), ow)
    j0 = np.tile(np.arange(kw) * dw, kh * c)
    j1 = sw * np.tile(np.arange(ow), oh)
    i = i0.reshape(-1, 1) + i1.reshape(1, -1)
    j = j0.reshape(-1, 1) + j1.reshape(1, -1)
    k = np.repeat(np.arange(c), kh * kw).reshape(-1, 1)
    return k, i, j


def conv2d_im2col_batch_first(x, w, stride=1, padding=0, dilation=1, groups=1):
    """im2col with columns n*OH*OW + i*OW + j (Caffe's order), one matmul."""
    (sh, sw), (ph, pw), (dh, dw), oh, ow = _sizes(x, w, stride, padding, dilation)
    n, c, _, _ = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    k, i, j = _im2col_indices(c, kh, kw, oh, ow, sh, sw, dh, dw)
    cols = xp[:, k, i, j]  # (N, C*KH*KW, OH*OW)
    cols = cols.transpose(1, 0, 2).reshape(c * kh * kw, -1)
    res = w.reshape(f, -1) @ cols
    return res.reshape(f, n, oh, ow).transpose(1, 0, 2, 3)


def conv2d_im2col_batch_last(x, w, stride=1, padding=0, dilation=1, groups=1):
    """cs231n's conv_forward_im2col: columns (i*OW + j)*N + n."""
    (sh, sw), (ph, pw), (dh, dw), oh, ow = _sizes(x, w, stride, padding, dilation)
    n, c, _, _ = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    k, i, j = _im2col_indices(c, kh, kw, oh, ow, sh, sw, dh, dw)
    cols = xp[:, k, i, j].transpose(1, 2, 0).reshape(c * kh * kw, -1)
    res = w.reshape(f, -1) @ cols
    return res.reshape(f, oh, ow, n).transpose(3, 0, 1, 2)


def conv2d_colmajor(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Each patch and each kernel flattened column-major (order='F'), then a dot product."""
    (sh, sw), (ph, pw), (dh, dw), oh, ow = _sizes(x, w, stride, padding, dilation)
    n_, _, _, _ = x.shape
    f_, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    kernels = [w[f].reshape(-1, order="F") for f in range(f_)]
    out = np.zeros((n_, f_, oh, ow), dtype=x.dtype)
    for n in range(n_):
        for i in range(oh):
            for j in range(ow):
                patch = xp[n, :, i * sh:i * sh + dh * (kh - 1) + 1:dh,
                           j * sw:j * sw + dw * (kw - 1) + 1:dw]
                vec = patch.reshape(-1, order="F")
                for f in range(f_):
                    out[n, f, i, j] = np.dot(vec, kernels[f])
    return out


def conv2d_einsum(x, w, stride=1, padding=0, dilation=1, groups=1):
    """einsum over sliding windows, grouped."""
    (sh, sw), (ph, pw), (dh, dw), oh, ow = _sizes(x, w, stride, padding, dilation)
    n, c, _, _ = x.shape
    f, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    win = win[:, :, ::sh, ::sw, ::dh, ::dw][:, :, :oh, :ow]  # (N, C, OH, OW, KH, KW)
    win = win.reshape(n, groups, cg, oh, ow, kh, kw)
    wg = w.reshape(groups, f // groups, cg, kh, kw)
    return np.einsum("ngchwuv,gfcuv->ngfhw", win, wg).reshape(n, f, oh, ow)


def conv2d_im2col_uvc(x, w, stride=1, padding=0, dilation=1, groups=1):
    """im2col with rows ordered (u, v, c) on *both* sides: unusual, still right."""
    (sh, sw), (ph, pw), (dh, dw), oh, ow = _sizes(x, w, stride, padding, dilation)
    n, c, _, _ = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    win = win[:, :, ::sh, ::sw, ::dh, ::dw][:, :, :oh, :ow]
    rows = win.transpose(0, 2, 3, 4, 5, 1).reshape(n * oh * ow, kh * kw * c)
    weights = w.transpose(0, 2, 3, 1).reshape(f, -1)
    return (rows @ weights.T).reshape(n, oh, ow, f).transpose(0, 3, 1, 2)


def convolve2d_flip_loops(x, w, stride=1, padding=0, dilation=1, groups=1):
    """True convolution: out[i] = sum_u x[i - u] w[u], written with the flipped kernel."""
    return conv2d_loops(x, w[:, :, ::-1, ::-1], stride, padding, dilation, groups)


def conv2d_shift_add(x, w, stride=1, padding=0, dilation=1, groups=1):
    """For every kernel tap, a strided slice of the input times one weight, accumulated."""
    (sh, sw), (ph, pw), (dh, dw), oh, ow = _sizes(x, w, stride, padding, dilation)
    n, _, _, _ = x.shape
    f_, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((n, f_, oh, ow), dtype=x.dtype)
    per_group = f_ // groups
    for f in range(f_):
        for c in range(cg):
            for u in range(kh):
                for v in range(kw):
                    window = xp[:, (f // per_group) * cg + c, u * dh:u * dh + sh * (oh - 1) + 1:sh,
                                v * dw:v * dw + sw * (ow - 1) + 1:sw]
                    out[:, f] = out[:, f] + window * w[f, c, u, v]
    return out
