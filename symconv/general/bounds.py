"""A small sound bound checker for affine index expressions over boxes and size symbols.

Size symbols carry sympy assumptions: ``positive`` (so ``>= 1``, being integers) or
``nonnegative`` (``>= 0``).  :func:`provably_nonnegative` shifts every symbol to its least value
(``S = 1 + S'``) and accepts a polynomial only when every coefficient is then ``>= 0``: a
sufficient condition, so it can refuse a true inequality but never accepts a false one.
:func:`affine_range` bounds ``a0 + Σ a_v·v`` over a box ``0 <= v <= hi_v`` when the sign of each
coefficient ``a_v`` is provable; otherwise it refuses.

>>> import sympy
>>> K, O = sympy.symbols("K O", integer=True, positive=True)
>>> o, u = sympy.symbols("o u", integer=True, nonnegative=True)
>>> provably_nonnegative(K * O - 1), provably_nonnegative(K - O)
(True, False)
>>> affine_range(o * K + u, {o: O - 1, u: K - 1})
(0, K*O - 1)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy

from ..errors import SymconvError
from .subst import substitute
from .terms import floor_atoms, render

__all__ = ["BoundError", "least_value", "provably_nonnegative", "affine_range"]


class BoundError(SymconvError):
    """A bound could not be proved (the checker refuses rather than guess)."""


def least_value(symbol: sympy.Symbol) -> int | None:
    """1 for a positive integer symbol, 0 for a nonnegative one, ``None`` otherwise."""
    if not symbol.is_integer:
        return None
    if symbol.is_positive:
        return 1
    if symbol.is_nonnegative:
        return 0
    return None


def provably_nonnegative(expr: Any) -> bool:
    """True when ``expr >= 0`` follows from the size symbols' least values (sound, incomplete)."""
    expr = sympy.expand(sympy.sympify(expr))
    if floor_atoms(expr):
        return False
    symbols = sorted(expr.free_symbols, key=str)
    shift = {}
    for s in symbols:
        least = least_value(s)
        if least is None:
            return False
        if least:
            shift[s] = s + least
    expr = sympy.expand(substitute(expr, shift))
    if not symbols:
        return bool(expr.is_Rational and expr >= 0)
    poly = sympy.Poly(expr, *symbols)
    return all(c.is_Rational and c >= 0 for c in poly.coeffs())


def affine_range(expr: Any, box: Mapping[sympy.Symbol, Any]) -> tuple[sympy.Expr, sympy.Expr]:
    """``(lo, hi)`` with ``lo <= expr <= hi`` for every point of the box; raises BoundError.

    ``expr`` must be affine in the box variables, with coefficients whose sign is provable.
    """
    expr = sympy.expand(sympy.sympify(expr))
    if floor_atoms(expr):
        raise BoundError(f"bound: {render(expr)} still contains floor/mod; simplify those first")
    variables = [v for v in box if v in expr.free_symbols]
    lo = hi = substitute(expr, {v: 0 for v in variables})
    lo = hi = sympy.expand(lo)
    for v in variables:
        a = sympy.expand(expr.diff(v))
        if a.free_symbols & set(variables):
            raise BoundError(f"bound: {render(expr)} is not affine in {v} (coefficient "
                             f"{render(a)}); the checker handles affine expressions only")
        if provably_nonnegative(a):
            hi = hi + a * box[v]
        elif provably_nonnegative(-a):
            lo = lo + a * box[v]
        else:
            raise BoundError(f"bound: cannot tell the sign of the coefficient {render(a)} of "
                             f"{v} in {render(expr)}")
    return sympy.expand(lo), sympy.expand(hi)
