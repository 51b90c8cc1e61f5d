"""Index-level descriptions of the backward pass (symconv.adjoint), over symbolic sizes.

The scatter forms are sums with Iverson brackets ``[a = b]``: the transposed convolution at an
input entry ``(n, g·Cg + c, i)`` is ``Σ_{j<Fg, o<O, u<k} [o·s + u·d = i + pl]·w[g·Fg + j, c, u]·
y[n, g·Fg + j, o]`` (per axis), zero insertion is ``zi[n, f, q] = Σ_{o<O} [q = o·s]·y[n, f, o]``
and the zero-padded input is the view ``xpad0[n, c, q] := Σ_{i<I} [q = i + pl]·x[n, c, i]``
(padding_mode zeros: x extended by zeros).  Inner products and losses are sums with an empty
entry box (kind ``'scalar'``); gradients are :class:`~symconv.general.terms.Derivative` values.
Each is tied to the numpy code by instantiation (tests/test_general_adjoint.py).

>>> sz = Sizes.make(1)
>>> print(transposed(sz).term)
Σ_{j<Fg, o<O, u<k} [d*u + o*s = i + pl]·w[Fg*g + j, c, u]·y[n, Fg*g + j, o]
>>> print(zero_padded_view(sz))
xpad0[n, c, q] := Σ_{i<L} [q = i + pl]·x[n, c, i]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy

from ..errors import SymconvError
from .formulations import Formulation, Sizes, column, vec_view, xcol_view
from .terms import Access, Box, Derivative, Sum, View, bracket

__all__ = ["KINDS", "positions", "entry_box", "place", "shape", "column_digits",
           "zero_padded_view", "conv_view", "transposed", "transposed_view", "inner_conv",
           "inner_transposed", "zero_insertion",
           "inner_im2col", "inner_col2im", "loss_gradient", "weight_gradient"]

#: the kinds of entries a statement ranges over
KINDS = ("output", "weight", "input", "scalar", "grouped-weight")


def _var(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, integer=True, nonnegative=True)


def _axes(sz: Sizes, stem: str) -> tuple[sympy.Symbol, ...]:
    if sz.rank == 1:
        return (_var(stem),)
    names = {2: ("h", "w"), 3: ("d", "h", "w")}[sz.rank]
    return tuple(_var(stem + a) for a in names)


def positions(sz: Sizes) -> tuple[sympy.Symbol, ...]:
    """The input positions ``i`` (rank 1) or ``ih, iw`` / ``id, ih, iw`` of an input entry."""
    return _axes(sz, "i")


def entry_box(sz: Sizes, kind: str) -> Box:
    """The entry variables and bounds a statement of ``kind`` ranges over.

    >>> entry_box(Sizes.make(1), "input")
    ((n, N - 1), (g, G - 1), (c, Cg - 1), (i, L - 1))
    """
    if kind == "output":
        return sz.entry
    if kind == "weight":
        return sz.weight_entry
    if kind == "input":
        return ((sz.n, sz.N - 1), (sz.g, sz.G - 1), (sz.c, sz.Cg - 1),
                *((i, size - 1) for i, size in zip(positions(sz), sz.in_sizes)))
    if kind == "scalar":
        return ()
    if kind == "grouped-weight":
        return ((sz.g, sz.G - 1), (sz.j, sz.Fg - 1), (sz.c, sz.Cg - 1),
                *((u, k - 1) for u, k in zip(sz.u, sz.K)))
    raise SymconvError(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")


def place(kind: str, point: Sequence[int], spec: Any) -> tuple[int, ...]:
    """Where an entry point of ``kind`` sits in the tensor the code returns."""
    if kind == "output":
        n, g, j, *o = point
        return (n, g * spec.group_out_channels + j, *o)
    if kind == "input":
        n, g, c, *i = point
        return (n, g * spec.group_in_channels + c, *i)
    if kind == "grouped-weight":
        g, j, c, *u = point
        return (g * spec.group_out_channels + j, c, *u)
    return (0,) if kind == "scalar" else tuple(point)


def shape(kind: str, spec: Any) -> tuple[int, ...]:
    """The shape of the tensor a statement of ``kind`` describes at ``spec``."""
    return {"output": spec.output_shape, "input": spec.input_shape, "scalar": (1,)}.get(
        kind, spec.weight_shape)


def _brackets(lhs: Sequence[Any], rhs: Sequence[Any]) -> tuple[Access, ...]:
    return tuple(bracket(a, b) for a, b in zip(lhs, rhs))


def zero_padded_view(sz: Sizes) -> View:
    """``xpad0[n, c, q] := Σ_{i<I} [q = i + pl]·x[n, c, i]``: x padded by zeros (any right pad)."""
    q, i = _axes(sz, "q"), positions(sz)
    body = Sum(tuple((v, size - 1) for v, size in zip(i, sz.in_sizes)),
               (*_brackets(q, [v + p for v, p in zip(i, sz.pl)]), Access("x", (sz.n, sz.c, *i))))
    return View("xpad0", (sz.n, sz.c, *q), body, "xpad0 = pad(x) with zeros: x at q - pl, "
                "zero elsewhere (padding_mode zeros)")


def conv_view(sz: Sizes, zeros: bool = True) -> View:
    """``conv[n, g, j, o] := Σ_{c,u} w[g·Fg + j, c, u]·xpad[n, g·Cg + c, o·s + u·d]`` (the
    definition); ``zeros`` reads ``xpad0`` (zero padding), else ``xpad{pads}`` (any mode)."""
    at = [o * s + u * d for o, s, u, d in zip(sz.o, sz.s, sz.u, sz.d)]
    padded = Access("xpad0", (sz.n, sz.g * sz.Cg + sz.c, *at)) if zeros else \
        Access("xpad", (sz.n, sz.g * sz.Cg + sz.c, *at), sz.pads())
    body = Sum(sz.taps, (Access("w", (sz.filter, sz.c, *sz.u)), padded))
    return View("conv", (sz.n, sz.g, sz.j, *sz.o), body, "conv = correlate(x, w) (the "
                "definition, forms.correlate)")


def _conv_views(sz: Sizes, zeros: bool) -> dict[str, View]:
    views = {"conv": conv_view(sz, zeros)}
    if zeros:
        views["xpad0"] = zero_padded_view(sz)
    return views


def transposed(sz: Sizes, tensor: str = "y", *, stride: Sequence[Any] | None = None,
               left_pads: Sequence[Any] | None = None) -> Formulation:
    """``conv_transpose(y, w)[n, g·Cg + c, i] = Σ_{j,o,u} [o·s + u·d = i + pl]·w·y``.

    The entry ranges over every ``i < I`` for every ``I``: output_padding only fixes ``I``.
    ``stride`` and ``left_pads`` replace ``s`` and ``pl`` (to state wrong variants in tests).
    """
    s, pl = stride or sz.s, left_pads or sz.pl
    at = [o * st + u * d for o, st, u, d in zip(sz.o, s, sz.u, sz.d)]
    box = ((sz.j, sz.Fg - 1), *((o, size - 1) for o, size in zip(sz.o, sz.out_sizes)),
           *((u, k - 1) for u, k in zip(sz.u, sz.K)))
    term = Sum(box, (*_brackets(at, [i + p for i, p in zip(positions(sz), pl)]),
                     Access("w", (sz.filter, sz.c, *sz.u)),
                     Access(tensor, (sz.n, sz.filter, *sz.o))))
    return Formulation(f"conv_transpose({tensor}, w)", term)


def transposed_view(sz: Sizes, tensor: str = "y", **wrong: Any) -> View:
    """``ct[n, g, c, i] :=`` :func:`transposed` at that input entry."""
    return View("ct", (sz.n, sz.g, sz.c, *positions(sz)), transposed(sz, tensor, **wrong).term,
                f"ct = conv_transpose({tensor}, w) (adjoint.conv_transpose)")


def _input_sum(sz: Sizes, name: str) -> Sum:
    """``Σ_{n,g,c,i} x[n, g·Cg + c, i]·name[n, g, c, i]``: an inner product with x."""
    box = entry_box(sz, "input")
    ch = sz.g * sz.Cg + sz.c
    return Sum(box, (Access("x", (sz.n, ch, *positions(sz))),
                     Access(name, (sz.n, sz.g, sz.c, *positions(sz)))))


def _output_sum(sz: Sizes, tensor: str) -> Sum:
    """``Σ_{n,g,j,o} conv[n, g, j, o]·tensor[n, g·Fg + j, o]``: an inner product with conv."""
    return Sum(sz.entry, (Access("conv", (sz.n, sz.g, sz.j, *sz.o)),
                          Access(tensor, (sz.n, sz.filter, *sz.o))))


def inner_conv(sz: Sizes) -> Formulation:
    """``<correlate(x, w), y>`` with zero padding."""
    return Formulation("<correlate(x, w), y>", _output_sum(sz, "y"), _conv_views(sz, True))


def inner_transposed(sz: Sizes, **wrong: Any) -> Formulation:
    """``<x, conv_transpose(y, w)>``."""
    return Formulation("<x, conv_transpose(y, w)>", _input_sum(sz, "ct"),
                       {"ct": transposed_view(sz, "y", **wrong)})


def zero_insertion(sz: Sizes, flipped: bool = True) -> Formulation:
    """``correlate(pad(zero_insert(y, s), d(k-1) - pl), flip(w) channels swapped)`` at
    ``(n, g·Cg + c, i)``: ``Σ_{j,u} wflip[g, c, j, u]·zpad[n, g·Fg + j, i + u·d]``.

    ``zi`` is zero outside its entries, so padding by ``P = d(k-1) - pl`` or, when ``P < 0``,
    cropping by ``-P`` is the one view ``zpad[n, f, q] := zi[n, f, q - P]``.
    """
    q, f = _axes(sz, "q"), sz.f
    taps = [k - 1 - u if flipped else u for k, u in zip(sz.K, sz.u)]
    wflip = View("wflip", (sz.g, sz.c, sz.j, *sz.u), Access("w", (sz.filter, sz.c, *taps)),
                 "wflip = flip(w) with its channel axes swapped per group" if flipped else
                 "wflip = w with its channel axes swapped per group (not flipped)")
    zi = View("zi", (sz.n, f, *q), Sum(tuple((o, size - 1) for o, size in zip(
        sz.o, sz.out_sizes)), (*_brackets(q, [o * s for o, s in zip(sz.o, sz.s)]),
                               Access("y", (sz.n, f, *sz.o)))),
              "zi = zero_insert(y, s): y[o] at q = o·s, zero elsewhere")
    shift = [d * (k - 1) - pl for d, k, pl in zip(sz.d, sz.K, sz.pl)]
    moved = tuple(a - b for a, b in zip(q, shift))
    zpad = View("zpad", (sz.n, f, *q), Access("zi", (sz.n, f, *moved)),
                "zpad = zi padded by d(k-1) - pl (cropped where negative)")
    at = [i + u * d for i, u, d in zip(positions(sz), sz.u, sz.d)]
    box = ((sz.j, sz.Fg - 1), *((u, k - 1) for u, k in zip(sz.u, sz.K)))
    term = Sum(box, (Access("wflip", (sz.g, sz.c, sz.j, *sz.u)),
                     Access("zpad", (sz.n, sz.filter, *at))))
    return Formulation("correlate(pad(zero_insert(y)), flip(w^T))", term,
                       {"wflip": wflip, "zi": zi, "zpad": zpad})


def _row(sz: Sizes) -> sympy.Expr:
    radices = sz.radices
    digits = (sz.c, *sz.u)
    return sum((d * sympy.Mul(*radices[i + 1:]) for i, d in enumerate(digits)), sympy.Integer(0))


def column_digits(sz: Sizes, layout: str) -> tuple[tuple[Any, ...], tuple[sympy.Symbol, ...]]:
    """The radices of an im2col column and its digit variables, most significant first."""
    _, radices = column(sz, layout)
    digits = (sz.n, *sz.o) if radices[0] == sz.N else (*sz.o, sz.n)
    return radices, digits


def inner_im2col(sz: Sizes, layout: str = "batch-slowest") -> Formulation:
    """``<im2col(x), cols> = Σ_{g, l, col} X_col[g, l, col]·cols[g, l, col]`` (zero padding)."""
    flat, col = sz.flat, _var("col")
    n_cols = sympy.Mul(*column(sz, layout)[1])
    box = ((sz.g, sz.G - 1), (flat, sympy.Mul(*sz.radices) - 1), (col, n_cols - 1))
    term = Sum(box, (Access("X_col", (sz.g, flat, col)), Access("cols", (sz.g, flat, col))))
    at = [o * s + u * d for o, s, u, d in zip(sz.o, sz.s, sz.u, sz.d)]
    patch = View("patch", (sz.n, sz.g, *sz.o, sz.c, *sz.u),
                 Access("xpad0", (sz.n, sz.g * sz.Cg + sz.c, *at)),
                 "patches(x)[n, g·Cg + c, o..., u...] is xpad0 at o·s + u·d")
    views = {"X_col": xcol_view(sz, layout), "patch": patch, "xpad0": zero_padded_view(sz),
             "vec_patch": vec_view("vec_patch", "patch", (sz.n, sz.g, *sz.o, flat), sz.radices,
                                   "vec(patch) in (c, u...) row-major order (reshape)")}
    return Formulation(f"<im2col(x), cols> ({layout})", term, views)


def inner_col2im(sz: Sizes, layout: str = "batch-slowest") -> Formulation:
    """``<x, col2im(cols)>``; ``col2im(cols)[n, g·Cg + c, i] = Σ_{o,u} [o·s + u·d = i + pl]·
    cols[g, row(c, u), column(n, o)]`` (row-major rows, the layout's columns)."""
    col, _ = column(sz, layout)
    at = [o * s + u * d for o, s, u, d in zip(sz.o, sz.s, sz.u, sz.d)]
    box = (*((o, size - 1) for o, size in zip(sz.o, sz.out_sizes)),
           *((u, k - 1) for u, k in zip(sz.u, sz.K)))
    body = Sum(box, (*_brackets(at, [i + p for i, p in zip(positions(sz), sz.pl)]),
                     Access("cols", (sz.g, _row(sz), col))))
    view = View("c2i", (sz.n, sz.g, sz.c, *positions(sz)), body,
                f"c2i = col2im(cols) with columns {layout} (adjoint.col2im)")
    return Formulation(f"<x, col2im(cols)> ({layout})", _input_sum(sz, "c2i"), {"c2i": view})


def loss_gradient(sz: Sizes, tensor: str) -> Formulation:
    """``∂L/∂x[n, g·Cg + c, i]`` (zero padding) or ``∂L/∂w[g·Fg + j, c, u]`` (any padding) of
    ``L = <correlate(x, w), dout>``, by exact differentiation."""
    if tensor == "x":
        index: tuple[Any, ...] = (sz.n, sz.g * sz.Cg + sz.c, *positions(sz))
    elif tensor == "w":
        index = (sz.filter, sz.c, *sz.u)
    else:
        raise SymconvError(f"tensor: expected 'x' or 'w', got {tensor!r}")
    loss = _output_sum(sz, "dout")
    return Formulation(f"dL/d{tensor}, L = sum(dout * correlate(x, w))",
                       Derivative(loss, tensor, index), _conv_views(sz, tensor == "x"))


def weight_gradient(sz: Sizes, swapped: bool = False) -> Formulation:
    """``Σ_{n,o} dout[n, g·Fg + j, o]·xpad[n, g·Cg + c, o·s + u·d]`` (adjoint.weight_gradient);
    ``swapped`` reads dout where xpad belongs and back (a wrong variant for tests)."""
    at = [o * s + u * d for o, s, u, d in zip(sz.o, sz.s, sz.u, sz.d)]
    box = ((sz.n, sz.N - 1), *((o, size - 1) for o, size in zip(sz.o, sz.out_sizes)))
    if swapped:
        factors = (Access("dout", (sz.n, sz.filter, *at)),
                   Access("xpad", (sz.n, sz.g * sz.Cg + sz.c, *sz.o), sz.pads()))
    else:
        factors = (Access("dout", (sz.n, sz.filter, *sz.o)),
                   Access("xpad", (sz.n, sz.g * sz.Cg + sz.c, *at), sz.pads()))
    return Formulation("weight_gradient(x, dout)", Sum(box, factors))
