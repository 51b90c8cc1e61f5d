"""Which number type a numeric convolution runs in, and the rounding-error bound of float paths.

Integer inputs are computed in ``int64`` when ``max|x| * max|w| * (products per output)`` fits,
and in Python integers (an object array, exact at any size) otherwise; the FFT path runs on
integers only when :func:`error_bound` guarantees that rounding its float64 result is exact.
"""

from __future__ import annotations

import enum
import math

import numpy as np

from ..errors import SpecError
from ..spec import ConvSpec

__all__ = ["Arithmetic", "arithmetic_of", "error_bound", "FFT_ROUNDING_LIMIT"]

#: A float64 FFT result is rounded to integers only when its error bound is below this.
FFT_ROUNDING_LIMIT = 0.25

_INT64_LIMIT = 2**63 - 1


class Arithmetic(enum.Enum):
    """The number type of a computation."""

    FLOAT = "float"  #: floating point (or complex) in the inputs' common dtype
    INT64 = "int64"  #: exact machine integers (the magnitude bound fits int64)
    PYINT = "pyint"  #: exact Python integers / objects in an object array (no bound)


def _is_integral(a: np.ndarray) -> bool:
    if a.dtype.kind in "biu":
        return True
    if a.dtype.kind == "O":
        return all(isinstance(v, (int, np.integer)) for v in a.flat)
    return False


def _max_abs(a: np.ndarray) -> int:
    if a.size == 0:
        return 0
    if a.dtype.kind == "O":
        return max(abs(int(v)) for v in a.flat)
    return max(abs(int(a.max())), abs(int(a.min())))


def arithmetic_of(x: np.ndarray, w: np.ndarray, reduction: int) -> tuple[Arithmetic, np.dtype]:
    """Choose the arithmetic for ``sum of reduction products`` of entries of ``x`` and ``w``.

    >>> arithmetic_of(np.ones(3, np.uint8), np.ones(2, np.int16), 9)
    (<Arithmetic.INT64: 'int64'>, dtype('int64'))
    >>> arithmetic_of(np.array([2**40]), np.array([2**30]), 9)[0]
    <Arithmetic.PYINT: 'pyint'>
    >>> arithmetic_of(np.ones(2, np.float32), np.ones(2, np.float32), 9)
    (<Arithmetic.FLOAT: 'float'>, dtype('float32'))
    """
    if _is_integral(x) and _is_integral(w):
        bound = _max_abs(x) * _max_abs(w) * max(reduction, 1)
        if bound <= _INT64_LIMIT:
            return Arithmetic.INT64, np.dtype(np.int64)
        return Arithmetic.PYINT, np.dtype(object)
    if x.dtype.kind == "O" or w.dtype.kind == "O":
        return Arithmetic.PYINT, np.dtype(object)  # symbols, Fractions: exact object arithmetic
    dtype = np.result_type(x.dtype, w.dtype)
    if dtype.kind not in "fc":
        raise SpecError(f"x, w: expected numbers (integer, float or complex arrays), got dtypes "
                        f"{x.dtype} and {w.dtype}; convert with np.asarray(..., float)")
    return Arithmetic.FLOAT, dtype


def _channel_norms(a: np.ndarray) -> np.ndarray:
    """Euclidean norm of every ``a[i, j]`` over the spatial axes, as float64."""
    flat = np.abs(a.reshape(a.shape[0], a.shape[1], -1).astype(np.complex128))
    return np.sqrt((flat**2).sum(axis=-1))


def error_bound(x: np.ndarray, w: np.ndarray, spec: ConvSpec, dtype: object = None, *,
                transposed: bool = False) -> float:
    """A bound on the rounding error of any output entry of a float convolution path.

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
