"""The three numeric paths, on an already padded input, for convolution and its transpose.

Shapes: ``xp (N, C, *P)`` padded input, ``w (F, C/G, *K)``, result ``(N, F, *O)``; transposed:
``y (N, F, *O)`` into a buffer ``(N, C, *B)`` whose length ``B = T + p_left + p_right`` per axis.

* direct - one matrix product over channels per kernel tap, accumulated (no im2col buffer);
* im2col - the receptive fields copied into columns, one GEMM per group (col2im when transposed);
* fft - products of (r)fftn spectra summed over channels per frequency, then the valid slice.
"""

from __future__ import annotations

import math

import numpy as np

from ..forms import patches
from ..spec import ConvSpec

__all__ = ["direct", "im2col_gemm", "fft", "direct_transpose", "im2col_transpose",
           "fft_transpose", "fast_length"]


def fast_length(n: int) -> int:
    """The smallest ``m >= n`` whose only prime factors are 2, 3 and 5 (fast FFT sizes).

    >>> fast_length(97), fast_length(224)
    (100, 225)
    """
    m = max(int(n), 1)
    while True:
        r = m
        for p in (2, 3, 5):
            while r % p == 0:
                r //= p
        if r == 1:
            return m
        m += 1


def _taps(spec: ConvSpec):
    """Each kernel tap with the strided window it reads (conv) or writes (transposed)."""
    for tap in np.ndindex(*spec.kernel_size):
        yield tap, tuple(slice(d * u, d * u + s * (o - 1) + 1, s) for d, u, s, o in zip(
            spec.dilation, tap, spec.stride, spec.output_size))


