"""Winograd minimal-filtering transforms by Cook–Toom (Lagrange) interpolation, exactly.

``winograd_transforms(m, r)`` returns ``(AT, G, BT)`` as ``sympy.Matrix`` objects with exact
``Rational`` entries such that, for a tile ``d`` of length ``α = m + r - 1`` and a filter ``g`` of
length ``r``, ``AT * ((G * g).multiply_elementwise(BT * d))`` is the CORRELATION
``y[i] = Σ_u g[u]·d[i + u]`` for ``i < m`` (the CNN convention, what frameworks call "conv").

Construction (the transposition principle): with ``V_k`` the α×k matrix that evaluates a
polynomial of degree ``k - 1`` at the points (the point at infinity reads the leading
coefficient), the linear convolution of ``g`` and ``a`` is ``V_α⁻¹[(V_r g) ⊙ (V_m a)]``; its
transpose in ``a`` is the correlation, so ``AT = V_mᵀ``, ``G = V_r`` and ``BT = (V_α⁻¹)ᵀ``.

>>> AT, G, BT = winograd_transforms(2, 3)
>>> AT
Matrix([
[1, 1,  1, 0],
[0, 1, -1, 1]])
>>> G
Matrix([
[1,  0, 0],
[1,  1, 1],
[1, -1, 1],
[0,  0, 1]])
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import sympy

from ..errors import SymconvError

__all__ = ["INFINITY", "default_points", "winograd_transforms", "convolution_transforms",
           "Transforms"]

#: The point at infinity (evaluation there reads a polynomial's leading coefficient).
INFINITY = sympy.oo

Transforms = tuple[sympy.Matrix, sympy.Matrix, sympy.Matrix]


def default_points(count: int) -> list[sympy.Rational]:
    """The first ``count`` finite points of the usual sequence ``0, 1, -1, 1/2, -1/2, 2, -2,
    1/4, -1/4, 4, -4, ...`` (small magnitudes first: the choice that keeps float error low).

    >>> default_points(7)
    [0, 1, -1, 1/2, -1/2, 2, -2]
    """
    points: list[sympy.Rational] = [sympy.Integer(0), sympy.Integer(1), sympy.Integer(-1)]
    j = 1
    while len(points) < count:
        small, big = sympy.Rational(1, 2**j), sympy.Integer(2**j)
        points += [small, -small, big, -big]
        j += 1
    return points[:count]


def _positive(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise SymconvError(f"{field}: expected an integer >= 1, got {value!r}; "
                           f"use e.g. {field}=2")
    return int(value)


def _point(value: Any) -> sympy.Expr:
    """One interpolation point as an exact sympy number (or :data:`INFINITY`)."""
    if value is INFINITY or value == sympy.oo:
        return INFINITY
    if isinstance(value, (bool, float)) or (isinstance(value, sympy.Basic)
                                            and not isinstance(value, sympy.Rational)):
        raise SymconvError(f"points: expected exact rationals, got {value!r}; write "
                           "Fraction(1, 2), sympy.Rational(1, 2) or '1/2' instead of floats")
    try:
        if isinstance(value, (numbers.Rational, Fraction, str)):
            return sympy.Rational(value) if not isinstance(value, str) else _parse(value)
    except (TypeError, ValueError, sympy.SympifyError):
        pass
    raise SymconvError(f"points: expected exact rationals, got {value!r}; write "
                       "Fraction(1, 2), sympy.Rational(1, 2) or '1/2'")


def _parse(text: str) -> sympy.Expr:
    if text.strip() in ("oo", "inf", "infinity", "∞"):
        return INFINITY
    value = sympy.Rational(text)  # ValueError/TypeError on anything but a rational literal
    return value


def interpolation_points(alpha: int, points: Sequence[Any] | None) -> list[sympy.Expr]:
    """The α points used: the defaults (α − 1 finite plus infinity), or ``points`` checked.

    ``points`` may list α − 1 finite points (infinity is then added) or α points (of which at
    most one is :data:`INFINITY`).

    >>> interpolation_points(4, ["1/2", 0, -1])
    [1/2, 0, -1, oo]
    """
    if points is None:
        return [*default_points(alpha - 1), INFINITY]
    if isinstance(points, (str, bytes)) or not isinstance(points, Sequence):
        raise SymconvError(f"points: expected a list of {alpha - 1} rationals, got "
                           f"{points!r}; pass e.g. points=[0, 1, -1]")
    chosen = [_point(p) for p in points]
    if INFINITY not in chosen and len(chosen) == alpha - 1:
        chosen.append(INFINITY)
    if len(chosen) != alpha:
        raise SymconvError(f"points: expected {alpha - 1} finite points (infinity added) or "
                           f"{alpha} in all for m + r - 1 = {alpha}, got {len(points)}; pass "
                           f"{alpha - 1} distinct rationals")
    seen: set[Any] = set()
    for p in chosen:
        if p in seen:
            raise SymconvError(f"points: expected distinct points, got {p} twice; "
                               "replace the repeated point by another rational")
        seen.add(p)
    return chosen


def _evaluation(points: Sequence[sympy.Expr], k: int) -> sympy.Matrix:
    """Rows evaluate a degree ``k - 1`` polynomial (coefficients low to high) at ``points``."""
    return sympy.Matrix([[int(j == k - 1) for j in range(k)] if p is INFINITY
                         else [p**j for j in range(k)] for p in points])


def winograd_transforms(m: int, r: int, points: Sequence[Any] | None = None) -> Transforms:
    """``(AT, G, BT)`` of Winograd's F(m, r) for CORRELATION, exact rationals.

    ``AT`` is m×α, ``G`` is α×r and ``BT`` is α×α with α = m + r − 1, and for a tile ``d``
    (length α) and filter ``g`` (length r), ``AT * ((G * g).multiply_elementwise(BT * d))``
    equals ``y[i] = Σ_u g[u]·d[i + u]``, i < m: correlation, the CNN convention.  For true
    convolution ``y[i] = Σ_u g[u]·d[i + r - 1 - u]`` reverse the filter, i.e. use
    :func:`convolution_transforms` (``G`` with its columns reversed): the roles of the two
    bilinear maps are transposed, and using one for the other is a classic mistake.

    Points: ``None`` for the literature's ``0, 1, -1, 1/2, -1/2, 2, -2, ...`` plus infinity,
    else α − 1 distinct exact rationals (infinity added) or α of them (at most one ``sympy.oo``).

    >>> AT, G, BT = winograd_transforms(2, 3)
    >>> d, g = sympy.Matrix(sympy.symbols("d0:4")), sympy.Matrix(sympy.symbols("g0:3"))
    >>> (AT * (G * g).multiply_elementwise(BT * d)).expand().T
    Matrix([[d0*g0 + d1*g1 + d2*g2, d1*g0 + d2*g1 + d3*g2]])
    >>> winograd_transforms(2, 3, points=[0, 1, 1])
    Traceback (most recent call last):
    ...
    symconv.errors.SymconvError: points: expected distinct points, got 1 twice; ...
    """
    m, r = _positive("m", m), _positive("r", r)
    alpha = m + r - 1
    chosen = interpolation_points(alpha, points)
    full = _evaluation(chosen, alpha)
    BT = full.inv().T
    return _evaluation(chosen, m).T, _evaluation(chosen, r), BT


def convolution_transforms(m: int, r: int, points: Sequence[Any] | None = None) -> Transforms:
    """``(AT, G, BT)`` for TRUE convolution ``y[i] = Σ_u g[u]·d[i + r - 1 - u]``: the
    correlation transforms with the filter reversed (``G``'s columns in reverse order).

    >>> AT, G, BT = convolution_transforms(2, 2)
    >>> d, g = sympy.Matrix(sympy.symbols("d0:3")), sympy.Matrix(sympy.symbols("g0:2"))
    >>> (AT * (G * g).multiply_elementwise(BT * d)).expand().T
    Matrix([[d0*g1 + d1*g0, d1*g1 + d2*g0]])
    """
    AT, G, BT = winograd_transforms(m, r, points)
    return AT, G[:, ::-1], BT
