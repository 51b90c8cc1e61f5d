"""An exact carrier for the DFT: arrays of bilinear forms in x and w with Q(ζ_m) coefficients.

A :class:`Forms` array of shape ``S`` holds ``data`` of shape ``(*S, T, VX, VW, m)`` (integers),
term ``labels`` ``(*S, T, 2)`` and a rational ``scale``: entry ``s`` is
``scale · Σ_{t,j,i,e} data[s, t, j, i, e]·x_J·w_I·ζ^e`` where ``J``, ``I`` are the variables of
column ``j`` / ``i`` in the x-block / w-block ``labels[s, t]`` (:class:`Vars`), with the powers
of ζ in the group ring Z[C_m] (multiplying by ζ^k is a cyclic shift).  With one block
(``blocks=0``) every entry runs over every variable, the dense forms; with ``blocks=2`` an
entry of an (N, C, ...) input holds its own plane's variables only, so that the DFT of a
multi-channel layer costs what its planes cost.  A form without x has ``VX = 1`` (the empty
factor), one without w ``VW = 1``.  Only the homomorphism Z[C_m] -> Q(ζ_m) of
:mod:`~symconv.fourier.cyclotomic` turns the data into field coordinates (:meth:`Forms.sparse`,
:meth:`Forms.field`), so no cancellation is ever assumed.

Forms implement the numpy functions the FFT sides use (``np.pad``, ``np.roll``, ``np.flip``,
``np.sum``, ``np.moveaxis``, ``np.conjugate``, ``*``, ``+``), and :func:`dft` / :func:`idft` are
written once for Forms and for complex numpy arrays (:mod:`~symconv.fourier.transforms`).

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
from .cyclotomic import reduction_matrix
from .transforms import Root, _axis, _matmul, dft, idft, shift_sum

__all__ = ["Forms", "Root", "dft", "idft"]

#: Above this bound on an entry, data switches from int64 to exact Python ints.
INT64_SAFE = 2**62


_FUNCTIONS: dict[Any, str] = {np.pad: "pad", np.roll: "roll", np.flip: "flip", np.sum: "sum",
                              np.moveaxis: "moveaxis", np.concatenate: "concatenate"}


@dataclass(frozen=True)
class Vars:
    """The variables of one factor: ``total`` of them in blocks of ``size``; column ``b`` of a
    term whose block label is ``β`` is variable number ``β·size + cols[b]``."""

    size: int
    cols: tuple[int, ...]
    total: int


#: The empty factor (an x-form has no w-variable, a w-form no x-variable).
EMPTY = Vars(1, (0,), 1)


class Forms:
    """Array of bilinear forms with Z[C_m] coefficients, sparse over variable blocks.

    ``data`` has shape ``(*S, T, VX, VW, m)``: entry ``s`` is the sum of ``T`` terms, term ``t``
    a ``VX × VW`` block of coefficients of the x-variables of block ``labels[s, t, 0]`` times
    the w-variables of block ``labels[s, t, 1]`` (numbering: :class:`Vars`).  Built with
    ``blocks=2`` on (N, C, ...) arrays, an entry holds only its own (n, c) plane's variables, and
    a product ``X[n, c]·W[f, c]`` only that pair of planes: the DFT acts per plane, the channel
    sum keeps the terms apart.  Labels travel with the data through every operation (a leak
    across planes is carried as an extra term, never relabelled), so the coefficients of every
    product of every variable remain exactly those of the dense forms (:meth:`field`)."""

    __slots__ = ("data", "order", "scale", "bound", "kind", "labels", "xvars", "wvars")

    def __init__(self, data: np.ndarray, order: int, scale: Fraction = Fraction(1),
                 bound: int | None = None, kind: str = "xw", labels: np.ndarray | None = None,
                 xvars: Vars | None = None, wvars: Vars | None = None) -> None:
        if kind not in ("x", "w", "xw"):
            raise SymconvError(f"kind: expected 'x', 'w' or 'xw', got {kind!r}")
        self.data, self.order, self.scale, self.kind = data, order, Fraction(scale), kind
        self.bound = int(np.abs(data).max(initial=0)) if bound is None else bound
        vx, vw = data.shape[-3:-1]
        self.labels = (np.zeros((*data.shape[:-3], 2), dtype=np.int64) if labels is None
                       else labels)
        self.xvars = Vars(vx, tuple(range(vx)), vx) if xvars is None else xvars
        self.wvars = Vars(vw, tuple(range(vw)), vw) if wvars is None else wvars

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def variables(cls, shape: tuple[int, ...], kind: str, order: int,
                  select: tuple[int, ...] | None = None, blocks: int = 0) -> Forms:
        """An array of fresh variables (``kind`` 'x' or 'w'), entry ``s`` being variable number
        ``ravel(s)``.  ``blocks``: the leading axes that number the blocks (2 for (N, C, ...)
        inputs and (F, C, ...) kernels); ``select``: only these indices within a block
        (columns in that order), the other entries 0 (a chunk of the variables: every side
        is linear in them).

        >>> x = Forms.variables((2, 1, 3), "x", order=2, blocks=2)
        >>> x.data.shape, x.labels[1, 0, 2, 0].tolist(), x.field().shape
        ((2, 1, 3, 1, 3, 1, 2), [1, 0], (2, 1, 3, 6, 1, 1))
        """
        if kind not in ("x", "w"):
            raise SymconvError(f"kind: expected 'x' or 'w', got {kind!r}")
        count, size = math.prod(shape[:blocks]), math.prod(shape[blocks:])
        select = tuple(range(size)) if select is None else tuple(select)
        data = np.zeros((count, size, len(select), order), dtype=np.int64)
        data[:, list(select), np.arange(len(select)), 0] = 1
        data = data.reshape(*shape, 1, *((len(select), 1) if kind == "x" else
                                         (1, len(select))), order)
        labels = np.zeros((*shape, 1, 2), dtype=np.int64)
        labels[..., 0, 0 if kind == "x" else 1] = np.repeat(np.arange(count), size).reshape(shape)
        own = Vars(size, select, count * size)
        return cls(data, order, Fraction(1), 1, kind, labels,
                   *((own, EMPTY) if kind == "x" else (EMPTY, own)))

    def _like(self, data: np.ndarray, labels: np.ndarray | None = None,
              scale: Fraction | None = None, bound: int | None = None) -> Forms:
        return Forms(data, self.order, self.scale if scale is None else scale,
                     self.bound if bound is None else bound, self.kind,
                     self.labels if labels is None else labels, self.xvars, self.wvars)

    # ---- numpy-like surface -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape[:-4]

    @property
    def ndim(self) -> int:
        return self.data.ndim - 4

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def __getitem__(self, key: Any) -> Forms:
        key = key if isinstance(key, tuple) else (key,)
        if any(k is Ellipsis for k in key) or sum(k is not None for k in key) > self.ndim:
            raise SymconvError("index: Forms take one plain index per leading axis")
        return self._like(self.data[key], self.labels[key])

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

    def _axes(self, axis: Any) -> tuple[int, ...]:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        return tuple(_axis(a, self.ndim) for a in axes)

    def pad(self, pad_width: Any, mode: str = "constant") -> Forms:
        if mode != "constant":
            raise SymconvError(f"mode: Forms pad with zeros only, got {mode!r}")
        widths = [tuple(w) for w in pad_width]  # zero data; labels copied from the edge
        return self._like(np.pad(self.data, [*widths, *[(0, 0)] * 4]),
                          np.pad(self.labels, [*widths, (0, 0), (0, 0)], mode="edge"))

    def roll(self, shift: Any, axis: Any) -> Forms:
        axes = self._axes(axis)
        return self._like(np.roll(self.data, shift, axis=axes),
                          np.roll(self.labels, shift, axis=axes))

    def flip(self, axis: Any) -> Forms:
        axes = self._axes(axis)
        return self._like(np.flip(self.data, axis=axes), np.flip(self.labels, axis=axes))

    def moveaxis(self, source: int, destination: int) -> Forms:
        s, d = _axis(source, self.ndim), _axis(destination, self.ndim)
        return self._like(np.moveaxis(self.data, s, d), np.moveaxis(self.labels, s, d))

    def _terms(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """(data, labels) with ``t`` terms: extra terms zero (labelled like the last)."""
        extra = t - self.labels.shape[-2]
        data = np.pad(self.data, [*[(0, 0)] * self.ndim, (0, extra), *[(0, 0)] * 3])
        return data, np.pad(self.labels, [*[(0, 0)] * self.ndim, (0, extra), (0, 0)],
                            mode="edge")

    def _same(self, other: Forms) -> bool:
        return (isinstance(other, Forms) and (other.kind, other.order, other.xvars, other.wvars)
                == (self.kind, self.order, self.xvars, self.wvars))

    def concatenate(self, others: Any = (), axis: int = 0) -> Forms:
        """``np.concatenate([self, *others], axis)`` (called as ``np.concatenate(forms, axis)``)."""
        parts = [self, *others] if isinstance(others, (list, tuple)) else [self]
        if any(not self._same(f) or f.scale != self.scale for f in parts):
            raise SymconvError("forms: concatenate forms of one kind, order and scale")
        t, axis = max(f.labels.shape[-2] for f in parts), _axis(axis, self.ndim)
        data, labels = zip(*(f._terms(t) for f in parts))
        return self._like(np.concatenate(data, axis=axis), np.concatenate(labels, axis=axis),
                          bound=max(f.bound for f in parts))

    def twiddle(self, exponents: np.ndarray, axis: int) -> Forms:
        """Entry ``k`` along ``axis`` times ζ^exponents[k] (a cyclic shift of its coefficients)."""
        axis = _axis(axis, self.ndim)
        a = np.moveaxis(self.data, axis, 0)
        out = np.empty_like(a)
        for k, e in enumerate(np.asarray(exponents) % self.order):
            out[k] = np.roll(a[k], int(e), axis=-1)
        return self._like(np.moveaxis(out, 0, axis))

    def _uniform(self, axis: int) -> bool:
        """Whether every entry along ``axis`` has the same term labels."""
        return bool((self.labels == self.labels.take([0], axis=axis)).all())

    def _fold(self, data: np.ndarray, labels: np.ndarray, axis: int) -> tuple[np.ndarray, ...]:
        """Move ``axis`` into the term axis (its entries become separate terms)."""
        t = self.ndim - 1
        data, labels = np.moveaxis(data, axis, t), np.moveaxis(labels, axis, t)
        return (data.reshape(*data.shape[:t], -1, *data.shape[t + 2:]),
                labels.reshape(*labels.shape[:t], -1, 2))

    def sum(self, axis: Any = None) -> Forms:
        """The sum along ``axis``: entries of equal labels add; otherwise their terms are kept
        side by side (a sum over channels pairs each X[n, c] with its own W[f, c])."""
        axes = tuple(range(self.ndim)) if axis is None else self._axes(axis)
        out = self
        for a in sorted(axes, reverse=True):
            n = out.shape[a]
            if out._uniform(a):
                data = out._safe(out.data, out.bound * n)
                out = out._like(data.sum(axis=a), out.labels.take(0, axis=a),
                                bound=out.bound * n)
            else:
                out = out._like(*out._fold(out.data, out.labels, a))
        return out

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
        if not self._same(other):
            raise SymconvError(f"forms: cannot add a {self.kind}-form and a {other.kind}-form "
                               "(or forms in different variables)")
        scale = Fraction(math.gcd(self.scale.numerator, other.scale.numerator),
                         math.lcm(self.scale.denominator, other.scale.denominator))
        fa, fb = int(self.scale / scale), int(other.scale / scale)
        lead = np.broadcast_shapes(self.shape, other.shape)
        parts = [(np.broadcast_to(f.data, (*lead, *f.data.shape[-4:])),
                  np.broadcast_to(f.labels, (*lead, *f.labels.shape[-2:]))) for f in (self, other)]
        (a, la), (b, lb) = parts
        if la.shape == lb.shape and np.array_equal(la, lb):
            bound = self.bound * abs(fa) + other.bound * abs(fb)
            data, labels = self._safe(a, bound) * fa + self._safe(b, bound) * fb, la
        else:  # different variables: the terms stand side by side
            bound = max(self.bound * abs(fa), other.bound * abs(fb))
            t = len(lead)
            data = np.concatenate([self._safe(a, bound) * fa, self._safe(b, bound) * fb], t)
            labels = np.concatenate([la, lb], t)
        return Forms(data, self.order, scale, bound, self.kind, np.ascontiguousarray(labels),
                     self.xvars, self.wvars)

    def __mul__(self, other: Any) -> Forms:
        if isinstance(other, (int, Fraction)) and not isinstance(other, bool):
            return self._like(self.data, scale=self.scale * other)
        if not isinstance(other, Forms) or other.order != self.order:
            return NotImplemented
        if {self.kind, other.kind} != {"x", "w"}:
            raise SymconvError(f"forms: the product of a {self.kind}-form and a {other.kind}-"
                               "form is not bilinear in (x, w); multiply an x-form by a w-form")
        xf, wf = (self, other) if self.kind == "x" else (other, self)
        m, bound = self.order, self.bound * other.bound * self.order
        lead = np.broadcast_shapes(xf.shape, wf.shape)
        (tx, vx), (tw, vw) = (xf.data.shape[-4], xf.data.shape[-3]), (wf.data.shape[-4],
                                                                      wf.data.shape[-2])
        a = np.broadcast_to(self._safe(xf.data, bound), (*lead, tx, vx, 1, m)).reshape(
            -1, tx, vx, m)
        b = np.broadcast_to(self._safe(wf.data, bound), (*lead, tw, 1, vw, m)).reshape(
            -1, tw, vw, m)
        # cyclic convolution of the group-ring coefficients as one batched matrix product:
        # (a ⊛ b)[k] = Σ_e a[e]·b[k - e], i.e. a @ C with C[e, k] = b[(k - e) mod m]
        circulant = b[..., (np.arange(m)[None, :] - np.arange(m)[:, None]) % m]  # (P,TW,VW,m,m)
        out = _matmul(a[:, :, None, None], circulant[:, None], bound)  # (P, TX, TW, VW, VX, m)
        out = np.swapaxes(out, 3, 4).reshape(*lead, tx * tw, vx, vw, m)
        lx = np.broadcast_to(xf.labels[..., 0], (*lead, tx))[..., :, None]
        lw = np.broadcast_to(wf.labels[..., 1], (*lead, tw))[..., None, :]
        labels = np.stack(np.broadcast_arrays(lx, lw), axis=-1).reshape(*lead, tx * tw, 2)
        return Forms(np.ascontiguousarray(out), m, self.scale * other.scale, bound, "xw",
                     labels, xf.xvars, wf.wvars)

    __rmul__ = __mul__

    def contract_powers(self, exponents: np.ndarray, axis: int) -> Forms:
        """``out[.., t, ..] = Σ_f ζ^E[t, f] · self[.., f, ..]`` along ``axis``."""
        m, (rows, cols) = self.order, exponents.shape
        axis = _axis(axis, self.ndim)
        if cols != self.shape[axis]:
            raise SymconvError(f"exponents: expected {self.shape[axis]} columns, got {cols}")
        bound = self.bound * cols
        a = np.moveaxis(self._safe(self.data, bound), axis, 0)  # (F, rest..., m)
        if not self._uniform(axis):  # entries of other variables: keep each as its own term
            r = self.ndim - 1  # the other leading axes
            out = np.stack([np.stack([np.roll(a[f], int(exponents[t, f]), axis=-1)
                                      for f in range(cols)]) for t in range(rows)])
            out = np.moveaxis(out, 1, 1 + r)  # (rows, *rest, cols, T, VX, VW, m)
            out = np.moveaxis(out.reshape(*out.shape[:1 + r], -1, *out.shape[3 + r:]), 0, axis)
            lab = np.moveaxis(np.moveaxis(self.labels, axis, 0), 0, r)  # (*rest, cols, T, 2)
            lab = np.broadcast_to(lab.reshape(*lab.shape[:r], -1, 2), (rows, *lab.shape[:r],
                                                                       cols * lab.shape[-2], 2))
            return Forms(out, m, self.scale, bound, self.kind,
                         np.ascontiguousarray(np.moveaxis(lab, 0, axis)), self.xvars, self.wvars)
        out = shift_sum(a.reshape(cols, -1, m), exponents, bound)
        out = np.moveaxis(out.reshape(rows, *a.shape[1:]), 0, axis)
        labels = np.repeat(self.labels.take([0], axis=axis), rows, axis=axis)
        return Forms(out, m, self.scale, bound, self.kind, labels, self.xvars, self.wvars)

    # ---- into the field -----------------------------------------------------------------
    def coordinates(self) -> np.ndarray:
        """Term coordinates in the basis 1, ζ, ..., ζ^(φ-1) of Q(ζ_m): ``(*S, T, VX, VW, φ(m))``
        integers, to be multiplied by :attr:`scale` (sums over terms: :meth:`sparse`)."""
        r = reduction_matrix(self.order)
        t = self.labels.shape[-2]
        bound = self.bound * int(np.abs(r).sum(axis=0).max(initial=1)) * t
        data = self._safe(self.data, bound)
        return _matmul(data, r.astype(object) if data.dtype == object else r, bound)

    def sparse(self) -> tuple[np.ndarray, np.ndarray]:
        """The nonzero coefficients: sorted keys ``(position·X + j)·W + i`` (``position`` the
        flat index of an entry, ``j`` / ``i`` the variable numbers, X / W their counts) and
        their coordinates ``(K, φ(m))``, terms of one product summed."""
        c = self.coordinates()
        p, (t, phi) = self.size, (c.shape[-4], c.shape[-1])
        lab = self.labels.reshape(p, t, 2).astype(object if c.dtype == object else np.int64)
        gx = lab[..., 0, None] * self.xvars.size + np.array(self.xvars.cols)  # (P, T, VX)
        gw = lab[..., 1, None] * self.wvars.size + np.array(self.wvars.cols)  # (P, T, VW)
        pos = np.arange(p).reshape(p, 1, 1, 1)
        keys = ((pos * self.xvars.total + gx[..., :, None]) * self.wvars.total
                + gw[..., None, :]).reshape(-1)
        values = c.reshape(-1, phi)
        keep = values.any(axis=-1)
        keys, values = keys[keep].astype(np.int64), values[keep]
        order = np.argsort(keys, kind="stable")
        keys, values = keys[order], values[order]
        unique, first = np.unique(keys, return_index=True)
        if len(unique) < len(keys):
            values = np.add.reduceat(values, first, axis=0)
            keep = values.any(axis=-1)
            unique, values = unique[keep], values[keep]
        return unique, values

    def field(self) -> np.ndarray:
        """Coordinates in the basis 1, ζ, ..., ζ^(φ-1) of Q(ζ_m) of every product:
        ``(*S, X, W, φ(m))`` integers (X, W the variable counts), to be multiplied by
        :attr:`scale`."""
        keys, values = self.sparse()
        x, w = self.xvars.total, self.wvars.total
        out = np.zeros((self.size * x * w, values.shape[-1]), dtype=values.dtype)
        out[keys] = values
        return out.reshape(*self.shape, x, w, -1)

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