def _gemm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` (object arrays too); float/complex results stay in the operands' dtype."""
    return np.matmul(a, b)


def direct(xp: np.ndarray, w: np.ndarray, spec: ConvSpec, dtype: np.dtype) -> np.ndarray:
    """Accumulate, per kernel tap, ``w[:, :, tap] @ (strided slice of xp)`` for every group."""
    n, g, cg, fg = spec.batch, spec.groups, spec.group_in_channels, spec.group_out_channels
    count = math.prod(spec.output_size)
    xg = xp.reshape(n, g, cg, *xp.shape[2:])
    wg = w.reshape(g, fg, cg, *spec.kernel_size)
    out = None
    for tap, window in _taps(spec):
        block = xg[(slice(None),) * 3 + window].reshape(n, g, cg, count)
        part = _gemm(wg[(slice(None),) * 3 + tap], block)
        if out is None:  # the first tap's product is the accumulator: no zero fill, no add
            out = part.astype(dtype, copy=False)
        else:
            out += part
    return out.reshape(spec.output_shape)


def _columns(x: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """``(N, G, Cg*prod(K), prod(O))`` receptive fields, row ``c*kH*kW + u*kW + v``."""
    r, n, g = spec.rank, spec.batch, spec.groups
    view = patches(x, spec)  # (N, C, *O, *K): a strided view of the padded input
    view = np.moveaxis(view, tuple(range(2 + r, 2 + 2 * r)), tuple(range(2, 2 + r)))
    cols = np.ascontiguousarray(view)  # (N, C, *K, *O)
    return cols.reshape(n, g, spec.products_per_output, math.prod(spec.output_size))


def im2col_gemm(x: np.ndarray, w: np.ndarray, spec: ConvSpec, dtype: np.dtype) -> np.ndarray:
    """``W_row @ X_col``: one GEMM per group and sample on the copied receptive fields."""
    cols = _columns(x, spec).astype(dtype, copy=False)
    rows = w.reshape(spec.groups, spec.group_out_channels, spec.products_per_output)
    return _gemm(rows, cols).reshape(spec.output_shape)


def _dilated(w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """The kernel with ``d - 1`` zeros between taps: ``(F, Cg, *E)``."""
    if all(d == 1 for d in spec.dilation):
        return w
    extent = tuple(d * (k - 1) + 1 for k, d in zip(spec.kernel_size, spec.dilation))
    out = np.zeros(w.shape[:2] + extent, dtype=w.dtype)
    out[(slice(None),) * 2 + tuple(slice(None, None, d) for d in spec.dilation)] = w
    return out


def _spectra_product(a: np.ndarray, b: np.ndarray, groups: int, reduce_first: bool) -> np.ndarray:
    """Sum over the shared channel of ``a (N, G*R, *M) * b``, frequency by frequency.

    ``b`` is ``(G*R, S, *M)`` when ``reduce_first`` (``a``'s channel is ``b``'s first axis, the
    transposed case) and ``(G*S, R, *M)`` otherwise; the result is ``(N, G*S, *M)``.
    """
    n, m = a.shape[0], a.shape[2:]
    size = math.prod(m)
    if reduce_first:
        r, s = b.shape[0] // groups, b.shape[1]
        bt = b.reshape(groups, r, s, size).transpose(0, 3, 1, 2)  # (G, M, R, S)
    else:
        s, r = b.shape[0] // groups, b.shape[1]
        bt = b.reshape(groups, s, r, size).transpose(0, 3, 2, 1)  # (G, M, R, S)
    if r > _LOOP_CHANNELS:  # many channels: a small GEMM per frequency
        at = a.reshape(n, groups, r, size).transpose(1, 3, 0, 2)  # (G, M, N, R)
        out = np.matmul(at, bt)  # (G, M, N, S)
        return out.transpose(2, 0, 3, 1).reshape(n, groups * s, *m)
    ag = a.reshape(n, groups, r, 1, size)
    bg = bt.transpose(0, 2, 3, 1)  # (G, R, S, M)
    total = ag[:, :, 0] * bg[:, 0]
    for c in range(1, r):  # few channels: vectorised multiply-adds over (N, G, S, M)
        total += ag[:, :, c] * bg[:, c]
    return total.reshape(n, groups * s, *m)


#: Up to this many reduced channels the spectra are multiplied channel by channel.
_LOOP_CHANNELS = 16


def _fft_pair(complex_: bool):
    return (np.fft.fftn, np.fft.ifftn) if complex_ else (np.fft.rfftn, np.fft.irfftn)


def fft(xp: np.ndarray, w: np.ndarray, spec: ConvSpec, dtype: np.dtype) -> np.ndarray:
    """Valid correlation of ``xp`` with the dilated kernel as a convolution with its mirror."""
    r = spec.rank
    axes = tuple(range(2, 2 + r))
    kernel = np.flip(_dilated(w, spec), axis=axes)
    lengths = tuple(fast_length(p) for p in xp.shape[2:])
    forward, inverse = _fft_pair(np.dtype(dtype).kind == "c")
    spectrum = _spectra_product(forward(xp, lengths, axes), forward(kernel, lengths, axes),
                                spec.groups, reduce_first=False)
    full = inverse(spectrum, lengths, axes)
    start = tuple(e - 1 for e in kernel.shape[2:])  # first fully overlapping position
    window = tuple(slice(a, a + s * (o - 1) + 1, s) for a, s, o in zip(
        start, spec.stride, spec.output_size))
    return full[(slice(None),) * 2 + window].astype(dtype, copy=False)


# ---- transposed convolution: scatter into the padded buffer ----

def _buffer(spec: ConvSpec, size: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    lengths = tuple(t + pl + pr for t, (pl, pr) in zip(size, spec.pads))
    return np.zeros((spec.batch, spec.groups, spec.group_in_channels, *lengths), dtype=dtype)


def direct_transpose(y: np.ndarray, w: np.ndarray, spec: ConvSpec, size: tuple[int, ...],
                     dtype: np.dtype) -> np.ndarray:
    """Per tap, ``w[:, :, tap]^T @ y`` added into the strided window the tap wrote from."""
    n, g, cg, fg = spec.batch, spec.groups, spec.group_in_channels, spec.group_out_channels
    count = math.prod(spec.output_size)
    yg = y.reshape(n, g, fg, count)
    wg = np.swapaxes(w.reshape(g, fg, cg, *spec.kernel_size), 1, 2)  # (G, Cg, Fg, *K)
    buf = _buffer(spec, size, dtype)
    for tap, window in _taps(spec):
        part = _gemm(wg[(slice(None),) * 3 + tap], yg)  # (N, G, Cg, count)
        buf[(slice(None),) * 3 + window] += part.reshape(n, g, cg, *spec.output_size)
    return buf.reshape(n, spec.in_channels, *buf.shape[3:])


def im2col_transpose(y: np.ndarray, w: np.ndarray, spec: ConvSpec, size: tuple[int, ...],
                     dtype: np.dtype) -> np.ndarray:
    """``W_row^T @ Y`` (one GEMM per group), then col2im: each tap's rows added into place."""
    n, g, cg, fg = spec.batch, spec.groups, spec.group_in_channels, spec.group_out_channels
    rows = w.reshape(g, fg, spec.products_per_output)
    cols = _gemm(np.swapaxes(rows, 1, 2), y.reshape(n, g, fg, -1))  # (N, G, Cg*prod(K), count)
    cols = cols.reshape(n, g, cg, *spec.kernel_size, *spec.output_size)
    buf = _buffer(spec, size, dtype)
    for tap, window in _taps(spec):
        buf[(slice(None),) * 3 + window] += cols[(slice(None),) * 3 + tap]
    return buf.reshape(n, spec.in_channels, *buf.shape[3:])


def fft_transpose(y: np.ndarray, w: np.ndarray, spec: ConvSpec, size: tuple[int, ...],
                  dtype: np.dtype) -> np.ndarray:
    """Full convolution of the stride-upsampled ``y`` with the dilated kernel, by FFT."""
    r = spec.rank
    axes = tuple(range(2, 2 + r))
    up_shape = tuple(s * (o - 1) + 1 for s, o in zip(spec.stride, spec.output_size))
    up = np.zeros(y.shape[:2] + up_shape, dtype=y.dtype)
    up[(slice(None),) * 2 + tuple(slice(None, None, s) for s in spec.stride)] = y
    kernel = _dilated(w, spec)
    full_shape = tuple(u + e - 1 for u, e in zip(up_shape, kernel.shape[2:]))
    lengths = tuple(fast_length(f) for f in full_shape)
    forward, inverse = _fft_pair(np.dtype(dtype).kind == "c")
    spectrum = _spectra_product(forward(up, lengths, axes), forward(kernel, lengths, axes),
                                spec.groups, reduce_first=True)
    full = inverse(spectrum, lengths, axes)[(slice(None),) * 2 + tuple(map(slice, full_shape))]
    buf = _buffer(spec, size, dtype)
    buf[(slice(None),) * 3 + tuple(map(slice, full_shape))] = full.reshape(
        spec.batch, spec.groups, spec.group_in_channels, *full_shape)
    return buf.reshape(spec.batch, spec.in_channels, *buf.shape[3:])
