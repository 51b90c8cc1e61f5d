"""The discrete Fourier transform by its matrix, written once for exact and float arrays.

:func:`dft` / :func:`idft` run on :class:`~symconv.fourier.carrier.Forms` (exact, in Q(ζ_m):
multiplying by ζ^k shifts the group-ring coefficients) and on complex numpy arrays
(ζ = e^(-2πi/n), numpy.fft's sign), from the same code.

>>> np.round(dft(np.array([1.0, 2.0, 0.0]), Root(3)), 6).tolist() == np.round(
...     np.fft.fft([1.0, 2.0, 0.0]), 6).tolist()
True
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import SymconvError
from .cyclotomic import cyclotomic_polynomial

__all__ = ["Root", "dft", "idft", "shift_sum"]

#: Up to this order m a transform runs as matrix products (m-times the additions, at BLAS
#: speed), above it as shifted additions.
MATMUL_ORDER = 24


@dataclass(frozen=True)
class Root:
    """The root of unity ζ_order ** power that a DFT uses (a DFT of length n wants a primitive
    n-th root: ``Root(n)``; others are accepted so that their failure can be shown)."""

    order: int
    power: int = 1

    def __post_init__(self) -> None:
        cyclotomic_polynomial(self.order)  # validates order

    def exponents(self, n: int, inverse: bool = False) -> np.ndarray:
        """``E[f, j] = ±power·f·j mod order``: the DFT matrix is ζ^E."""
        e = (self.power * np.outer(np.arange(n), np.arange(n))) % self.order
        return (-e) % self.order if inverse else e

    def numeric(self, exponents: np.ndarray) -> np.ndarray:
        """ζ^E as complex numbers with ζ = exp(-2πi/order), numpy.fft's sign."""
        return np.exp(-2j * np.pi * exponents / self.order)


def _axis(axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise SymconvError(f"axis: expected an axis of a {ndim}-d array, got {axis}")
    return axis % ndim


def dft(a: Any, root: Root | tuple[Root, ...], axes: tuple[int, ...] = (-1,), *,
        inverse: bool = False) -> Any:
    """The DFT along ``axes``: ``A[f] = Σ_j ζ^(f·j) a[j]`` (inverse: ζ^(-f·j) and 1/n).

    One definition for :class:`Forms` (exact) and numpy arrays (complex floats, ζ = e^(-2πi/n)).
    ``root``: one :class:`Root` for every axis, or one per axis.

    >>> np.allclose(dft(np.eye(2), Root(2), axes=(0, 1)), np.fft.fft2(np.eye(2)))
    True
    """
    roots = root if isinstance(root, tuple) else (root,) * len(axes)
    if len(roots) != len(axes):
        raise SymconvError(f"root: expected one Root or {len(axes)} (one per axis), got "
                           f"{len(roots)}")
    for axis, root in zip(axes, roots):
        axis = _axis(axis, a.ndim)
        exact = hasattr(a, "contract_powers")  # a Forms array (exact), else numpy
        if exact and root.order != a.order:
            raise SymconvError(f"root: ζ_{root.order} is not in the forms' field Q(ζ_{a.order})"
                               f"; build the forms with order={root.order}")
        n = a.shape[axis]
        e = root.exponents(n, inverse)
        if exact:
            a = a.contract_powers(e, axis)
        else:
            a = np.moveaxis(np.tensordot(root.numeric(e), a, axes=([1], [axis])), 0, axis)
        if inverse:
            a = a * Fraction(1, n) if exact else a / n
    return a


def idft(a: Any, root: Root | tuple[Root, ...], axes: tuple[int, ...] = (-1,)) -> Any:
    """The inverse DFT along ``axes`` (the DFT with ζ^-1, divided by the length)."""
    return dft(a, root, axes, inverse=True)


#: Integers of magnitude below 2**53 are exact in float64, and so is every sum of them whose
#: terms' magnitudes add up to less than 2**53, in any order of summation.
FLOAT_EXACT = 2**53


def _matmul(a: np.ndarray, b: np.ndarray, bound: int) -> np.ndarray:
    """``a @ b`` of integer arrays, exactly; ``bound`` bounds Σ|a_ik·b_kj| for every entry.

    Below :data:`FLOAT_EXACT` the product runs in float64 (BLAS): every operand, product and
    partial sum is then an integer of magnitude below 2**53, so no rounding happens in any
    summation order and the result converts back to the same int64 values; above it, numpy's
    int64 (or, past :data:`INT64_SAFE`, Python int) matmul.

    >>> _matmul(np.array([[3, -1]]), np.array([[2], [5]]), 11).tolist()
    [[1]]
    """
    if a.dtype == object or b.dtype == object or bound >= FLOAT_EXACT:
        return np.matmul(a, b)
    return np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(np.int64)


def shift_sum(flat: np.ndarray, exponents: np.ndarray, bound: int) -> np.ndarray:
    """``out[t, :, e] = Σ_f flat[f, :, e - E[t, f]]`` for group-ring coefficients (m last):
    ``Σ_f ζ^E[t, f] · flat[f]`` exactly; ``bound`` bounds the sums (see :func:`_matmul`).

    >>> shift_sum(np.array([[[1, 0]], [[0, 1]]]), np.array([[0, 0], [0, 1]]), 2).tolist()
    [[[1, 1]], [[2, 0]]]
    """
    (rows, cols), m = exponents.shape, flat.shape[-1]
    if m > MATMUL_ORDER:  # out[t, :, e] += flat[f, :, e - E[t, f]]: a shift by k is a window
        out = np.zeros((rows, flat.shape[1], m), dtype=flat.dtype)
        doubled, start = np.concatenate([flat, flat], axis=-1), (-exponents) % m
        for t in range(rows):
            for f in range(cols):
                out[t] += doubled[f, :, start[t, f]:start[t, f] + m]
    else:  # the same sums as matrix products with the 0/1 matrix of the shifts (exact)
        flat = np.moveaxis(flat, 1, 0).reshape(-1, cols * m)
        step = max(1, 2**22 // (cols * m * m))  # rows per product: a bounded matrix
        parts = []
        for t0 in range(0, rows, step):
            e_rows = exponents[t0:t0 + step]
            shifts = np.zeros((cols, m, len(e_rows), m), dtype=np.int64)
            f, e, t = np.meshgrid(np.arange(cols), np.arange(m), np.arange(len(e_rows)),
                                  indexing="ij")
            shifts[f, e, t, (e + e_rows.T[f, t]) % m] = 1
            shifts = shifts.reshape(cols * m, -1)
            parts.append(_matmul(flat, shifts.astype(object) if flat.dtype == object
                                 else shifts, bound).reshape(-1, len(e_rows), m))
        out = np.moveaxis(np.concatenate(parts, axis=1), 1, 0)
    return out
