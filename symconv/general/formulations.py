"""Index-level descriptions of the formulations, for one output entry, over symbolic sizes.

Every size is a sympy integer symbol: batch ``N``, groups ``G``, channels per group ``Cg``,
filters per group ``Fg``, and per spatial axis kernel ``k``, output ``O``, input ``I``, stride
``s``, dilation ``d`` (all ``>= 1``) and pads ``pl``, ``pr`` (``>= 0``).  The output entry is
``(n, f, o...)`` with ``f = g·Fg + j``; ``xpad{pads}`` is the padded input (any padding mode:
the rewrite proofs never look inside it).  Each builder returns a :class:`Formulation`: the sum
for that entry and the views it uses (``patch``, ``vec_patch``, ``W_row``, ``X_col``,
``flip_w``), each a row-major index map as numpy's ``reshape`` and slicing define it.

>>> sz = Sizes.make(2)
>>> print(definition(sz).term)  # doctest: +NORMALIZE_WHITESPACE
Σ_{c<Cg, u<kH, v<kW} w[Fg*g + j, c, u, v]·xpad{plH,prH,plW,prW}[n, Cg*g + c,
    dH*u + oh*sH, dW*v + ow*sW]
>>> print(dot(sz).views["W_row"])
W_row[g, j, l] := w[Fg*g + j, ⌊l/(kH*kW)⌋, ⌊l/kW⌋ mod kH, l mod kW]
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy

from ..errors import SymconvError
from .terms import Access, Box, FloorDiv, Rem, Sum, View

__all__ = ["Sizes", "Formulation", "Padding", "mixed_radix_digits", "vec_view", "definition",
           "elementwise", "dot", "im2col", "convolution", "flipped_correlation", "flip_flip",
           "weight"]

_AXES = {1: ("",), 2: ("H", "W"), 3: ("D", "H", "W")}
_TAPS = {1: ("u",), 2: ("u", "v"), 3: ("t", "u", "v")}
_INPUT = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def _size(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, integer=True, positive=True)


def _var(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, integer=True, nonnegative=True)


class Padding(str, enum.Enum):
    """How the pads of ``xpad`` are given in a statement."""

    EXPLICIT = "explicit"  #: symbols ``pl``, ``pr`` per axis (every explicit padding)
    SAME = "same"  #: PyTorch's 'same': ``(⌊D/2⌋, D - ⌊D/2⌋)`` with ``D = d(k-1)``
    SAME_MIRRORED = "same-mirrored"  #: ``ConvSpec.convolution_pads`` for 'same'


@dataclass(frozen=True)
class Sizes:
    """The symbols of a rank-``rank`` layer and of one output entry."""

    rank: int
    N: sympy.Symbol
    G: sympy.Symbol
    Cg: sympy.Symbol
    Fg: sympy.Symbol
    K: tuple[sympy.Symbol, ...]
    out_sizes: tuple[sympy.Symbol, ...]
    in_sizes: tuple[sympy.Symbol, ...]
    s: tuple[sympy.Symbol, ...]
    d: tuple[sympy.Symbol, ...]
    pl: tuple[sympy.Symbol, ...]
    pr: tuple[sympy.Symbol, ...]
    n: sympy.Symbol
    g: sympy.Symbol
    j: sympy.Symbol
    f: sympy.Symbol
    o: tuple[sympy.Symbol, ...]
    c: sympy.Symbol
    u: tuple[sympy.Symbol, ...]
    flat: sympy.Symbol  #: the flattened index l of vec and of im2col rows

    @classmethod
    def make(cls, rank: int) -> Sizes:
        """Fresh symbols for a layer of the given rank (1, 2 or 3).

        >>> Sizes.make(3).K
        (kD, kH, kW)
        """
        if rank not in _AXES:
            raise SymconvError(f"rank: expected 1, 2 or 3 spatial axes, got {rank!r}")
        ax = _AXES[rank]
        per = lambda base, make=_size: tuple(make(base + a) for a in ax)  # noqa: E731
        return cls(rank, _size("N"), _size("G"), _size("Cg"), _size("Fg"), per("k"), per("O"),
                   tuple(_size(a) for a in _INPUT[rank]), per("s"), per("d"),
                   per("pl", _var), per("pr", _var), _var("n"), _var("g"), _var("j"), _var("f"),
                   per("o", _var) if rank == 1 else tuple(_var("o" + a.lower()) for a in ax),
                   _var("c"), tuple(_var(t) for t in _TAPS[rank]), _var("l"))

    @property
    def filter(self) -> sympy.Expr:
        """Output channel of the entry, ``g·Fg + j``."""
        return self.g * self.Fg + self.j

    @property
    def entry(self) -> Box:
        """The output entry's variables and bounds ``(n, g, j, o...)``."""
        return ((self.n, self.N - 1), (self.g, self.G - 1), (self.j, self.Fg - 1),
                *((o, size - 1) for o, size in zip(self.o, self.out_sizes)))

    @property
    def weight_entry(self) -> Box:
        """A weight entry's variables ``(f, c, u...)`` and bounds."""
        return ((self.f, self.G * self.Fg - 1), (self.c, self.Cg - 1),
                *((u, k - 1) for u, k in zip(self.u, self.K)))

    @property
    def taps(self) -> Box:
        """The box ``c < Cg, u < k...`` every formulation sums over."""
        return ((self.c, self.Cg - 1), *((u, k - 1) for u, k in zip(self.u, self.K)))

    @property
    def radices(self) -> tuple[sympy.Symbol, ...]:
        """``(Cg, k...)``: the row-major order of ``vec`` and of im2col rows."""
        return (self.Cg, *self.K)

    @property
    def size_symbols(self) -> tuple[sympy.Symbol, ...]:
        """Every size symbol (the free symbols a view body may mention besides its formals)."""
        return (self.N, self.G, self.Cg, self.Fg, *self.K, *self.out_sizes, *self.in_sizes,
                *self.s, *self.d, *self.pl, *self.pr)

    def pads(self, padding: Padding = Padding.EXPLICIT) -> tuple[sympy.Expr, ...]:
        """``xpad``'s parameters ``(pl, pr)`` per axis, flattened."""
        out: list[sympy.Expr] = []
        for k, d, pl, pr in zip(self.K, self.d, self.pl, self.pr):
            total = d * (k - 1)
            half = FloorDiv(total, 2)
            out += {Padding.EXPLICIT: [pl, pr], Padding.SAME: [half, total - half],
                    Padding.SAME_MIRRORED: [total - half, half]}[Padding(padding)]
        return tuple(out)

    def hypotheses(self) -> str:
        """The sizes as a sentence."""
        sizes = [self.N, self.G, self.Cg, self.Fg, *self.K, *self.out_sizes, *self.in_sizes,
                 *self.s, *self.d]
        return (f"integers {', '.join(map(str, sizes))} >= 1 and pads "
                f"{', '.join(map(str, self.pl + self.pr))} >= 0 (all symbolic)")


