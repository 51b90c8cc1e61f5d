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

__all__ = ["Root", "dft", "idft"]


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
