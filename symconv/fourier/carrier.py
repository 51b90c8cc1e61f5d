"""An exact carrier for the DFT: arrays of bilinear forms in x and w with Q(ζ_m) coefficients.

A :class:`Forms` array of shape ``S`` holds ``data`` of shape ``(*S, VX, VW, m)`` (integers)
and a rational ``scale``: entry ``s`` is ``scale · Σ_{j,i,e} data[s, j, i, e]·x_j·w_i·ζ^e``,
with the powers of ζ in the group ring Z[C_m] (multiplying by ζ^k is a cyclic shift).  A form
without x has ``VX = 1`` (the empty factor), one without w ``VW = 1``.  Only the
homomorphism Z[C_m] -> Q(ζ_m) of :mod:`~symconv.fourier.cyclotomic` turns the data into field
coordinates (:meth:`Forms.field`), so no cancellation is ever assumed.

Forms implement the numpy functions the FFT sides use (``np.pad``, ``np.roll``, ``np.flip``,
``np.sum``, ``np.moveaxis``, ``np.conjugate``, ``*``, ``+``), and :func:`dft` / :func:`idft` are
written once for Forms and for complex numpy arrays.

>>> x = Forms.variables((3,), "x", order=3)
>>> y = idft(dft(x, Root(3)), Root(3))      # IDFT(DFT(x)) in Q(ζ_3), exactly
>>> y.field()[..., 0].tolist(), y.scale, bool((y.field()[..., 1:] == 0).all())
([[[3], [0], [0]], [[0], [3], [0]], [[0], [0], [3]]], Fraction(1, 3), True)
>>> np.round(dft(np.array([1.0, 2.0, 0.0]), Root(3)), 6).tolist() == np.round(
...     np.fft.fft([1.0, 2.0, 0.0]), 6).tolist()
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import SymconvError
from .cyclotomic import cyclotomic_polynomial, reduction_matrix

__all__ = ["Forms", "Root", "dft", "idft"]

#: Above this bound on an entry, data switches from int64 to exact Python ints.
INT64_SAFE = 2**62


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
        if isinstance(a, Forms) and root.order != a.order:
            raise SymconvError(f"root: ζ_{root.order} is not in the forms' field Q(ζ_{a.order})"
                               f"; build the forms with order={root.order}")
        n = a.shape[axis]
        e = root.exponents(n, inverse)
        if isinstance(a, Forms):
            a = a.contract_powers(e, axis)
        else:
            a = np.moveaxis(np.tensordot(root.numeric(e), a, axes=([1], [axis])), 0, axis)
        if inverse:
            a = a * Fraction(1, n) if isinstance(a, Forms) else a / n
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


_FUNCTIONS: dict[Any, str] = {np.pad: "pad", np.roll: "roll", np.flip: "flip", np.sum: "sum",
                              np.moveaxis: "moveaxis", np.concatenate: "concatenate"}


class Forms:
    """Dense array of bilinear forms with Z[C_m] coefficients (see the module docstring)."""

    __slots__ = ("data", "order", "scale", "bound", "kind")

    def __init__(self, data: np.ndarray, order: int, scale: Fraction = Fraction(1),
                 bound: int | None = None, kind: str = "xw") -> None:
        if kind not in ("x", "w", "xw"):
            raise SymconvError(f"kind: expected 'x', 'w' or 'xw', got {kind!r}")
        self.data, self.order, self.scale, self.kind = data, order, Fraction(scale), kind
        self.bound = int(np.abs(data).max(initial=0)) if bound is None else bound

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def variables(cls, shape: tuple[int, ...], kind: str, order: int,
                  select: tuple[int, ...] | None = None) -> Forms:
        """An array of fresh variables (``kind`` 'x' or 'w'), entry ``s`` being variable number
        ``ravel(s)``; ``select``: only these variable numbers (columns in that order), the
        other entries 0 (a chunk of the variables: every side is linear in them)."""
        count = math.prod(shape)
        select = tuple(range(count)) if select is None else tuple(select)
        data = np.zeros((count, len(select), order), dtype=np.int64)
        data[list(select), np.arange(len(select)), 0] = 1
        data = data.reshape(*shape, *((len(select), 1) if kind == "x" else (1, len(select))),
                            order)
        if kind not in ("x", "w"):
            raise SymconvError(f"kind: expected 'x' or 'w', got {kind!r}")
        return cls(data, order, Fraction(1), 1, kind)

    def _like(self, data: np.ndarray, scale: Fraction | None = None,
              bound: int | None = None) -> Forms:
        return Forms(data, self.order, self.scale if scale is None else scale,
                     self.bound if bound is None else bound, self.kind)

    # ---- numpy-like surface -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape[:-3]

    @property
    def ndim(self) -> int:
        return self.data.ndim - 3

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def __getitem__(self, key: Any) -> Forms:
        key = key if isinstance(key, tuple) else (key,)
        if any(k is Ellipsis for k in key) or sum(k is not None for k in key) > self.ndim:
            raise SymconvError("index: Forms take one plain index per leading axis")
        return self._like(self.data[key])

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        name = _FUNCTIONS.get(func)
        if name is None:
            return NotImplemented
        if name == "concatenate":  # np.concatenate([f0, f1, ...], axis)
            first, *rest = args[0]
            return first.concatenate(rest, *args[1:], **kwargs)
        return getattr(self, name)(*args[1:], **kwargs)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if ufunc is np.conjugate and method == "__call__" and len(inputs) == 1:
            return self.conjugate()
        return NotImplemented

    def pad(self, pad_width: Any, mode: str = "constant") -> Forms:
        if mode != "constant":
            raise SymconvError(f"mode: Forms pad with zeros only, got {mode!r}")
        return self._like(np.pad(self.data, [*pad_width, (0, 0), (0, 0), (0, 0)]))

    def roll(self, shift: Any, axis: Any) -> Forms:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        return self._like(np.roll(self.data, shift, axis=tuple(_axis(a, self.ndim)
                                                                  for a in axes)))

    def flip(self, axis: Any) -> Forms:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        return self._like(np.flip(self.data, axis=tuple(_axis(a, self.ndim) for a in axes)))

    def concatenate(self, others: Any = (), axis: int = 0) -> Forms:
        """``np.concatenate([self, *others], axis)`` (called as ``np.concatenate(forms, axis)``)."""
        parts = [self, *others] if isinstance(others, (list, tuple)) else [self]
        if any(not isinstance(f, Forms) or (f.kind, f.order, f.scale) != (
                self.kind, self.order, self.scale) for f in parts):
            raise SymconvError("forms: concatenate forms of one kind, order and scale")
        return self._like(np.concatenate([f.data for f in parts], axis=_axis(axis, self.ndim)),
                          bound=max(f.bound for f in parts))

    def twiddle(self, exponents: np.ndarray, axis: int) -> Forms:
        """Entry ``k`` along ``axis`` times ζ^exponents[k] (a cyclic shift of its coefficients)."""
        axis = _axis(axis, self.ndim)
        a = np.moveaxis(self.data, axis, 0)
        out = np.empty_like(a)
        for k, e in enumerate(np.asarray(exponents) % self.order):
            out[k] = np.roll(a[k], int(e), axis=-1)
        return self._like(np.moveaxis(out, 0, axis))

    def moveaxis(self, source: int, destination: int) -> Forms:
        return self._like(np.moveaxis(self.data, _axis(source, self.ndim),
                                      _axis(destination, self.ndim)))

    def sum(self, axis: Any = None) -> Forms:
        axes = tuple(range(self.ndim)) if axis is None else (
            (axis,) if isinstance(axis, int) else tuple(axis))
        axes = tuple(_axis(a, self.ndim) for a in axes)
        count = math.prod(self.shape[a] for a in axes)
        data = self._safe(self.data, self.bound * count)
        return self._like(data.sum(axis=axes), bound=self.bound * count)

    def conjugate(self) -> Forms:
        """Complex conjugation of every coefficient (ζ -> ζ^-1; x and w are real)."""
        return self._like(self.data[..., (-np.arange(self.order)) % self.order])

    @staticmethod
    def _safe(data: np.ndarray, bound: int) -> np.ndarray:
        return data.astype(object) if bound >= INT64_SAFE and data.dtype != object else data

    # ---- arithmetic ---------------------------------------------------------------------
    def __add__(self, other: Forms) -> Forms:
        if not isinstance(other, Forms) or other.order != self.order:
            return NotImplemented
        if self.kind != other.kind or self.data.shape[-3:-1] != other.data.shape[-3:-1]:
            raise SymconvError(f"forms: cannot add a {self.kind}-form and a {other.kind}-form "
                               "(or forms in different variables)")
        scale = Fraction(math.gcd(self.scale.numerator, other.scale.numerator),
                         math.lcm(self.scale.denominator, other.scale.denominator))
        fa, fb = int(self.scale / scale), int(other.scale / scale)
        bound = self.bound * abs(fa) + other.bound * abs(fb)
        a, b = self._safe(self.data, bound), self._safe(other.data, bound)
        return Forms(a * fa + b * fb, self.order, scale, bound, self.kind)

    def __mul__(self, other: Any) -> Forms:
        if isinstance(other, (int, Fraction)) and not isinstance(other, bool):
            return self._like(self.data, scale=self.scale * other)
        if not isinstance(other, Forms) or other.order != self.order:
            return NotImplemented
        if {self.kind, other.kind} != {"x", "w"}:
            raise SymconvError(f"forms: the product of a {self.kind}-form and a {other.kind}-"
                               "form is not bilinear in (x, w); multiply an x-form by a w-form")
        (ax, aw), (bx, bw) = self.data.shape[-3:-1], other.data.shape[-3:-1]
        m = self.order
        bound = self.bound * other.bound * m
        a = self._safe(self.data, bound)
        b = self._safe(other.data, bound)
        lead = np.broadcast_shapes(a.shape[:-3], b.shape[:-3])
        vx, vw = max(ax, bx), max(aw, bw)
        if self.kind == "w":  # put the x-form first
            a, b = b, a
        a = np.broadcast_to(a, (*lead, *a.shape[-3:])).reshape(-1, vx, m)  # (P, VX, m)
        b = np.broadcast_to(b, (*lead, *b.shape[-3:])).reshape(-1, vw, m)  # (P, VW, m)
        # cyclic convolution of the group-ring coefficients as one batched matrix product:
        # (a ⊛ b)[k] = Σ_e a[e]·b[k - e], i.e. a @ C with C[e, k] = b[(k - e) mod m]
        circulant = b[..., (np.arange(m)[None, :] - np.arange(m)[:, None]) % m]  # (P, VW, m, m)
        out = _matmul(a[:, None], circulant, bound)  # (P, VW, VX, m)
        out = np.swapaxes(out, 1, 2).reshape(*lead, vx, vw, m)
        return Forms(np.ascontiguousarray(out), m, self.scale * other.scale, bound, "xw")

    __rmul__ = __mul__

    def contract_powers(self, exponents: np.ndarray, axis: int) -> Forms:
        """``out[.., t, ..] = Σ_f ζ^E[t, f] · self[.., f, ..]`` along ``axis``."""
        m, (rows, cols) = self.order, exponents.shape
        axis = _axis(axis, self.ndim)
        if cols != self.shape[axis]:
            raise SymconvError(f"exponents: expected {self.shape[axis]} columns, got {cols}")
        bound = self.bound * cols
        a = np.moveaxis(self._safe(self.data, bound), axis, 0)  # (F, rest..., m)
        flat = a.reshape(cols, -1, m)
        out = np.zeros((rows, flat.shape[1], m), dtype=flat.dtype)
        doubled = np.concatenate([flat, flat], axis=-1)  # a shift by k is a window of this
        start = (-exponents) % m  # out[t, :, e] += flat[f, :, e - E[t, f]]
        for t in range(rows):  # ζ^k shifts the coefficients by k
            for f in range(cols):
                out[t] += doubled[f, :, start[t, f]:start[t, f] + m]
        out = np.moveaxis(out.reshape(rows, *a.shape[1:]), 0, axis)
        return Forms(out, m, self.scale, bound, self.kind)

    # ---- into the field -----------------------------------------------------------------
    def field(self) -> np.ndarray:
        """Coordinates in the basis 1, ζ, ..., ζ^(φ-1) of Q(ζ_m): ``(*S, VX, VW, φ(m))``
        integers, to be multiplied by :attr:`scale`."""
        r = reduction_matrix(self.order)
        bound = self.bound * int(np.abs(r).sum(axis=0).max(initial=1))
        data = self._safe(self.data, bound)
        return _matmul(data, r.astype(object) if data.dtype == object else r, bound)

    def polynomials(self, x_names: list[str], w_names: list[str]) -> np.ndarray:
        """The entries as exact :class:`~symconv.ring.Polynomial` (object array), when every
        coefficient is rational; a SymconvError names the first one that is not.

        >>> x = Forms.variables((2,), "x", order=2)
        >>> dft(x, Root(2)).polynomials(["a", "b"], []).tolist()
        [a + b, a - b]
        """
        from ..ring import Polynomial

        coords = self.field()
        irrational = np.argwhere(np.any(coords[..., 1:] != 0, axis=-1))
        if irrational.size:
            raise SymconvError(f"forms: the coefficient at {tuple(irrational[0].tolist())} is not"
                               f" rational; compare in Q(ζ_{self.order}) with field() instead")
        xs, ws = (x_names or [""]), (w_names or [""])
        out = np.empty(self.shape, dtype=object)
        for s in np.ndindex(*self.shape):
            terms: dict[tuple[str, ...], Fraction] = {}
            for j, i in zip(*np.nonzero(coords[s][..., 0])):
                mono = tuple(sorted(v for v in (xs[j], ws[i]) if v))
                terms[mono] = terms.get(mono, 0) + Fraction(int(coords[s][j, i, 0])) * self.scale
            out[s] = Polynomial(terms)
        return out
