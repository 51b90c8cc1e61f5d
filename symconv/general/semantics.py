"""What a term means at concrete sizes: an environment-based evaluator, independent of the rules.

A sum is evaluated by binding its variables in an environment (so a summation variable shadows
an outer one of the same symbol) and a view access by evaluating the view's body in an
environment holding only the sizes and its formals (lexical scope).  Nothing is substituted,
so nothing can be captured.  A bracket ``[a = b]`` is 1 or 0 by comparing the two integers; a
view whose body is a sum contributes every summand of its box; a derivative differentiates the
formal polynomial itself.  Where a bracket is linear in its one unbound summation variable the
enumeration visits only that variable's solution (then evaluates the bracket like any other),
which skips points whose summand is 0 and nothing else.  Index arithmetic is exact (integers
and fractions; an index that is not an integer, a divisor below 1 or a symbol without a value
is :class:`IllFormedError`).

:func:`monomials` lists, for every point of the box, the base-tensor reads whose product is
the summand; :func:`denote` counts them, the formal polynomial in uninterpreted tensor
entries.  Two terms with equal :func:`denote` at every size and entry are equal; the prover
re-checks every rewrite step that way at sampled sizes (:func:`recheck`).

>>> import sympy
>>> from symconv.general.terms import Access, Sum
>>> o = sympy.Symbol("o", integer=True, nonnegative=True)
>>> K = sympy.Symbol("K", integer=True, positive=True)
>>> t = Sum(((o, K - 1),), (Access("x", (o,)),))  # binds o: the outer o does not matter
>>> denote(t, {}, {K: 2}, {o: 5}) == denote(t, {}, {K: 2}, {o: 0})
True
"""

from __future__ import annotations

import functools
import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

import sympy

from ..errors import SymconvError
from .terms import BRACKET, Access, Derivative, FloorDiv, Rem, Sum, View, render

__all__ = ["IllFormedError", "compile_index", "monomials", "denote", "denotations",
           "difference", "sample_environments", "recheck"]

Atom = tuple[str, tuple[int, ...], tuple[int, ...]]  #: (tensor, params, index) of a base read
Env = Mapping[sympy.Symbol, int]


class IllFormedError(SymconvError):
    """A description cannot be evaluated at some concrete size (or reads outside a tensor)."""


def _integer(value: Any, what: Any) -> int:
    """``value`` as an int; ``what`` (a text, or a callable building it only on failure) names
    it in the error."""
    if type(value) is int:
        return value
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    raise IllFormedError(f"{what() if callable(what) else what} evaluates to {value}, not an "
                         "integer")


@functools.lru_cache(maxsize=8192)
def compile_index(expr: sympy.Expr) -> Callable[[Env], int | Fraction]:
    """An exact evaluator of an index expression over an environment (symbol → integer).

    >>> a = sympy.Symbol("a", integer=True)
    >>> compile_index(FloorDiv(3 * a + 1, 2))({a: 3})
    5
    """
    if expr.is_Integer:
        value = int(expr)
        return lambda env: value
    if expr.is_Rational:
        frac = Fraction(int(expr.p), int(expr.q))
        return lambda env: frac
    if isinstance(expr, sympy.Symbol):
        def look(env: Env, symbol: sympy.Symbol = expr) -> int:
            try:
                return env[symbol]
            except KeyError:
                raise IllFormedError(f"symbol: {symbol} has no value here (it is no summation "
                                     "variable, view formal, entry index or size)") from None
        return look
    parts = tuple(compile_index(a) for a in expr.args)
    if expr.is_Add:
        return lambda env: sum([p(env) for p in parts])
    if expr.is_Mul:
        def mul(env: Env) -> int | Fraction:
            out: int | Fraction = 1
            for p in parts:
                out = out * p(env)
            return out
        return mul
    if expr.is_Pow and expr.exp.is_Integer and expr.exp >= 0:
        base, power = parts[0], int(expr.exp)
        return lambda env: base(env) ** power
    if isinstance(expr, (FloorDiv, Rem)):
        floor = isinstance(expr, FloorDiv)

        def divide(env: Env) -> int:
            a = _integer(parts[0](env), lambda: f"the dividend of {render(expr)}")
            m = _integer(parts[1](env), lambda: f"the divisor of {render(expr)}")
            if m < 1:
                raise IllFormedError(f"divisor: {render(expr)} divides by {m} < 1")
            return a // m if floor else a % m
        return divide
    raise IllFormedError(f"index: cannot evaluate {render(expr)} exactly (only +, *, integer "
                         "powers, floor and mod)")


