"""Wrong 2-D convolutions, one classic mistake each (see ``MISTAKES`` in tests/test_verify_zoo)."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .right import _im2col_indices, _pair, _sizes, conv2d_loops


def convolve2d_no_flip(x, w, stride=1, padding=0, dilation=1, groups=1):
    """'Convolution' that forgets to flip the kernel (it is correlation)."""
    return conv2d_loops(x, w, stride, padding, dilation, groups)


def conv2d_flipped(x, w, stride=1, padding=0, dilation=1, groups=1):
    """PyTorch's conv2d asked, the textbook flip applied."""
    return conv2d_loops(x, np.flip(w, axis=(2, 3)), stride, padding, dilation, groups)


def convolve2d_flip_rows_only(x, w, stride=1, padding=0, dilation=1, groups=1):
    """True convolution with the kernel flipped upside down only."""
    return conv2d_loops(x, w[:, :, ::-1, :], stride, padding, dilation, groups)


def conv2d_transposed_kernel(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Loops that index the kernel w[f, c, v, u]."""
    (sh, sw), (ph, pw), (dh, dw), oh, ow = _sizes(x, w, stride, padding, dilation)
    n_, _, _, _ = x.shape
    f_, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((n_, f_, oh, ow), dtype=x.dtype)
    for n in range(n_):
        for f in range(f_):
            for i in range(oh):
                for j in range(ow):
                    acc = 0
                    for c in range(cg):
                        for u in range(kh):
                            for v in range(kw):
                                acc = acc + w[f, c, v, u] * xp[n, c, i * sh + u * dh,
                                                                j * sw + v * dw]
                    out[n, f, i, j] = acc
    return out


def _implicit_padding_loops(x, w, stride, padding, dilation, offset, out_w=None):
    """Loops that skip out-of-range input instead of padding; ``offset(i, u, s, d)``."""
    (sh, sw), (ph, pw), (dh, dw), oh, ow = _sizes(x, w, stride, padding, dilation)
    ow = out_w if out_w is not None else ow
    n_, _, h, wd = x.shape
    f_, cg, kh, kw = w.shape
    out = np.zeros((n_, f_, oh, ow), dtype=x.dtype)
    for n in range(n_):
        for f in range(f_):
            for i in range(oh):
                for j in range(ow):
                    acc = 0
                    for c in range(cg):
                        for u in range(kh):
                            for v in range(kw):
                                ii = offset(i, u, sh, dh) - ph
                                jj = offset(j, v, sw, dw) - pw
                                if 0 <= ii < h and 0 <= jj < wd:
                                    acc = acc + w[f, c, u, v] * x[n, c, ii, jj]
                    out[n, f, i, j] = acc
    return out


def conv2d_stride_on_offsets(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Input index i*s + u*s: the stride multiplies the kernel offset too."""
    return _implicit_padding_loops(x, w, stride, padding, dilation,
                                   lambda i, u, s, d: i * s + u * s * d)


def conv2d_dilation_ignored(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Output size with dilation, taps without it."""
    return _implicit_padding_loops(x, w, stride, padding, dilation,
                                   lambda i, u, s, d: i * s + u)


def conv2d_cs231n_out_width(x, w, stride=1, padding=0, dilation=1, groups=1):
    """cs231n's out_width = (W + 2P - field_height) // S + 1: the kernel height for the width."""
    (sh, sw), (ph, pw), _, _, _ = _sizes(x, w, stride, padding, dilation)
    out_w = (x.shape[3] + 2 * pw - w.shape[2]) // sw + 1
    return _implicit_padding_loops(x, w, stride, padding, dilation,
                                   lambda i, u, s, d: i * s + u * d, out_w=out_w)


def conv2d_same_extra_left(x, w, stride=1, padding="same", dilation=1, groups=1):
    """padding='same' with the odd extra element on the left (PyTorch puts it on the right)."""
    kh, kw = w.shape[2:]
    dh, dw = _pair(dilation)
    th, tw = dh * (kh - 1), dw * (kw - 1)
    xp = np.pad(x, ((0, 0), (0, 0), (th - th // 2, th // 2), (tw - tw // 2, tw // 2)))
    return conv2d_loops(xp, w, stride, 0, dilation, groups)


def conv2d_im2col_uvc_patches(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Patch rows flattened (u, v, c), weights by w.reshape(F, -1), i.e. (c, u, v)."""
    (sh, sw), (ph, pw), (dh, dw), oh, ow = _sizes(x, w, stride, padding, dilation)
    n, c, _, _ = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    win = win[:, :, ::sh, ::sw, ::dh, ::dw][:, :, :oh, :ow]
    rows = win.transpose(0, 2, 3, 4, 5, 1).reshape(n * oh * ow, kh * kw * c)
    return (rows @ w.reshape(f, -1).T).reshape(n, oh, ow, f).transpose(0, 3, 1, 2)


def conv2d_im2col_row_bug(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Loop-built X_col whose row index is c*KH*KW + u*KH + v (KH where KW belongs)."""
    (sh, sw), (ph, pw), (dh, dw), oh, ow = _sizes(x, w, stride, padding, dilation)
    n, c, _, _ = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    cols = np.zeros((c * kh * kw, n * oh * ow), dtype=x.dtype)
    for ch in range(c):
        for u in range(kh):
            for v in range(kw):
                window = xp[:, ch, u * dh:u * dh + sh * (oh - 1) + 1:sh,
                            v * dw:v * dw + sw * (ow - 1) + 1:sw]
                cols[ch * kh * kw + u * kh + v] = window.reshape(-1)
    res = w.reshape(f, -1) @ cols
    return res.reshape(f, n, oh, ow).transpose(1, 0, 2, 3)


def conv2d_im2col_fold_mixup(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Columns batch-first (n*OH*OW + ...), folded back as if batch-last."""
    (sh, sw), (ph, pw), (dh, dw), oh, ow = _sizes(x, w, stride, padding, dilation)
    n, c, _, _ = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    k, i, j = _im2col_indices(c, kh, kw, oh, ow, sh, sw, dh, dw)
    cols = xp[:, k, i, j].transpose(1, 0, 2).reshape(c * kh * kw, -1)
    res = w.reshape(f, -1) @ cols
    return res.reshape(f, oh, ow, n).transpose(3, 0, 1, 2)


def conv2d_groups_leak(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Grouped conv whose filters all read the first group's channels."""
    (sh, sw), (ph, pw), (dh, dw), oh, ow = _sizes(x, w, stride, padding, dilation)
    n, _, _, _ = x.shape
    f, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    win = win[:, :cg, ::sh, ::sw, ::dh, ::dw][:, :, :oh, :ow]  # forgot the group offset
    return np.einsum("nchwuv,fcuv->nfhw", win, w)


def conv2d_nhwc_output(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Right numbers, returned channels-last (N, OH, OW, F)."""
    return conv2d_loops(x, w, stride, padding, dilation, groups).transpose(0, 2, 3, 1)
