"""Backward-pass theorems as :class:`~symconv.theorems.Theorem` values (instances, exact).

Each theorem of :data:`ADJOINT_THEOREMS` is proved on one ConvSpec by
``symconv.theorems.prove(ADJOINT_THEOREMS[name], spec)`` on any carrier.  Sides that need a
third tensor (``y``, ``dout``, ``cols``) make it from the carrier of ``x`` and ``w``: fresh
Polynomial or sympy variables, or, on the vector carrier, a Space holding all three.  A side
of degree 3 (an inner product ``<conv(x, w), y>``, a loss ``sum(dout * conv(x, w))``) is beyond
the vector carrier's bilinear forms: it raises :class:`~symconv.vector.UnsupportedError`, and
``backend='auto'`` proves it on the ring carrier instead.  The gradients are derived by exact
differentiation (:func:`gradient`), never assumed.  The registry of :mod:`symconv.theorems` lists
them after the forward theorems.

>>> from symconv import ConvSpec, prove
>>> proof = prove(ADJOINT_THEOREMS["transposed-is-adjoint"], ConvSpec((5,), (3,), stride=2))
>>> bool(proof), proof.positions
(True, 1)
>>> x, y = (Polynomial.variable(n) for n in "xy")
>>> gradient(x * x * y + 3 * y, np.array([x, y]))
array([2·x·y, x·x + 3], dtype=object)
"""

from __future__ import annotations

import math
from collections import defaultdict
from fractions import Fraction
from typing import Any

import numpy as np

from .adjoint import col2im, conv_transpose, weight_gradient, zero_insert
from .errors import SymconvError
from .forms import Im2colLayout, correlate, flip, im2col
from .ring import Coefficient, Monomial, Polynomial
from .spec import ConvSpec
from .tensors import Backend, symbolic_tensor
from .theorem import Theorem

__all__ = ["ADJOINT_THEOREMS", "gradient", "zero_insertion_theorem", "col2im_theorem",
           "transposed_by_zero_insertion"]

_ZEROS = "padding_mode='zeros' (the transposed convolution exists only for zero padding)"


def gradient(loss: Any, variables: Any) -> np.ndarray:
    """``d loss / d v`` for every variable ``v`` of ``variables``, exactly, in its shape.

    ``loss`` is a :class:`~symconv.ring.Polynomial` (or an int) and ``variables`` an array of
    Polynomial variables: each term ``c * v^k * m`` gives ``k * c * v^(k-1) * m`` (any degree).
    With sympy symbols, ``sympy.diff`` differentiates.

    >>> a, b = (Polynomial.variable(n) for n in "ab")
    >>> gradient(a * b * b, np.array([[a], [b]])).tolist()
    [[b·b], [2·a·b]]
    """
    variables = np.asarray(variables, dtype=object)
    flat = variables.reshape(-1)
    out = np.empty(variables.shape, dtype=object)
    if flat.size and not isinstance(flat[0], Polynomial):
        import sympy

        expr = loss.to_sympy() if isinstance(loss, Polynomial) else sympy.sympify(loss)
        out.reshape(-1)[:] = [sympy.diff(expr, v) for v in flat]
        return out
    if isinstance(loss, (int, np.integer)):
        loss = Polynomial.constant(int(loss))
    if not isinstance(loss, Polynomial):
        raise SymconvError(f"loss: expected a Polynomial (or sympy expression with sympy "
                           f"variables), got {type(loss).__name__}; build it on the ring carrier")
    names = [_variable_name(v) for v in flat]
    parts: dict[str, dict[Monomial, Coefficient]] = defaultdict(dict)
    for monomial, c in loss.terms.items():
        for v in set(monomial):
            i = monomial.index(v)  # monomials are sorted: drop one factor v
            rest = monomial[:i] + monomial[i + 1:]
            terms = parts[v]
            terms[rest] = terms.get(rest, 0) + monomial.count(v) * c
    out.reshape(-1)[:] = [Polynomial(parts.get(n, {})) for n in names]
    return out


