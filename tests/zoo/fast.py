"""Fast convolution code as users write it (numpy, no symconv): Winograd and FFT, right and wrong.

Every function computes PyTorch's conv (correlation, stride 1) in PyTorch layouts:
``x`` (N, C, *spatial), ``w`` (F, C, *kernel), output (N, F, *out), ``padding`` zeros on every
side.  The Winograd transforms are literals copied from Lavin & Gray ("Fast Algorithms for
Convolutional Neural Networks", 2016) and from wincnn's output for F(4, 3) with the points
0, 1, -1, 2, -2; float code, as a user writes it, so it rounds.
"""

from __future__ import annotations

import numpy as np

# Lavin & Gray, F(2, 3): Y = AT [(G g) * (BT d)]
BT_23 = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=float)
G_23 = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
AT_23 = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=float)
# the same G for true convolution (what a generator for convolution prints): columns reversed
G_23_CONV = np.array([[0, 0, 1], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [1, 0, 0]])

# wincnn, F(4, 3) on the points (0, 1, -1, 2, -2) and infinity
BT_43 = np.array([[4, 0, -5, 0, 1, 0],
                  [0, -4, -4, 1, 1, 0],
                  [0, 4, -4, -1, 1, 0],
                  [0, -2, -1, 2, 1, 0],
                  [0, 2, -1, -2, 1, 0],
                  [0, 4, 0, -5, 0, 1]], dtype=float)
G_43 = np.array([[1 / 4, 0, 0],
                 [-1 / 6, -1 / 6, -1 / 6],
                 [-1 / 6, 1 / 6, -1 / 6],
                 [1 / 24, 1 / 12, 1 / 6],
                 [1 / 24, -1 / 12, 1 / 6],
                 [0, 0, 1]])
AT_43 = np.array([[1, 1, 1, 1, 1, 0],
                  [0, 1, -1, 2, -2, 0],
                  [0, 1, 1, 4, 4, 0],
                  [0, 1, -1, 8, -8, 1]], dtype=float)
G_43_CONV = G_43[:, ::-1].copy()  # for true convolution: the filter taps in reverse


def _float(a, like=None):
    """``a`` in float32 if it (or ``like``) is float32, else float64: the working precision."""
    a = np.asarray(a)
    single = a.dtype == np.float32 or like is not None and np.asarray(like).dtype == np.float32
    return a.astype(np.float32 if single else np.float64)


def _pad(x, padding, rank):
    return np.pad(_float(x), ((0, 0), (0, 0)) + ((padding, padding),) * rank)


