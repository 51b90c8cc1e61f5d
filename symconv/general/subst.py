"""Capture-avoiding substitution: the one place general/ replaces variables by expressions.

A :class:`~symconv.general.terms.Sum` binds its summation variables; its bounds live outside
that scope (a box), and its factors are binder-free accesses.  :func:`substitute` replaces free
variables only: a key that the sum binds is left alone in the body, and a bound variable that
occurs free in an incoming expression is first renamed to a :func:`fresh` symbol, so nothing
is captured.  Two sympy symbols are the same variable only when sympy says they are equal
(name *and* assumptions); fresh names avoid every name in scope, so printing stays unambiguous.

>>> import sympy
>>> from symconv.general.terms import Access, Sum
>>> o, u = sympy.symbols("o u", integer=True, nonnegative=True)
>>> K = sympy.Symbol("K", integer=True, positive=True)
>>> t = Sum(((o, K - 1),), (Access("x", (o + u,)),))
>>> print(substitute(t, {u: 2 * o}))  # the bound o is renamed before the free o comes in
Σ_{o1<K} x[2*o + o1]
>>> print(substitute(t, {o: 0}))  # o is bound: nothing free to replace
Σ_{o<K} x[o + u]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import sympy

from ..errors import SymconvError
from .terms import Access, Derivative, Sum, View

__all__ = ["free_symbols", "bound_symbols", "fresh", "substitute", "rename_bound", "open_binder"]

T = TypeVar("T", sympy.Expr, Access, Sum)


def free_symbols(obj: Any) -> set[sympy.Symbol]:
    """The free variables of an expression, access, sum (bounds included) or view.

    >>> import sympy
    >>> from symconv.general.terms import Access, Sum
    >>> a, b = sympy.symbols("a b", integer=True, nonnegative=True)
    >>> sorted(map(str, free_symbols(Sum(((a, b),), (Access("x", (a * b,)),)))))
    ['b']
    """
    if isinstance(obj, Access):
        out: set[sympy.Symbol] = set()
        for e in obj.expressions():
            out |= e.free_symbols
        return out
    if isinstance(obj, Sum):
        body: set[sympy.Symbol] = set()
        for f in obj.factors:
            body |= free_symbols(f)
        bounds: set[sympy.Symbol] = set()
        for _, hi in obj.bounds:
            bounds |= sympy.sympify(hi).free_symbols
        return (body - set(obj.variables)) | bounds
    if isinstance(obj, View):
        return free_symbols(obj.body) - set(obj.formals)
    if isinstance(obj, Derivative):
        return free_symbols(obj.term) | free_symbols(Access(obj.tensor, obj.index))
    return set(sympy.sympify(obj).free_symbols)


def bound_symbols(term: Sum) -> set[sympy.Symbol]:
    """The summation variables of ``term``."""
    return set(term.variables)


def fresh(base: sympy.Symbol, avoid: Iterable[sympy.Symbol]) -> sympy.Symbol:
    """A symbol with ``base``'s assumptions whose name is used by no symbol in ``avoid``.

    >>> import sympy
    >>> c = sympy.Symbol("c", integer=True, nonnegative=True)
    >>> fresh(c, {c, sympy.Symbol("c1")})
    c2
    """
    names = {str(s) for s in avoid}
    stem = str(base).rstrip("0123456789") or "v"
    for number in range(1, 10_000):
        candidate = f"{stem}{number}"
        if candidate not in names:
            return sympy.Symbol(candidate, **base.assumptions0)
    raise SymconvError(f"fresh: no fresh name for {base} among 10000 "  # pragma: no cover
                       "candidates")


def _check_keys(mapping: Mapping[Any, Any]) -> dict[sympy.Symbol, sympy.Expr]:
    out = {}
    for key, value in mapping.items():
        if not isinstance(key, sympy.Symbol):
            raise SymconvError(f"substitute: keys must be variables (sympy symbols), got "
                               f"{key!r}; replace sub-expressions with a rule instead")
        out[key] = sympy.sympify(value)
    return out


def rename_bound(term: Sum, avoid: Iterable[sympy.Symbol],
                 taken: Iterable[sympy.Symbol] = ()) -> Sum:
    """``term`` with every summation variable in ``avoid`` renamed to a fresh one (alpha).

    New names avoid ``avoid``, ``taken`` and every symbol of ``term``.
    """
    avoid = set(avoid)
    clash = [v for v in term.variables if v in avoid]
    if not clash:
        return term
    used = avoid | set(taken) | free_symbols(term) | bound_symbols(term)
    for f in term.factors:
        used |= free_symbols(f)
    renaming: dict[sympy.Symbol, sympy.Expr] = {}
    for v in clash:
        renaming[v] = fresh(v, used)
        used.add(renaming[v])
    bounds = tuple((renaming.get(v, v), hi) for v, hi in term.bounds)
    # the body is binder-free and the new names are fresh: a plain simultaneous replacement
    return Sum(bounds, tuple(f.xreplace(renaming) for f in term.factors))


def substitute(obj: T, mapping: Mapping[Any, Any]) -> T:
    """Replace free variables simultaneously, renaming bound ones that would capture.

    On an expression or an access (binder-free) this is a simultaneous replacement; on a sum
    keys bound by the sum are ignored in its body (they are other variables there) and its
    bounds, which live outside its scope (a box), get the mapping too.
    """
    sigma = _check_keys(mapping)
    if isinstance(obj, Access):
        return obj.xreplace(sigma)
    if isinstance(obj, Sum):
        free = free_symbols(obj)
        incoming: set[sympy.Symbol] = set()
        for key, value in sigma.items():
            if key in free:
                incoming |= value.free_symbols
        # bound variables that an incoming expression mentions are renamed apart; new names
        # also avoid the keys, so that no renamed variable is itself replaced
        term = rename_bound(obj, incoming, taken=set(sigma) | incoming)
        inner = {k: e for k, e in sigma.items() if k not in bound_symbols(term)}
        bounds = tuple((v, sympy.sympify(hi).xreplace(inner)) for v, hi in term.bounds)
        return Sum(bounds, tuple(f.xreplace(inner) for f in term.factors))
    if isinstance(obj, View):
        raise SymconvError("substitute: a view is a definition; apply it with View.apply")
    return sympy.sympify(obj).xreplace(sigma)


def open_binder(term: Sum, var: sympy.Symbol) -> tuple[int, sympy.Expr, Sum]:
    """``(position, bound, body)``: ``term`` with ``var`` no longer summed (free in body)."""
    if var not in term.variables:
        raise SymconvError(f"variable: {var} is not summed over in {term}")
    position = term.variables.index(var)
    hi = term.bounds[position][1]
    rest = term.bounds[:position] + term.bounds[position + 1:]
    return position, hi, Sum(rest, term.factors)