def _variable_name(v: Any) -> str:
    if isinstance(v, Polynomial) and len(v.terms) == 1:
        ((monomial, c),) = v.terms.items()
        if c == 1 and len(monomial) == 1:
            return monomial[0]
    raise SymconvError(f"variables: expected single variables to differentiate by, got {v!r}; "
                       "pass the symbolic tensor itself, e.g. symbolic_input(spec, backend='ring')")


#: The last extended vector Space: ``(x, w, blocks, (x', w', extras))``, so that both sides of a
#: proof (called one after the other on the same x and w) share one Space.
_LAST_SPACE: list[Any] = []


def _tensors(x: Any, w: Any, blocks: dict[str, tuple[int, ...]]) -> tuple[Any, Any, dict[str, Any]]:
    """``x``, ``w`` and fresh tensors ``blocks`` (name -> shape), all on the carrier of x, w."""
    from .vector.array import FormArray

    like = x if x is not None else w
    if isinstance(like, FormArray):
        return _vector_tensors(x, w, blocks)
    backend = Backend.RING if isinstance(np.asarray(like).flat[0], Polynomial) else Backend.SYMPY
    return x, w, {n: symbolic_tensor(shape, n, backend) for n, shape in blocks.items()}


def _vector_tensors(x: Any, w: Any, blocks: dict[str, tuple[int, ...]]) -> tuple[Any, Any,
                                                                                dict[str, Any]]:
    from .vector.array import space_tensor
    from .vector.space import Space

    if _LAST_SPACE and _LAST_SPACE[0] is x and _LAST_SPACE[1] is w and _LAST_SPACE[2] == blocks:
        return _LAST_SPACE[3]
    given = {n: t for n, t in (("x", x), ("w", w)) if t is not None}
    space = Space({**{n: t.shape for n, t in given.items()}, **blocks})
    fresh = {n: space_tensor(space, n, keep=_kept(t, n)) for n, t in given.items()}
    result = (fresh.get("x"), fresh.get("w"), {n: space_tensor(space, n) for n in blocks})
    _LAST_SPACE[:] = [x, w, blocks, result]
    return result


def _kept(t: Any, name: str) -> tuple[int, int]:
    """The flat range of variables a fresh (possibly chunked) tensor ``name`` keeps."""
    from .vector.space import UnsupportedError

    positions, keys, coefficients = t.terms()
    a = int(positions[0]) if positions.size else 0
    expected = np.arange(a, a + positions.size)
    if (not np.array_equal(np.sort(positions), expected) or (coefficients is not None and (
            coefficients != 1).any()) or not np.array_equal(
            keys[np.argsort(positions)], expected + t.space.linear_offset(name))):
        raise UnsupportedError(f"{name}: expected the fresh variables of the proof's Space "
                               "(a chunk of them at most), got a computed tensor")
    return a, a + positions.size


def _total(a: Any) -> Any:
    """``a.sum()``; Polynomial entries are accumulated into one dict in one pass (``sum`` adds
    one entry at a time, copying the growing total: quadratic in the number of entries)."""
    flat = a.reshape(-1) if isinstance(a, np.ndarray) and a.dtype == object else ()
    if len(flat) and all(isinstance(v, (Polynomial, int, Fraction)) for v in flat):
        terms: dict[Monomial, Coefficient] = {}
        for v in flat:
            for m, c in (v.terms.items() if isinstance(v, Polynomial) else (((), v),)):
                terms[m] = terms.get(m, 0) + c
        return Polynomial({m: c for m, c in terms.items() if c})
    return a.sum()


def _inner(a: Any, b: Any) -> Any:
    """``<a, b> = sum(a * b)`` as a tensor of one entry."""
    total = _total(a * b)
    return total.reshape(1) if hasattr(total, "reshape") and not isinstance(
        total, Polynomial) else np.array([total], dtype=object)


def _loss(x: Any, w: Any, dout: Any, spec: ConvSpec) -> Any:
    return _total(dout * correlate(x, w, spec))


