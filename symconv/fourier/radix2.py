"""The radix-2 Cooley–Tukey FFT, written once for :class:`~symconv.fourier.carrier.Forms` and
complex numpy arrays, so that the *algorithm* (not only the DFT it should compute) is what the
FFT theorems prove with ``algorithm='radix-2'``.

``X[k] = E[k] + ζ^k·O[k]`` and ``X[k + n/2] = E[k] - ζ^k·O[k]``, where E and O are the FFTs (with
ζ²) of the even and odd entries.  The step relies on ζ^(n/2) = -1; nothing here checks that: with
a wrong root the result is simply not the convolution, and the exact comparison says so.

>>> import numpy as np
>>> from symconv.fourier.carrier import Root
>>> a = np.arange(8.0) + 1j
>>> bool(np.allclose(fft(a, Root(8)), np.fft.fft(a)) and np.allclose(ifft(a, Root(8)),
...                                                                   np.fft.ifft(a)))
True
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import SymconvError
from .carrier import Forms, Root, _axis

__all__ = ["fft", "ifft", "is_power_of_two"]


def is_power_of_two(n: int) -> bool:
    """Whether ``n`` is 1, 2, 4, 8, ...

    >>> [n for n in range(1, 10) if is_power_of_two(n)]
    [1, 2, 4, 8]
    """
    return n >= 1 and n & (n - 1) == 0


def _part(a: Any, axis: int, start: int) -> Any:
    return a[(slice(None),) * axis + (slice(start, None, 2),)]


def _twiddle(a: Any, root: Root, axis: int) -> Any:
    e = root.power * np.arange(a.shape[axis]) % root.order
    if isinstance(a, Forms):
        return a.twiddle(e, axis)
    shape = [1] * a.ndim
    shape[axis] = -1
    return a * root.numeric(e).reshape(shape)


def _fft_axis(a: Any, root: Root, axis: int) -> Any:
    n = a.shape[axis]
    if n == 1:
        return a
    half = Root(root.order, 2 * root.power % root.order)
    even, odd = _fft_axis(_part(a, axis, 0), half, axis), _fft_axis(_part(a, axis, 1), half, axis)
    odd = _twiddle(odd, root, axis)
    return np.concatenate([even + odd, even + odd * -1], axis=axis)


def fft(a: Any, root: Root | tuple[Root, ...], axes: tuple[int, ...] = (-1,), *,
        inverse: bool = False) -> Any:
    """The radix-2 FFT along ``axes`` (each of power-of-two length); inverse: ζ^-1 and 1/n."""
    roots = root if isinstance(root, tuple) else (root,) * len(axes)
    if len(roots) != len(axes):
        raise SymconvError(f"root: expected one Root or {len(axes)} (one per axis)")
    for axis, r in zip(axes, roots):
        axis = _axis(axis, a.ndim)
        n = a.shape[axis]
        if not is_power_of_two(n):
            raise SymconvError(f"size: the radix-2 FFT needs a power-of-two length, got {n}; "
                               f"use size={1 << (n - 1).bit_length()} or algorithm='dft'")
        a = _fft_axis(a, Root(r.order, -r.power % r.order) if inverse else r, axis)
        if inverse:
            a = a * Fraction(1, n) if isinstance(a, Forms) else a / n
    return a


def ifft(a: Any, root: Root | tuple[Root, ...], axes: tuple[int, ...] = (-1,)) -> Any:
    """The inverse radix-2 FFT along ``axes``."""
    return fft(a, root, axes, inverse=True)
