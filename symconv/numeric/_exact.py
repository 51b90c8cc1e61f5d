"""Which number type a numeric convolution runs in, and the rounding-error bound of float paths.

The arithmetic itself (``int64``, Python integers or floats) is chosen by
:mod:`symconv.arithmetic`; the FFT path runs on integers only when :func:`error_bound`
guarantees that rounding its float64 result is exact.
"""

from __future__ import annotations

import math

import numpy as np

from ..arithmetic import Arithmetic, arithmetic_of
from ..spec import ConvSpec

__all__ = ["Arithmetic", "arithmetic_of", "error_bound", "FFT_ROUNDING_LIMIT"]

#: A float64 FFT result is rounded to integers only when its error bound is below this.
FFT_ROUNDING_LIMIT = 0.25


def _channel_norms(a: np.ndarray) -> np.ndarray:
    """Euclidean norm of every ``a[i, j]`` over the spatial axes, as float64."""
    flat = np.abs(a.reshape(a.shape[0], a.shape[1], -1).astype(np.complex128))
    return np.sqrt((flat**2).sum(axis=-1))


def error_bound(x: np.ndarray, w: np.ndarray, spec: ConvSpec, dtype: object = None, *,
                transposed: bool = False) -> float:
    """A bound on the rounding error of any output entry of a float convolution path (direct,
    im2col, FFT; not ``'winograd'``, whose transforms amplify rounding: see ``conv``).

    With ``eps`` the unit roundoff of ``dtype`` (default: the inputs' float dtype), ``r`` the
    reduction length (products per output), ``L`` the largest padded length of an axis, and
    ``S = max over (n, f) of sum over c of |x[n, c]|_2 * |w[f, c]|_2`` (channels of one group),

        bound = eps * (r + 16 * (log2(L) + 1) * rank) * S

    ``eps * r * S`` bounds a summation in any order (``S`` dominates the absolute-value
    correlation by Cauchy-Schwarz); the log term covers the forward and inverse FFTs.  The same
    formula, with ``y`` and the transposed reduction, serves :func:`conv_transpose`
    (``transposed=True``; then ``x`` is the output-shaped ``y``).  Two results each within the bound
    of the exact value differ by at most twice it: that is the tests' tolerance.

    >>> spec = ConvSpec((5, 5), (3, 3))
    >>> b = error_bound(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), spec)
    >>> 0 < b < 1e-12
    True
    """
    x, w = np.asarray(x), np.asarray(w)
    dtype = np.dtype(dtype) if dtype is not None else np.result_type(x.dtype, w.dtype, np.float16)
    eps = float(np.finfo(dtype).eps) if dtype.kind in "fc" else float(np.finfo(np.float64).eps)
    g = spec.groups
    wn = _channel_norms(w)  # (F, Cg)
    an = _channel_norms(x)  # (N, C) or (N, F) when transposed
    if transposed:  # reduce over the filters of a group: y[n, f] with w[f, c]
        a = an.reshape(an.shape[0], g, spec.group_out_channels)
        b = wn.reshape(g, spec.group_out_channels, spec.group_in_channels)
        s = np.einsum("ngf,gfc->ngc", a, b)
        reduction = spec.group_out_channels * math.prod(spec.kernel_size)
    else:
        a = an.reshape(an.shape[0], g, spec.group_in_channels)
        b = wn.reshape(g, spec.group_out_channels, spec.group_in_channels)
        s = np.einsum("ngc,gfc->ngf", a, b)
        reduction = spec.products_per_output
    length = max(max(spec.padded_size), max(spec.output_size) * max(spec.stride)) + max(
        d * (k - 1) + 1 for k, d in zip(spec.kernel_size, spec.dilation))
    factor = reduction + 16 * (math.log2(length) + 1) * spec.rank
    return eps * factor * float(s.max(initial=0.0))