def _pad_or_crop(z: Any, sides: list[tuple[int, int]]) -> Any:
    """Pad spatial axis ``i`` by ``sides[i]``; a negative amount crops that many entries."""
    z = np.pad(z, [(0, 0), (0, 0)] + [(max(a, 0), max(b, 0)) for a, b in sides])
    crop = tuple(slice(max(-a, 0), n - max(-b, 0)) for (a, b), n in zip(sides, z.shape[2:]))
    return z[(slice(None),) * 2 + crop]


def transposed_by_zero_insertion(y: Any, w: Any, spec: ConvSpec, output_padding: Any = None,
                                 *, flipped: bool = True) -> Any:
    """``correlate(pad(zero_insert(y, s), d(k-1) - p), flip(w) with channel axes swapped)``.

    Stride 1, dilation ``d``, the padding ``d(k-1) - p_left`` near and ``d(k-1) - p_right + e``
    far (``e`` the output padding, :meth:`ConvSpec.transposed_input_size`); a negative amount
    crops instead.  ``flipped=False`` leaves the kernel unflipped (a classic mistake).

    >>> spec = ConvSpec((5,), (3,), stride=2)
    >>> transposed_by_zero_insertion(np.array([[[1, 10]]]), np.array([[[1, 2, 3]]]), spec)
    array([[[ 1,  2, 13, 20, 30]]])
    """
    size = spec.transposed_input_size(output_padding)
    g, fg, cg, k = spec.groups, spec.group_out_channels, spec.group_in_channels, spec.kernel_size
    sides = []
    for t, o, kk, s, d, (pl, pr) in zip(size, spec.output_size, k, spec.stride, spec.dilation,
                                        spec.pads):
        extra = t - ((o - 1) * s - pl - pr + d * (kk - 1) + 1)  # the output padding e
        sides.append((d * (kk - 1) - pl, d * (kk - 1) - pr + extra))
    z = _pad_or_crop(zero_insert(y, spec.stride), sides)
    swapped = np.swapaxes(w.reshape(g, fg, cg, *k), 1, 2).reshape(spec.in_channels, fg, *k)
    kernel = flip(swapped) if flipped else swapped
    inner = ConvSpec(z.shape[2:], k, in_channels=spec.out_channels,
                     out_channels=spec.in_channels, batch=spec.batch, dilation=spec.dilation,
                     groups=g)
    return correlate(z, kernel, inner)


def zero_insertion_theorem(output_padding: Any = None) -> Theorem:
    """``transposed-is-zero-insertion`` for one ``output_padding`` (default: the spec's input
    size), as a Theorem value for :func:`symconv.theorems.prove`.

    >>> from symconv import ConvSpec, prove
    >>> bool(prove(zero_insertion_theorem(1), ConvSpec((6,), (3,), stride=2, padding=2)))
    True
    """
    def left(x: Any, w: Any, spec: ConvSpec) -> Any:
        _, w, t = _tensors(x, w, {"y": spec.output_shape})
        return conv_transpose(t["y"], w, spec, output_padding)

    def right(x: Any, w: Any, spec: ConvSpec) -> Any:
        _, w, t = _tensors(x, w, {"y": spec.output_shape})
        return transposed_by_zero_insertion(t["y"], w, spec, output_padding)

    return Theorem(
        "transposed-is-zero-insertion",
        "conv_transpose(y, w) = correlate(pad(zero_insert(y, s), d(k-1) - p, + output_padding "
        "far side), flip(w) with its channel axes swapped per group), stride 1, dilation d",
        left, right, "conv_transpose(y, w)", "correlate(pad(zero_insert(y)), flip(w^T))",
        f"{_ZEROS}; output_padding {output_padding!r}; on a side where d(k-1) - p < 0 the "
        "zero-inserted y is cropped by p - d(k-1) instead of padded", uses="w",
        requires_zero_padding=True)