@functools.lru_cache(maxsize=4096)
def _compile_access(access: Access) -> Callable[[Env], tuple[tuple[int, ...], tuple[int, ...]]]:
    index = tuple(compile_index(e) for e in access.index)
    params = tuple(compile_index(e) for e in access.params)

    def run(env: Env) -> tuple[tuple[int, ...], tuple[int, ...]]:
        p_values, i_values = [p(env) for p in params], [i(env) for i in index]
        if any(type(v) is not int for v in p_values + i_values):
            what = lambda: f"an index or parameter of {access}"  # noqa: E731
            p_values = [_integer(v, what) for v in p_values]
            i_values = [_integer(v, what) for v in i_values]
        return tuple(p_values), tuple(i_values)
    return run


def _access(access: Access, env: Env) -> tuple[tuple[int, ...], tuple[int, ...]]:
    return _compile_access(access)(env)


def _factor(access: Access, env: Env, views: Mapping[str, View], sizes: Env,
            depth: int) -> list[tuple[Atom, ...]]:
    """What one factor denotes: a list of products of base reads (a bracket is ``[()]`` when
    its sides are equal and ``[]`` otherwise; a sum view is the list of its summands)."""
    if access.tensor == BRACKET:
        if access.params or len(access.index) != 2:
            raise IllFormedError(f"bracket: expected [a = b] with two sides, got {access}")
        left, right = _access(access, env)[1]
        return [()] if left == right else []
    params, index = _access(access, env)
    view = views.get(access.tensor)
    if view is None:
        return [((access.tensor, params, index),)]
    if depth > 50:
        raise IllFormedError("views: the views refer to each other in a cycle")
    if params or len(index) != len(view.formals):
        raise IllFormedError(f"view: {view.name} takes {len(view.formals)} indices and no "
                             f"parameters, got {len(index)} and {len(params)}")
    inner = dict(sizes)  # lexical scope: the sizes and the formals, nothing from the use site
    inner.update(zip(view.formals, index))
    if isinstance(view.body, Sum):
        return list(_products(view.body, inner, views, sizes, depth + 1))
    return _factor(view.body, inner, views, sizes, depth + 1)


@functools.lru_cache(maxsize=4096)
def _plan(term: Sum) -> tuple[list[Any], list[Access]]:
    """The brackets of ``term`` (with the summation variables each mentions, and for each
    variable it is linear in, its coefficient and the rest) and the other factors."""
    variables = set(term.variables)
    brackets, others = [], []
    for f in term.factors:
        if f.tensor != BRACKET or len(f.index) != 2 or f.params:
            others.append(f)
            continue
        e = sympy.expand(f.index[0] - f.index[1])
        mentioned = frozenset(v for v in variables if v in e.free_symbols)
        inside = set().union(*(a.free_symbols for a in e.atoms(FloorDiv, Rem)))
        solve = {}
        for v in mentioned - inside:
            a = sympy.expand(e.diff(v))
            rest = sympy.expand(e - a * v)
            if not a.free_symbols & variables and v not in rest.free_symbols:
                solve[v] = (compile_index(a), compile_index(rest))
        brackets.append((f, mentioned, solve))
    return brackets, others


def _products(term: Sum, env: Env, views: Mapping[str, View], sizes: Env,
              depth: int) -> Iterator[tuple[Atom, ...]]:
    """For each point of the box where every bracket holds, the base reads of the summand.

    A bracket linear in its one unbound variable fixes that variable (its one solution, if
    it is an integer in range, is visited; the bracket is then evaluated like the others), so
    the enumeration skips the points where a bracket is 0 without changing the sum.
    """
    brackets, others = _plan(term)
    bounds = {v: _integer(compile_index(sympy.sympify(hi))(env), lambda: "a bound")
              for v, hi in term.bounds}  # bounds live outside the sum's scope
    order, inner = term.variables, dict(env)

    def walk(bound: frozenset, pending: list[int]) -> Iterator[tuple[Atom, ...]]:
        still = []
        for b in pending:
            f, mentioned, _ = brackets[b]
            if mentioned <= bound:
                left, right = _access(f, inner)[1]
                if left != right:
                    return
            else:
                still.append(b)
        if len(bound) == len(order):
            parts = [_factor(f, inner, views, sizes, depth) for f in others]
            for combo in itertools.product(*parts):
                yield tuple(itertools.chain.from_iterable(combo))
            return
        for b in still:
            _, mentioned, solve = brackets[b]
            (v, *more) = mentioned - bound
            if more or v not in solve:
                continue
            a, rest = solve[v][0](inner), solve[v][1](inner)
            if a == 0:
                continue
            value = Fraction(-rest) / a
            if value.denominator == 1 and 0 <= value <= bounds[v]:
                inner[v] = int(value)
                yield from walk(bound | {v}, still)
            return
        v = next(x for x in order if x not in bound)
        for value in range(bounds[v] + 1):
            inner[v] = value  # the summation variables shadow outer ones
            yield from walk(bound | {v}, still)

    yield from walk(frozenset(), list(range(len(brackets))))