def _winograd_1d(x, w, at, g, bt, padding=0, tiles=None):
    """Tiled 1-D Winograd F(m, r): overlapping input tiles, border tile zero-padded."""
    xp = _pad(x, padding, 1)
    w = _float(w, x)
    at, g, bt = (t.astype(xp.dtype) for t in (at, g, bt))
    alpha, r = g.shape
    m = alpha - r + 1
    o = xp.shape[-1] - r + 1
    t = -(-o // m) if tiles is None else tiles(o, m)
    xp = np.pad(xp, ((0, 0), (0, 0), (0, max(0, t * m + r - 1 - xp.shape[-1]))))
    d = np.stack([xp[..., i * m:i * m + alpha] for i in range(t)], axis=2)  # (N, C, T, alpha)
    v = d @ bt.T                                # BT d, per tile
    u = w @ g.T                                 # G g, per filter and channel: (F, C, alpha)
    mm = np.einsum("nctj,fcj->nftj", v, u)      # channels summed in the transformed domain
    y = (mm @ at.T).reshape(*mm.shape[:2], t * m)
    out = np.zeros(y.shape[:2] + (o,), dtype=xp.dtype)
    done = min(o, t * m)
    out[..., :done] = y[..., :done]
    return out


def _winograd_2d(x, w, at, g, bt, padding=0, tiles=None):
    """Tiled 2-D Winograd F(m x m, r x r): Y = AT [(G g G^T) * (BT d B)] A, per tile."""
    xp = _pad(x, padding, 2)
    w = _float(w, x)
    at, g, bt = (t.astype(xp.dtype) for t in (at, g, bt))
    alpha, r = g.shape
    m = alpha - r + 1
    oh, ow = xp.shape[2] - r + 1, xp.shape[3] - r + 1
    count = (lambda o: -(-o // m)) if tiles is None else (lambda o: tiles(o, m))
    th, tw = count(oh), count(ow)
    xp = np.pad(xp, ((0, 0), (0, 0), (0, max(0, th * m + r - 1 - xp.shape[2])),
                     (0, max(0, tw * m + r - 1 - xp.shape[3]))))
    u = g @ w @ g.T                             # (F, C, alpha, alpha)
    n, f = xp.shape[0], w.shape[0]
    y = np.zeros((n, f, th * m, tw * m), dtype=xp.dtype)
    for i in range(th):
        for j in range(tw):
            d = xp[:, :, i * m:i * m + alpha, j * m:j * m + alpha]
            v = bt @ d @ bt.T                   # (N, C, alpha, alpha)
            mm = np.einsum("ncab,fcab->nfab", v, u)
            y[:, :, i * m:(i + 1) * m, j * m:(j + 1) * m] = at @ mm @ at.T
    out = np.zeros((n, f, oh, ow), dtype=xp.dtype)
    h, wd = min(oh, th * m), min(ow, tw * m)
    out[:, :, :h, :wd] = y[:, :, :h, :wd]
    return out


# ---- right ----------------------------------------------------------------------------------

def winograd_f23_1d(x, w, padding=0):
    """1-D conv by Winograd F(2, 3), Lavin & Gray's matrices."""
    return _winograd_1d(x, w, AT_23, G_23, BT_23, padding)


def winograd_f2x2_3x3(x, w, padding=0):
    """2-D conv by Winograd F(2x2, 3x3), Lavin & Gray's matrices (16 multiplies, not 36)."""
    return _winograd_2d(x, w, AT_23, G_23, BT_23, padding)


def winograd_f4x4_3x3(x, w, padding=0):
    """2-D conv by Winograd F(4x4, 3x3), wincnn's matrices (1/4, 1/6, 1/12, 1/24 in G)."""
    return _winograd_2d(x, w, AT_43, G_43, BT_43, padding)


def winograd_f23_exact(x, w, padding=0, convolution=False):
    """F(2, 3) with ``fractions.Fraction`` transforms: runs exactly on any numbers
    (``convolution``: G for true convolution, the wrong one for PyTorch's conv)."""
    from fractions import Fraction
    half = Fraction(1, 2)
    g = np.array([[1, 0, 0], [half, half, half], [half, -half, half], [0, 0, 1]], dtype=object)
    g = g[:, ::-1] if convolution else g
    bt, at = BT_23.astype(int).astype(object), AT_23.astype(int).astype(object)
    x, w = np.asarray(x), np.asarray(w)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding))) if padding else x
    o = xp.shape[-1] - 2
    t = -(-o // 2)
    if t * 2 + 2 > xp.shape[-1]:
        xp = np.concatenate([xp, np.zeros(xp.shape[:2] + (t * 2 + 2 - xp.shape[-1],),
                                          dtype=xp.dtype)], axis=-1)
    d = np.stack([xp[..., 2 * i:2 * i + 4] for i in range(t)], axis=2)
    v = d @ bt.T
    u = w @ g.T
    mm = np.einsum("nctj,fcj->nftj", v, u)
    return (mm @ at.T).reshape(*mm.shape[:2], 2 * t)[..., :o]


def winograd_f23_uncast(x, w):
    """F(2, 3) on whatever it is given (no cast to float), float transforms, no padding."""
    o = x.shape[-1] - 2
    t = -(-o // 2)
    d = np.stack([x[..., 2 * i:2 * i + 4] for i in range(t)], axis=2) if 2 * t + 2 == x.shape[
        -1] else None
    if d is None:  # odd output: one zero column for the border tile
        xp = np.concatenate([x, np.zeros(x.shape[:2] + (1,), dtype=x.dtype)], axis=-1)
        d = np.stack([xp[..., 2 * i:2 * i + 4] for i in range(t)], axis=2)
    mm = np.einsum("nctj,fcj->nftj", d @ BT_23.T, w @ G_23.T)
    return (mm @ AT_23.T).reshape(*mm.shape[:2], 2 * t)[..., :o]


def fft_conv(x, w, padding=0):
    """N-d conv by the convolution theorem: zero padding to n + k - 1, the conjugate, a crop."""
    xp = _pad(x, padding, np.ndim(x) - 2)
    w = _float(w, x)
    axes = tuple(range(2, xp.ndim))
    k = w.shape[2:]
    size = tuple(a + b - 1 for a, b in zip(xp.shape[2:], k))
    xf = np.fft.rfftn(xp, size, axes=axes)
    wf = np.fft.rfftn(w, size, axes=axes)
    yf = np.einsum("nc...,fc...->nf...", xf, np.conj(wf))  # correlation: conj(W)
    y = np.fft.irfftn(yf, size, axes=axes)
    return y[(...,) + tuple(slice(0, a - b + 1) for a, b in zip(xp.shape[2:], k))]


def fft_conv_reversed(x, w, padding=0):
    """FFT correlation as a convolution with the reversed kernel, cropped to the valid part."""
    xp = _pad(x, padding, np.ndim(x) - 2)
    axes = tuple(range(2, xp.ndim))
    wr = np.flip(_float(w, x), axis=axes)
    k = wr.shape[2:]
    size = tuple(a + b - 1 for a, b in zip(xp.shape[2:], k))
    yf = np.einsum("nc...,fc...->nf...", np.fft.rfftn(xp, size, axes=axes),
                   np.fft.rfftn(wr, size, axes=axes))
    y = np.fft.irfftn(yf, size, axes=axes)
    return y[(...,) + tuple(slice(b - 1, a) for a, b in zip(xp.shape[2:], k))]


# ---- wrong ----------------------------------------------------------------------------------

def winograd_f23_1d_conv_transforms(x, w, padding=0):
    """F(2, 3) with the transforms for true convolution: the kernel ends up flipped."""
    return _winograd_1d(x, w, AT_23, G_23_CONV, BT_23, padding)


def winograd_f2x2_3x3_conv_transforms(x, w, padding=0):
    """F(2x2, 3x3) with G for true convolution (the classic wincnn mix-up)."""
    return _winograd_2d(x, w, AT_23, G_23_CONV, BT_23, padding)


def winograd_f4x4_3x3_conv_transforms(x, w, padding=0):
    """F(4x4, 3x3) with G for true convolution."""
    return _winograd_2d(x, w, AT_43, G_43_CONV, BT_43, padding)


def winograd_f2x2_3x3_no_border(x, w, padding=0):
    """F(2x2, 3x3) that only runs whole tiles: the border tile is never zero-padded, so when the
    output size is odd its last row and column are never computed (left 0)."""
    return _winograd_2d(x, w, AT_23, G_23, BT_23, padding, tiles=lambda o, m: o // m)


def winograd_f23_1d_no_border(x, w, padding=0):
    """1-D F(2, 3) without the zero-padded border tile: the last output of an odd size is 0."""
    return _winograd_1d(x, w, AT_23, G_23, BT_23, padding, tiles=lambda o, m: o // m)


def fft_conv_no_conjugate(x, w, padding=0):
    """FFT 'correlation' that multiplies by W instead of conj(W) (scipy.signal.fftconvolve
    style, 'valid' crop): it is the true convolution, the kernel flipped."""
    xp = _pad(x, padding, np.ndim(x) - 2)
    w = _float(w, x)
    axes = tuple(range(2, xp.ndim))
    k = w.shape[2:]
    size = tuple(a + b - 1 for a, b in zip(xp.shape[2:], k))
    yf = np.einsum("nc...,fc...->nf...", np.fft.rfftn(xp, size, axes=axes),
                   np.fft.rfftn(w, size, axes=axes))
    y = np.fft.irfftn(yf, size, axes=axes)
    return y[(...,) + tuple(slice(b - 1, a) for a, b in zip(xp.shape[2:], k))]


def fft_conv_circular(x, w, padding=0):
    """FFT conv at the input's own size, the padding left to the FFT's periodicity: circular
    correlation (the border reads the opposite edge, not zeros)."""
    x = _float(x)
    w = _float(w, x)
    axes = tuple(range(2, x.ndim))
    size = x.shape[2:]
    yf = np.einsum("nc...,fc...->nf...", np.fft.rfftn(x, size, axes=axes),
                   np.conj(np.fft.rfftn(w, size, axes=axes)))
    y = np.roll(np.fft.irfftn(yf, size, axes=axes), (padding,) * len(axes), axis=axes)
    out = tuple(a + 2 * padding - b + 1 for a, b in zip(size, w.shape[2:]))
    return y[(...,) + tuple(slice(0, o) for o in out)]


def fft_conv_crop_off_by_one(x, w, padding=0):
    """The right FFT product, cropped one entry late: [1 : o + 1] instead of [0 : o]."""
    xp = _pad(x, padding, np.ndim(x) - 2)
    w = _float(w, x)
    axes = tuple(range(2, xp.ndim))
    k = w.shape[2:]
    size = tuple(a + b - 1 for a, b in zip(xp.shape[2:], k))
    yf = np.einsum("nc...,fc...->nf...", np.fft.rfftn(xp, size, axes=axes),
                   np.conj(np.fft.rfftn(w, size, axes=axes)))
    y = np.fft.irfftn(yf, size, axes=axes)
    return y[(...,) + tuple(slice(1, a - b + 2) for a, b in zip(xp.shape[2:], k))]