@dataclass(frozen=True)
class Formulation:
    """One side of a theorem: a sum for one entry and the views it mentions."""

    label: str
    term: Sum
    views: Mapping[str, View] = field(default_factory=dict)
    padding: Padding = Padding.EXPLICIT


def mixed_radix_digits(index: Any, radices: Sequence[Any]) -> tuple[sympy.Expr, ...]:
    """Row-major digits of ``index``: ``⌊index/(R2···Rm)⌋, ..., index mod Rm``.

    >>> a, B, C = sympy.symbols("a B C", integer=True, positive=True)
    >>> mixed_radix_digits(a, (2, B, C))
    (⌊a/(B*C)⌋, ⌊a/C⌋ mod B, a mod C)
    """
    digits = []
    for i, r in enumerate(radices):
        below = sympy.Mul(*radices[i + 1:])
        digit = FloorDiv(index, below) if below != 1 else sympy.sympify(index)
        digits.append(digit if i == 0 else Rem(digit, r))
    return tuple(digits)


def vec_view(name: str, target: str, formals: Sequence[sympy.Symbol], radices: Sequence[Any],
             meaning: str, params: Sequence[Any] = ()) -> View:
    """``name[lead..., l] := target[lead..., digits of l in radices]`` (numpy ``reshape``).

    ``formals`` are the view's index variables, the flattened index last.
    """
    formals = tuple(formals)
    leading = len(formals) - 1
    body = Access(target, (*formals[:leading], *mixed_radix_digits(formals[-1], radices)),
                  tuple(params))
    return View(name, formals, body, meaning)