def monomials(term: Sum, views: Mapping[str, View], sizes: Env,
              entry: Env) -> Iterator[tuple[Atom, ...]]:
    """For each point of the box (where every bracket holds), the base reads whose product is
    the summand (a sum view contributes one product per point of its own box)."""
    yield from _products(term, {**sizes, **entry}, views, sizes, 0)


def denote(term: Sum | Derivative, views: Mapping[str, View], sizes: Env,
           entry: Env) -> Counter:
    """The formal polynomial ``term`` denotes: sorted tuple of reads → coefficient.

    A :class:`~symconv.general.terms.Derivative` denotes the exact derivative of that
    polynomial by one base-tensor entry (each monomial with ``k`` copies of the entry gives
    ``k`` times the monomial with one copy removed).
    """
    if isinstance(term, Derivative):
        if term.tensor in views or term.tensor == BRACKET:
            raise IllFormedError(f"derivative: {term.tensor} is not a base tensor; "
                                 "differentiate by an entry of x, w, y, dout or cols")
        _, index = _access(Access(term.tensor, term.index), {**sizes, **entry})
        target = (term.tensor, (), index)
        out: Counter = Counter()
        for m, c in denote(term.term, views, sizes, entry).items():
            k = m.count(target)
            if k:
                i = m.index(target)
                out[m[:i] + m[i + 1:]] += k * c
        return out
    return Counter(tuple(sorted(m)) for m in monomials(term, views, sizes, entry))


def sample_environments(size_symbols: Sequence[sympy.Symbol], entry: Sequence[tuple[
        sympy.Symbol, Any]], count: int = 3, seed: int = 0) -> list[tuple[Env, Env]]:
    """``(sizes, entry)`` pairs: sizes from their least value up to 2 more, the entry in its box.

    The first pair sets every size to its least value plus one; the others are random (seeded).
    """
    rng = random.Random(seed)
    out = []
    for number in range(count):
        sizes = {}
        for s in size_symbols:
            least = 1 if s.is_positive else 0
            sizes[s] = least + (1 if number == 0 else rng.randint(0, 2))
        point = {}
        for v, hi in entry:
            top = _integer(compile_index(sympy.sympify(hi))({**sizes, **point}),
                           lambda: "an entry bound")
            point[v] = rng.randint(0, top) if top >= 0 else 0
        out.append((sizes, point))
    return out


def denotations(term: Sum | Derivative, views: Mapping[str, View],
                envs: Sequence[tuple[Env, Env]]) -> list[Counter]:
    """:func:`denote` at each sampled environment."""
    return [denote(term, views, sizes, entry) for sizes, entry in envs]


def difference(envs: Sequence[tuple[Env, Env]], before: Sequence[Counter],
               after: Sequence[Counter]) -> str:
    """``''`` when the denotations agree at every environment, else where they first differ."""
    for (sizes, entry), a, b in zip(envs, before, after, strict=True):
        if a != b:
            shown = ", ".join(f"{k}={v}" for k, v in {**sizes, **entry}.items())
            return f"the terms denote different sums at {shown}"
    return ""


def recheck(before: Sum | Derivative, after: Sum | Derivative, views: Mapping[str, View],
            envs: Sequence[tuple[Env, Env]], after_views: Mapping[str, View] | None = None) -> str:
    """``''`` when both terms denote the same polynomial at every sampled environment, else
    the first environment where they differ (as text)."""
    return difference(envs, denotations(before, views, envs),
                      denotations(after, views if after_views is None else after_views, envs))
