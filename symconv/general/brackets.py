"""Rules for Iverson brackets and derivatives; each checks its own side conditions.

A bracket ``[a = b]`` (:func:`~symconv.general.terms.bracket`) is 1 when its sides are equal and
0 otherwise.  The facts these rules rest on:

* ``differentiate``: a sum with exactly one factor reading the tensor (views unfolded, so no
  other factor hides a read) is linear in it, and ``∂/∂x[a] Σ_P x[e(P)]·r(P) = Σ_P [e(P) =
  a]·r(P)``, the index equation written as one bracket per component;
* ``split_bracket``: if ``a - b = q·R + r`` with ``q`` an integer polynomial, ``R >= 1`` and
  ``-(R-1) <= r <= R-1`` (checked by :mod:`.bounds` over the box), then ``[a = b] = [q = 0]·[r
  = 0]`` (a nonzero ``q`` makes ``|q·R| >= R > |r|``);
* ``eliminate``: ``Σ_{v<=hi} [v = e]·f(v) = f(e)`` when ``e`` does not mention ``v``, is an
  integer polynomial and ``0 <= e <= hi`` at every point of the rest of the box (checked by
  :mod:`.bounds`); an ``e`` that may leave ``[0, hi]`` is refused (the sum would be 0 there).

>>> import sympy
>>> from symconv.general.terms import Access, Sum, bracket
>>> v, n = sympy.symbols("v n", integer=True, nonnegative=True)
>>> K, N = sympy.symbols("K N", integer=True, positive=True)
>>> t = Sum(((v, K + N - 1),), (bracket(v, n + K), Access("x", (v,))))
>>> print(eliminate(t, v, {n: N - 1}).term)
x[K + n]
>>> eliminate(Sum(((v, K - 1),), (bracket(v, K), Access("x", (v,)))), v, {})
Traceback (most recent call last):
...
symconv.general.rules.RuleError: eliminate: cannot prove 0 <= K <= K - 1 for the value of v ...
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy

from .bounds import BoundError, affine_range, provably_nonnegative
from .rules import Rewrite, RuleError, _positive_monomial, _quotient_remainder
from .subst import rename_bound
from .terms import BRACKET, Access, Derivative, Sum, View, bracket, floor_atoms, render

__all__ = ["differentiate", "split_bracket", "eliminate", "Differentiate", "SplitBrackets",
           "Eliminate"]


def _is_bracket(f: Access) -> bool:
    return f.tensor == BRACKET and len(f.index) == 2 and not f.params


def _equation(f: Access) -> sympy.Expr:
    return sympy.expand(f.index[0] - f.index[1])


def _as_bracket(e: sympy.Expr) -> Access:
    """``[e = 0]`` written with the positive terms on the left, the negative on the right."""
    left, right = sympy.Integer(0), sympy.Integer(0)
    for t in sympy.Add.make_args(sympy.expand(e)):
        if t.as_coeff_Mul()[0] < 0:
            right -= t
        else:
            left += t
    return bracket(left, right)


def _integer_polynomial(e: sympy.Expr) -> bool:
    for t in sympy.Add.make_args(sympy.expand(e)):
        coeff, rest = t.as_coeff_Mul()
        if not coeff.is_Integer:
            return False
        for base, power in rest.as_powers_dict().items():
            if base != 1 and not (base.is_Symbol and base.is_integer and power.is_Integer
                                  and power > 0):
                return False
    return True


def differentiate(derivative: Derivative, views: Mapping[str, View] = ()) -> Rewrite:
    """``∂/∂x[a] Σ_P x[e(P)]·r(P)`` as ``Σ_P [e(P) = a]·r(P)`` (binders renamed apart from
    ``a``); refused unless exactly one factor reads ``x`` and none is a view or has params."""
    if not isinstance(derivative, Derivative):
        raise RuleError(f"differentiate: expected a derivative, got {type(derivative).__name__}")
    target, index = derivative.tensor, derivative.index
    if target in views or target == BRACKET:
        raise RuleError(f"differentiate: {target} is not a base tensor")
    term = rename_bound(derivative.term, set().union(*(e.free_symbols for e in index)))
    hidden = sorted({f.tensor for f in term.factors if f.tensor in views})
    if hidden:
        raise RuleError(f"differentiate: unfold {', '.join(hidden)} first (a view may read "
                        f"{target})")
    hits = [i for i, f in enumerate(term.factors) if f.tensor == target]
    if len(hits) != 1:
        raise RuleError(f"differentiate: the summand has {len(hits)} factors reading {target}; "
                        "the rule needs exactly one (a sum linear in the tensor)")
    position = hits[0]
    read = term.factors[position]
    if read.params or len(read.index) != len(index):
        raise RuleError(f"differentiate: {read} and {Access(target, index)} do not have the "
                        "same shape of index")
    brackets = tuple(bracket(e, a) for e, a in zip(read.index, index))
    new = Sum(term.bounds, (*term.factors[:position], *brackets, *term.factors[position + 1:]))
    shown = "·".join(map(str, brackets))
    return Rewrite(new, f"exact differentiation by {target}", f"∂{read}/∂{Access(target, index)}"
                   f" = {shown}", (f"exactly one factor reads {target} and no factor is a view, "
                                   f"so the sum is linear in {target}: ∂/∂{target}[a] of "
                                   f"Σ {target}[e]·rest = Σ [e = a]·rest",))


def _box(term: Sum, free: Mapping[sympy.Symbol, Any]) -> dict[sympy.Symbol, Any]:
    return {**dict(free), **dict(term.bounds)}


def split_bracket(term: Sum, position: int, radix: Any,
                  free: Mapping[sympy.Symbol, Any]) -> Rewrite:
    """Split factor ``position``, ``[a = b]`` with ``a - b = q·R + r``, into ``[q = 0]·[r = 0]``.

    ``free`` bounds the free index variables (``v`` in ``[0, free[v]]``).
    """
    f = term.factors[position]
    if not _is_bracket(f):
        raise RuleError(f"split_bracket: factor {position} of {term} is not a bracket")
    radix = sympy.sympify(radix)
    if not _positive_monomial(radix):
        raise RuleError(f"split_bracket: the radix {render(radix)} is not a product of positive "
                        "size symbols")
    e = _equation(f)
    if floor_atoms(e):
        raise RuleError(f"split_bracket: simplify the floor/mod in {f} first")
    q, r = _quotient_remainder(e, radix)
    if q == 0 or r == 0 or not _integer_polynomial(q) or not _integer_polynomial(r):
        raise RuleError(f"split_bracket: {f} has no part {render(radix)}·q + r to split")
    try:
        lo, hi = affine_range(r, _box(term, free))
    except BoundError as err:
        raise RuleError(f"split_bracket: cannot bound {render(r)}: {err}") from None
    if not (provably_nonnegative(lo + radix - 1) and provably_nonnegative(radix - 1 - hi)):
        raise RuleError(f"split_bracket: cannot prove |{render(r)}| <= {render(radix)} - 1 (it "
                        f"ranges over [{render(lo)}, {render(hi)}])")
    parts = (_as_bracket(q), _as_bracket(r))
    new = Sum(term.bounds, (*term.factors[:position], *parts, *term.factors[position + 1:]))
    return Rewrite(new, "split a bracket by a radix", f"{f} = {parts[0]}·{parts[1]}", (
        f"{render(e)} = ({render(q)})*{render(radix)} + ({render(r)}) with |{render(r)}| <= "
        f"{render(radix)} - 1 (r in [{render(lo)}, {render(hi)}]), so it is 0 exactly when "
        "both parts are",))


def _solutions(term: Sum, var: sympy.Symbol) -> list[tuple[int, sympy.Expr]]:
    """``(position, value)`` for each bracket that reads ``var = value`` with coefficient ±1."""
    out = []
    for i, f in enumerate(term.factors):
        if not _is_bracket(f) or floor_atoms(_equation(f)):
            continue
        e = _equation(f)
        a = sympy.expand(e.diff(var))
        if a in (1, -1):
            rest = sympy.expand(e - a * var)
            if var not in rest.free_symbols:
                out.append((i, sympy.expand(-a * rest)))
    return out


def eliminate(term: Sum, var: sympy.Symbol, free: Mapping[sympy.Symbol, Any]) -> Rewrite:
    """``Σ_{var<=hi} [var = e]·f(var) = f(e)``, the value's range checked over the box."""
    if var not in term.variables:
        raise RuleError(f"eliminate: {var} is not a summation variable of {term}")
    hi = term.bound(var)
    found = _solutions(term, var)
    if not found:
        raise RuleError(f"eliminate: no bracket of {term} reads {var} = e with coefficient ±1")
    refused = []
    rest_box = {k: v for k, v in _box(term, free).items() if k != var}
    for position, value in found:
        if not _integer_polynomial(value):
            refused.append(f"{render(value)} is not an integer polynomial")
            continue
        try:
            lo, top = affine_range(value, rest_box)
        except BoundError as err:
            refused.append(str(err))
            continue
        if not (provably_nonnegative(lo) and provably_nonnegative(hi - top)):
            refused.append(f"cannot prove 0 <= {render(value)} <= {render(hi)} for the value "
                           f"of {var} (it ranges over [{render(lo)}, {render(top)}])")
            continue
        factors = tuple(f.xreplace({var: value}) for i, f in enumerate(term.factors)
                        if i != position)
        new = Sum(tuple((v, b) for v, b in term.bounds if v != var), factors)
        return Rewrite(new, "sum of a bracket (delta elimination)",
                       f"Σ_{{{var}<={render(hi)}}} {term.factors[position]}·f({var}) = "
                       f"f({render(value)})", (
                           f"{render(value)} does not mention {var}, is an integer polynomial "
                           f"and lies in [0, {render(hi)}] (it ranges over [{render(lo)}, "
                           f"{render(top)}] on the box), so exactly one {var} satisfies the "
                           "bracket",))
    raise RuleError(f"eliminate: {refused[0]}")