def _xpad(sz: Sizes, n: Any, channel: Any, positions: Sequence[Any], padding: Padding) -> Access:
    return Access("xpad", (n, channel, *positions), sz.pads(padding))


def _patch_view(sz: Sizes, padding: Padding) -> View:
    n, g, o, c, u = sz.n, sz.g, sz.o, sz.c, sz.u
    i = (n, g, *o, c, *u)
    positions = [oo * s + uu * d for oo, s, uu, d in zip(o, sz.s, u, sz.d)]
    return View("patch", i, _xpad(sz, n, g * sz.Cg + c, positions, padding),
                "patches(x)[n, g·Cg + c, o..., u...] is xpad at o·s + u·d (forms.patches)")


def _weight(sz: Sizes) -> Access:
    return Access("w", (sz.filter, sz.c, *sz.u))


def definition(sz: Sizes, padding: Padding = Padding.EXPLICIT) -> Formulation:
    """``Σ_{c,u} w[f, c, u] · xpad[n, g·Cg + c, o·s + u·d]`` (forms.correlate)."""
    positions = [o * s + u * d for o, s, u, d in zip(sz.o, sz.s, sz.u, sz.d)]
    term = Sum(sz.taps, (_weight(sz), _xpad(sz, sz.n, sz.g * sz.Cg + sz.c, positions, padding)))
    return Formulation("definition (correlate)", term, {}, padding)


def elementwise(sz: Sizes, padding: Padding = Padding.EXPLICIT) -> Formulation:
    """``Σ_{c,u} patch[n, g, o, c, u] · w[f, c, u]`` (forms.elementwise_sum)."""
    term = Sum(sz.taps, (Access("patch", (sz.n, sz.g, *sz.o, sz.c, *sz.u)), _weight(sz)))
    return Formulation("element-wise sum", term, {"patch": _patch_view(sz, padding)}, padding)


def _dot_views(sz: Sizes, padding: Padding) -> dict[str, View]:
    g, j, flat = sz.g, sz.j, sz.flat
    return {"vec_patch": vec_view("vec_patch", "patch", (sz.n, g, *sz.o, flat), sz.radices,
                                  "vec(patch) in (c, u...) row-major order (reshape)"),
            "W_row": View("W_row", (g, j, flat), Access("w", (
                g * sz.Fg + j, *mixed_radix_digits(flat, sz.radices))),
                "W_row = w.reshape(F, -1), per group g: row g·Fg + j"),
            "patch": _patch_view(sz, padding)}


def dot(sz: Sizes, padding: Padding = Padding.EXPLICIT) -> Formulation:
    """``Σ_{l < Cg·Πk} vec_patch[n, g, o, l] · W_row[g, j, l]`` (forms.flattened_dot)."""
    length = sympy.Mul(*sz.radices)
    term = Sum(((sz.flat, length - 1),), (Access("vec_patch", (sz.n, sz.g, *sz.o, sz.flat)),
                                       Access("W_row", (sz.g, sz.j, sz.flat))))
    return Formulation("flattened dot", term, _dot_views(sz, padding), padding)


def column(sz: Sizes, layout: str) -> tuple[sympy.Expr, tuple[sympy.Expr, ...]]:
    """The im2col column of the entry and the radices that decode it.

    batch-slowest: ``n·ΠO + ravel(o)``; batch-fastest: ``ravel(o)·N + n``.
    """
    from ..forms import Im2colLayout

    ravel = sympy.Integer(0)
    for o, size in zip(sz.o, sz.out_sizes):
        ravel = ravel * size + o
    if Im2colLayout(layout) is Im2colLayout.BATCH_SLOWEST:
        return sz.n * sympy.Mul(*sz.out_sizes) + ravel, (sz.N, *sz.out_sizes)
    return ravel * sz.N + sz.n, (*sz.out_sizes, sz.N)