def col2im_theorem(layout: Im2colLayout | str = Im2colLayout.BATCH_SLOWEST) -> Theorem:
    """``col2im-is-adjoint-of-im2col`` for one column layout: ``<im2col(x), cols> = <x,
    col2im(cols)>`` for every x and cols.

    >>> from symconv import ConvSpec, prove
    >>> bool(prove(col2im_theorem("batch-fastest"), ConvSpec((4, 4), (2, 2), batch=2)))
    True
    """
    def shape(spec: ConvSpec) -> dict[str, tuple[int, ...]]:
        return {"cols": (spec.groups, spec.products_per_output,
                         spec.batch * math.prod(spec.output_size))}

    def left(x: Any, w: Any, spec: ConvSpec) -> Any:
        x, _, t = _tensors(x, w, shape(spec))
        return _inner(im2col(x, spec, layout), t["cols"])

    def right(x: Any, w: Any, spec: ConvSpec) -> Any:
        x, _, t = _tensors(x, w, shape(spec))
        return _inner(x, col2im(t["cols"], spec, layout))

    return Theorem("col2im-is-adjoint-of-im2col",
                   f"<im2col(x), cols> = <x, col2im(cols)> (columns {Im2colLayout(layout).value})",
                   left, right, "<im2col(x), cols>", "<x, col2im(cols)>", _ZEROS, uses="x",
                   requires_zero_padding=True)


def _y(x: Any, w: Any, spec: ConvSpec, name: str) -> tuple[Any, Any, Any]:
    x, w, t = _tensors(x, w, {name: spec.output_shape})
    return x, w, t[name]


def _adjoint_left(x: Any, w: Any, spec: ConvSpec) -> Any:
    x, w, y = _y(x, w, spec, "y")
    return _inner(correlate(x, w, spec), y)


def _adjoint_right(x: Any, w: Any, spec: ConvSpec) -> Any:
    x, w, y = _y(x, w, spec, "y")
    return _inner(x, conv_transpose(y, w, spec))


def _input_gradient_left(x: Any, w: Any, spec: ConvSpec) -> Any:
    x, w, dout = _y(x, w, spec, "dout")
    return gradient(_loss(x, w, dout, spec), x)


def _input_gradient_right(x: Any, w: Any, spec: ConvSpec) -> Any:
    x, w, dout = _y(x, w, spec, "dout")
    return conv_transpose(dout, w, spec)


def _weight_gradient_left(x: Any, w: Any, spec: ConvSpec) -> Any:
    x, w, dout = _y(x, w, spec, "dout")
    return gradient(_loss(x, w, dout, spec), w)


def _weight_gradient_right(x: Any, w: Any, spec: ConvSpec) -> Any:
    x, w, dout = _y(x, w, spec, "dout")
    return weight_gradient(x, dout, spec)


_DEGREE3 = ("; a side is of degree 3 in (x, w, {}), so the vector carrier declines it and "
            "backend='auto' proves it on the ring carrier")

#: The backward-pass theorems by name (registered after the forward ones in symconv.theorems).
ADJOINT_THEOREMS: dict[str, Theorem] = {t.name: t for t in (
    Theorem("transposed-is-adjoint",
            "<conv(x, w), y> = <x, conv_transpose(y, w)> for every x, w and y (the matrix of the "
            "transposed convolution is C^T)",
            _adjoint_left, _adjoint_right, "<correlate(x, w), y>", "<x, conv_transpose(y, w)>",
            _ZEROS + _DEGREE3.format("y"), requires_zero_padding=True),
    zero_insertion_theorem(),
    col2im_theorem(),
    Theorem("input-gradient-is-transposed-convolution",
            "dL/dx = conv_transpose(dout, w) for L = sum(dout * correlate(x, w)), dL/dx by exact "
            "differentiation of L",
            _input_gradient_left, _input_gradient_right, "gradient(L, x)",
            "conv_transpose(dout, w)", _ZEROS + _DEGREE3.format("dout"),
            requires_zero_padding=True),
    Theorem("weight-gradient-is-correlation",
            "dL/dw[f,c,u] = sum_{n,o} dout[n,f,o] * xpad[n,c,o*s+u*d] for L = sum(dout * "
            "correlate(x, w)), dL/dw by exact differentiation of L",
            _weight_gradient_left, _weight_gradient_right, "gradient(L, w)",
            "weight_gradient(x, dout)",
            "every ConvSpec, every padding mode" + _DEGREE3.format("dout")),
)}