def _needs_sum(term: Any, rule: str) -> Sum:
    if not isinstance(term, Sum):
        raise RuleError(f"{rule}: expected a sum, got {type(term).__name__} (differentiate "
                        "first)")
    return term


@dataclass(frozen=True)
class Differentiate:
    """Rewrite the side's derivative into a sum with brackets (:func:`differentiate`)."""

    def rewrites(self, term: Any, views: Mapping[str, View], entry: Any,
                 notes: list[str]) -> list[Rewrite]:
        return [differentiate(term, views)]


@dataclass(frozen=True)
class SplitBrackets:
    """Split every bracket that decomposes by ``radix`` (:func:`split_bracket`)."""

    radix: Any

    def rewrites(self, term: Any, views: Mapping[str, View], entry: Any,
                 notes: list[str]) -> list[Rewrite]:
        term = rename_bound(_needs_sum(term, "split_bracket"), {v for v, _ in entry})
        steps = []
        position = 0
        while position < len(term.factors):
            try:
                steps.append(split_bracket(term, position, self.radix, dict(entry)))
                term = steps[-1].term
            except RuleError:
                pass
            position += 1
        return steps


@dataclass(frozen=True)
class Eliminate:
    """Eliminate every summation variable a bracket fixes in range (:func:`eliminate`)."""

    def rewrites(self, term: Any, views: Mapping[str, View], entry: Any,
                 notes: list[str]) -> list[Rewrite]:
        term = rename_bound(_needs_sum(term, "eliminate"), {v for v, _ in entry})
        steps: list[Rewrite] = []
        progressed = True
        while progressed:
            progressed = False
            for var in term.variables:
                if not _solutions(term, var):
                    continue
                try:
                    steps.append(eliminate(term, var, dict(entry)))
                except RuleError as err:
                    if str(err) not in notes:
                        notes.append(str(err))
                    continue
                term, progressed = steps[-1].term, True
                break
        return steps