def xcol_view(sz: Sizes, layout: str, radices: Sequence[Any] | None = None) -> View:
    """``X_col[g, l, col] := vec_patch[n, g, o..., l]`` with ``(n, o...)`` decoded from col."""
    from ..forms import Im2colLayout

    g, flat, col = sz.g, sz.flat, _var("col")
    order = radices or column(sz, layout)[1]
    digits = mixed_radix_digits(col, order)
    if Im2colLayout(layout) is Im2colLayout.BATCH_SLOWEST:
        n, o = digits[0], digits[1:]
    else:
        n, o = digits[-1], digits[:-1]
    return View("X_col", (g, flat, col), Access("vec_patch", (n, g, *o, flat)),
                f"X_col columns in {Im2colLayout(layout).value} order (forms.im2col)")


def im2col(sz: Sizes, layout: str = "batch-slowest",
           padding: Padding = Padding.EXPLICIT) -> Formulation:
    """``(W_row @ X_col)[g, j, col] = Σ_l W_row[g, j, l] · X_col[g, l, col]`` read back at the
    entry's column (forms.im2col_matmul)."""
    col, _ = column(sz, layout)
    length = sympy.Mul(*sz.radices)
    term = Sum(((sz.flat, length - 1),), (Access("W_row", (sz.g, sz.j, sz.flat)),
                                       Access("X_col", (sz.g, sz.flat, col))))
    views = {**_dot_views(sz, padding), "X_col": xcol_view(sz, layout)}
    return Formulation(f"im2col matmul ({layout})", term, views, padding)


def convolution(sz: Sizes, padding: Padding = Padding.EXPLICIT,
                offset: Sequence[Any] | None = None) -> Formulation:
    """``Σ_{c,u} w[f, c, u] · xpad[n, g·Cg + c, o·s + d·(k-1-u)]`` (forms.convolve).

    ``offset`` replaces ``k-1-u`` per axis (to state wrong variants in tests).
    """
    taps = offset or [k - 1 - u for k, u in zip(sz.K, sz.u)]
    positions = [o * s + d * t for o, s, d, t in zip(sz.o, sz.s, sz.d, taps)]
    term = Sum(sz.taps, (_weight(sz), _xpad(sz, sz.n, sz.g * sz.Cg + sz.c, positions, padding)))
    return Formulation("true convolution", term, {}, padding)


def flip_view(sz: Sizes, name: str = "flip_w", target: str = "w") -> View:
    """``flip_w[f, c, u...] := w[f, c, k-1-u...]`` (forms.flip)."""
    i = (sz.f, sz.c, *sz.u)
    return View(name, i, Access(target, (i[0], i[1], *(k - 1 - u for k, u in zip(
        sz.K, i[2:])))), f"{name} = flip({target}) mirrors every kernel axis")


def flipped_correlation(sz: Sizes, padding: Padding = Padding.EXPLICIT) -> Formulation:
    """``Σ_{c,u} flip_w[f, c, u] · xpad[n, g·Cg + c, o·s + u·d]`` (correlate of flip(w))."""
    positions = [o * s + u * d for o, s, u, d in zip(sz.o, sz.s, sz.u, sz.d)]
    term = Sum(sz.taps, (Access("flip_w", (sz.filter, sz.c, *sz.u)),
                         _xpad(sz, sz.n, sz.g * sz.Cg + sz.c, positions, padding)))
    return Formulation("correlation with flip(w)", term, {"flip_w": flip_view(sz)}, padding)


def flip_flip(sz: Sizes) -> Formulation:
    """``flip(flip(w))[f, c, u...]`` for one weight entry."""
    term = Sum((), (Access("flip_flip_w", (sz.f, sz.c, *sz.u)),))
    views = {"flip_flip_w": flip_view(sz, "flip_flip_w", "flip_w"), "flip_w": flip_view(sz)}
    return Formulation("flip(flip(w))", term, views)


def weight(sz: Sizes) -> Formulation:
    """``w[f, c, u...]`` for one weight entry."""
    return Formulation("w", Sum((), (Access("w", (sz.f, sz.c, *sz.u)),)))
