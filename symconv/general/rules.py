"""Rewrite rules on index-level sums; each checks its side conditions or raises RuleError.

Every rule returns a :class:`Rewrite`: the new term, the rule's name, the local fact it used
and the side conditions it checked.  Soundness rests on these facts only:

* ``unfold``: a view's definition (substitution of its index map; summation variables that
  the body's size symbols would be captured by are renamed first); a view defined by a sum
  is spliced in: ``Σ_B a·V[e] = Σ_{B, C'} a·body[e]`` with the body's variables ``C`` renamed
  apart from everything in the term (finite sums distribute over products);
* ``split``: ``l = a_1·R_2···R_m + ... + a_m`` is a bijection from the box
  ``[0,R_1) × ... × [0,R_m)`` onto ``[0, R_1···R_m)`` (checked: the bound of ``l`` plus one expands
  to exactly that product, and every radix is provably ``>= 1``);
* ``reverse``: ``u ↦ hi - u`` maps ``[0, hi]`` onto itself (a claimed image is checked against it);
* ``floor_mod``: if ``a = q·m + r`` with ``q`` an integer polynomial and ``0 <= r <= m-1``
  (checked by :mod:`.bounds`), then ``⌊a/m⌋ = q`` and ``a mod m = r``;
* ``close``: two sums are equal when they are alpha-equivalent up to the order of the sums:
  a bijection between their summation variables with equal bounds (finite sums over a box
  commute), both sides renamed to the same fresh variables (fresh w.r.t. every free variable),
  makes the multisets of factors equal after ``sympy.expand`` (a bracket ``[a = b]`` is
  compared as the equation ``a - b = 0`` up to sign: ``[a = b] = [b = a]``).

Every substitution goes through :func:`symconv.general.subst.substitute` (capture-avoiding);
the prover re-checks each rewrite independently (:func:`symconv.general.semantics.recheck`).

>>> import sympy
>>> from symconv.general.terms import Access, Sum, FloorDiv, Rem
>>> l, a, b = sympy.symbols("l a b", integer=True, nonnegative=True)
>>> A, B = sympy.symbols("A B", integer=True, positive=True)
>>> t = Sum(((l, A * B - 1),), (Access("x", (FloorDiv(l, B), Rem(l, B))),))
>>> step = split(t, l, (A, B), (a, b))
>>> print(step.term)
Σ_{a<A, b<B} x[⌊(B*a + b)/B⌋, (B*a + b) mod B]
>>> floor_mod(FloorDiv(B * a + b, B), dict(step.term.bounds))[0]
a
>>> split(t, l, (A, A), (a, b))
Traceback (most recent call last):
...
symconv.general.rules.RuleError: split: l runs over [0, A*B - 1] but radices (A, A) cover ...
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sympy

from ..errors import SymconvError
from .bounds import BoundError, affine_range, provably_nonnegative
from .subst import bound_symbols, free_symbols, fresh, open_binder, rename_bound, substitute
from .terms import BRACKET, Access, FloorDiv, Rem, Sum, View, floor_atoms, render

__all__ = ["RuleError", "Rewrite", "unfold", "unfold_all", "split", "reverse", "floor_mod",
           "simplify_floor_mod", "close"]


class RuleError(SymconvError):
    """A rule's side condition does not hold (or could not be proved): the rule refuses."""


@dataclass(frozen=True)
class Rewrite:
    """One checked step: the term after it, the rule, the fact used, the conditions checked."""

    term: Sum
    rule: str
    fact: str = ""
    conditions: tuple[str, ...] = ()


def _summed(term: Sum, var: sympy.Symbol, rule: str) -> None:
    if var not in term.variables:
        raise RuleError(f"{rule}: {var} is not a summation variable of {term}; only summed "
                        "indices can be re-indexed")


def unfold(term: Sum, view: View) -> Rewrite:
    """Replace every access to ``view.name`` by the view's definition (capture-avoiding).

    Summation variables of ``term`` that the view's body mentions besides its formals (sizes)
    are renamed apart first, so the inserted body still means the sizes.
    """
    if not any(f.tensor == view.name for f in term.factors):
        raise RuleError(f"unfold: no access to {view.name} in {term}")
    if isinstance(view.body, Sum):
        return _splice(term, view)
    term = rename_bound(term, free_symbols(view))
    factors = tuple(view.apply(f.index) if f.tensor == view.name else f for f in term.factors)
    return Rewrite(Sum(term.bounds, factors), f"definition of {view.name}", str(view),
                   (view.meaning,))


def _splice(term: Sum, view: View) -> Rewrite:
    """Unfold the first access to a sum view: its summation variables join the box."""
    term = rename_bound(term, free_symbols(view))
    position = next(i for i, f in enumerate(term.factors) if f.tensor == view.name)
    body = view.apply(term.factors[position].index)
    used = free_symbols(term) | bound_symbols(term)
    for f in term.factors:
        used |= free_symbols(f)
    body = rename_bound(body, used)
    try:
        new = Sum((*term.bounds, *body.bounds),
                  (*term.factors[:position], *body.factors, *term.factors[position + 1:]))
    except SymconvError as err:
        raise RuleError(f"unfold: {view.name}'s sum does not join the box: {err}") from None
    renamed = ", ".join(map(str, body.variables))
    return Rewrite(new, f"definition of {view.name}", str(view), (
        view.meaning, f"finite sums distribute over products: the sum over {renamed} "
        "(renamed apart from every symbol of the term) joins the box"))


def unfold_all(term: Sum, views: Mapping[str, View]) -> list[Rewrite]:
    """Unfold views until only base tensors remain, one rewrite per view unfolded."""
    steps: list[Rewrite] = []
    for _ in range(50):
        pending = [f.tensor for f in term.factors if f.tensor in views]
        if not pending:
            return steps
        steps.append(unfold(term, views[pending[0]]))
        term = steps[-1].term
    raise RuleError("unfold: views refer to each other in a cycle")


def split(term: Sum, var: sympy.Symbol, radices: Sequence[Any],
          digits: Sequence[sympy.Symbol]) -> Rewrite:
    """Re-index ``var`` by its mixed-radix digits (most significant first)."""
    radices = tuple(sympy.sympify(r) for r in radices)
    digits = tuple(digits)
    if len(radices) != len(digits) or not radices:
        raise RuleError(f"split: expected one digit variable per radix, got {len(digits)} "
                        f"for {len(radices)}")
    _summed(term, var, "split")
    hi = term.bound(var)
    total = sympy.Mul(*radices)
    if sympy.expand(hi + 1 - total) != 0:
        shown = ", ".join(map(render, radices))
        raise RuleError(f"split: {var} runs over [0, {render(hi)}] but radices ({shown}) cover "
                        f"[0, {render(sympy.expand(total - 1))}]; the product of the radices "
                        "must be the number of terms")
    for r in radices:
        if not provably_nonnegative(r - 1):
            raise RuleError(f"split: radix {render(r)} is not provably >= 1")
    used = free_symbols(term) | bound_symbols(term) | free_symbols(sympy.Tuple(*radices))
    for f in term.factors:
        used |= free_symbols(f)
    clash = [str(d) for d in digits if d in used]
    if clash or len(set(digits)) != len(digits):
        raise RuleError(f"split: new summation variables {clash or list(map(str, digits))} "
                        "must be distinct and fresh; pick other names")
    weights = [sympy.Mul(*radices[i + 1:]) for i in range(len(radices))]
    image = sympy.Add(*(d * w for d, w in zip(digits, weights)))
    position, _, body = open_binder(term, var)
    body = substitute(body, {var: image})  # other binders that image mentions are renamed
    bounds = (*body.bounds[:position], *((d, r - 1) for d, r in zip(digits, radices)),
              *body.bounds[position:])
    try:
        new = Sum(bounds, body.factors)
    except SymconvError as err:
        raise RuleError(f"split: the digits do not make a box: {err}") from None
    box = " × ".join(f"[0,{render(r)})" for r in radices)
    cond = (f"{render(hi)} + 1 = {' * '.join(map(render, radices))} (sympy.expand), so "
            f"{var} = {render(image)} is a bijection {box} → [0,{render(total)})")
    return Rewrite(new, "split index into mixed-radix digits", f"{var} = {render(image)}",
                   (cond,))


def reverse(term: Sum, var: sympy.Symbol, image: Any = None) -> Rewrite:
    """Re-index ``var ↦ hi - var`` over ``[0, hi]``; a claimed ``image`` must be exactly that."""
    _summed(term, var, "reverse")
    hi = term.bound(var)
    expected = hi - var
    if image is not None and sympy.expand(sympy.sympify(image) - expected) != 0:
        raise RuleError(f"reverse: {var} ↦ {render(image)} does not map [0, {render(hi)}] onto "
                        f"itself; the reversal is {var} ↦ {render(expected)}")
    position, _, body = open_binder(term, var)
    body = substitute(body, {var: expected})
    new = Sum((*body.bounds[:position], (var, hi), *body.bounds[position:]), body.factors)
    return Rewrite(new, "reverse a summation index", f"{var} ↦ {render(expected)}",
                   (f"{var} ↦ {render(expected)} is a bijection of [0, {render(hi)}] "
                    "(an involution)",))


def _positive_monomial(m: sympy.Expr) -> bool:
    coeff, rest = sympy.expand(m).as_coeff_Mul()
    if not (coeff.is_Integer and coeff > 0):
        return False
    for base, power in rest.as_powers_dict().items():
        if base != 1 and not (base.is_Symbol and power.is_Integer and power > 0):
            return False
    return provably_nonnegative(m - 1)


def _integer_quotient(term: sympy.Expr, m: sympy.Expr) -> sympy.Expr | None:
    """``term / m`` when it is a monomial with an integer coefficient, else None."""
    t = sympy.expand(term / m)
    coeff, rest = t.as_coeff_Mul()
    if not coeff.is_Integer:
        return None
    for base, power in rest.as_powers_dict().items():
        if base == 1:
            continue
        if not (power.is_Integer and power > 0 and base.is_integer):
            return None
    return t


def _quotient_remainder(a: sympy.Expr, m: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
    """``(q, r)`` with ``a = q·m + r``: ``q`` collects the terms of ``a`` that are integer
    multiples of ``m`` (divided by it), ``r`` the rest."""
    q = r = sympy.Integer(0)
    for t in sympy.Add.make_args(a):
        part = _integer_quotient(t, m)
        if part is None:
            r += t
        else:
            q += part
    return q, r


def floor_mod(atom: sympy.Expr, box: Mapping[sympy.Symbol, Any]) -> tuple[
        sympy.Expr, str, tuple[str, ...]]:
    """Evaluate ``⌊a/m⌋`` or ``a mod m`` by writing ``a = q·m + r`` with ``0 <= r <= m-1``.

    Returns ``(value, fact, conditions)``; raises RuleError when the remainder bound is not
    provable from the box (variable ``v`` in ``[0, box[v]]``) and the size symbols.
    """
    if not isinstance(atom, (FloorDiv, Rem)):
        raise RuleError(f"floor_mod: expected ⌊a/m⌋ or a mod m, got {render(atom)}")
    a, m = (sympy.expand(x) for x in atom.args)
    if floor_atoms(a) or floor_atoms(m):
        raise RuleError(f"floor_mod: simplify the inner floor/mod of {render(atom)} first")
    if not _positive_monomial(m):
        raise RuleError(f"floor_mod: the divisor {render(m)} is not a product of positive size "
                        "symbols")
    q, r = _quotient_remainder(a, m)
    if sympy.expand(a - q * m - r) != 0:  # pragma: no cover - guards the decomposition
        raise RuleError(f"floor_mod: decomposition of {render(a)} failed")
    try:
        lo, hi = affine_range(r, box)
    except BoundError as err:
        raise RuleError(f"floor_mod: cannot bound the remainder {render(r)} of {render(atom)}: "
                        f"{err}") from None
    if not (provably_nonnegative(lo) and provably_nonnegative(m - 1 - hi)):
        raise RuleError(f"floor_mod: cannot prove 0 <= {render(r)} <= {render(m)} - 1 for "
                        f"{render(atom)} (the remainder ranges over [{render(lo)}, "
                        f"{render(hi)}])")
    value = q if isinstance(atom, FloorDiv) else r
    used = sorted((v for v in box if v in r.free_symbols), key=str)
    ranges = ", ".join(f"{v} <= {render(box[v])}" for v in used) or "constants"
    cond = (f"{render(a)} = ({render(q)})*{_wrap(m)} + {_wrap(r)} with 0 <= {render(r)} <= "
            f"{render(sympy.expand(m - 1))} (from {ranges})")
    return value, f"{render(atom)} = {render(value)}", (cond,)


def _wrap(e: sympy.Expr) -> str:
    return f"({render(e)})" if e.is_Add or e.is_Mul else render(e)


def simplify_floor_mod(term: Sum, free: Mapping[sympy.Symbol, Any]) -> tuple[
        list[Rewrite], list[str]]:
    """Apply :func:`floor_mod` to every innermost atom until none applies.

    Returns the rewrites (one per atom) and the refusals (atoms left as they are, with reasons).
    """
    term = rename_bound(term, set(free))  # no summation variable shadows an entry index
    box = {**dict(free), **dict(term.bounds)}
    steps: list[Rewrite] = []
    refused: dict[str, str] = {}
    while True:
        inner = [a for a in term.atoms() if not any(floor_atoms(x) for x in a.args)]
        progressed = False
        for atom in sorted(inner, key=render):
            try:
                value, fact, conditions = floor_mod(atom, box)
            except RuleError as err:
                refused[render(atom)] = str(err)
                continue
            term = term.replace_atoms({atom: value})
            steps.append(Rewrite(term, "floor/mod of a mixed-radix expression", fact,
                                 conditions))
            progressed = True
            break
        if not progressed:
            left = {render(a) for a in term.atoms()}
            return steps, [reason for key, reason in refused.items() if key in left]


def _key(access: Access) -> tuple[str, tuple[str, ...]]:
    e = access.expanded()
    if e.tensor == BRACKET and len(e.index) == 2 and not e.params:
        difference = sympy.expand(e.index[0] - e.index[1])  # [a = b] is [a - b = 0] = [b - a = 0]
        return e.tensor, (min(sympy.srepr(difference), sympy.srepr(-difference)),)
    return e.tensor, tuple(sympy.srepr(x) for x in e.expressions())


def _matchings(lb: Sequence[tuple[Any, Any]], rb: Sequence[tuple[Any, Any]]) -> Any:
    """Every bijection ``i ↦ perm[i]`` of the summation variables pairing equal bounds, in the
    order of ``itertools.permutations`` (those with unequal bounds skipped, never visited)."""
    equal = [[p for p in range(len(rb)) if sympy.expand(lb[i][1] - rb[p][1]) == 0]
             for i in range(len(lb))]
    chosen: list[int] = []

    def extend(i: int) -> Any:
        if i == len(lb):
            yield tuple(chosen)
            return
        for p in equal[i]:
            if p not in chosen:
                chosen.append(p)
                yield from extend(i + 1)
                chosen.pop()
    yield from extend(0)


def close(left: Sum, right: Sum) -> Rewrite:
    """Check ``left == right`` by alpha-equivalence up to the order of the sums.

    A permutation pairs each summation variable of ``left`` with one of ``right`` whose bound
    is the same expression; both are renamed to one fresh variable (fresh w.r.t. everything
    in either term), and the multisets of factors must then agree after ``sympy.expand``.
    """
    if len(left.bounds) != len(right.bounds):
        raise RuleError(f"close: the sums run over {len(left.bounds)} and {len(right.bounds)} "
                        "variables; no renaming matches them")
    lb, rb = left.bounds, right.bounds
    used = free_symbols(left) | free_symbols(right) | bound_symbols(left) | bound_symbols(right)
    for f in left.factors + right.factors:
        used |= free_symbols(f)
    common: list[sympy.Symbol] = []
    for v, _ in lb:
        common.append(fresh(v, used | set(common)))
    to_common = dict(zip(left.variables, common))
    target = sorted(_key(substitute(f, to_common)) for f in left.factors)
    best = None
    for perm in _matchings(lb, rb):
        renaming = {rb[p][0]: common[i] for i, p in enumerate(perm)}
        renamed = tuple(substitute(f, renaming) for f in right.factors)
        if sorted(_key(f) for f in renamed) == target:
            pairs = {rb[p][0]: lb[i][0] for i, p in enumerate(perm)}
            conditions = []
            if any(k != v for k, v in pairs.items()):
                conditions.append("rename summation variables " + ", ".join(
                    f"{k} → {v}" for k, v in pairs.items() if k != v))
            if list(perm) != sorted(perm):
                conditions.append("swap finite sums: the box has independent bounds, so the "
                                  "order of summation is immaterial")
            conditions.append("alpha-equivalence: each pair of summation variables has equal "
                              "bounds and is renamed to one fresh variable (" + ", ".join(
                                  map(str, common)) + "), free in neither side")
            conditions.append("the bounds agree and every factor agrees after sympy.expand")
            if any(f.tensor == BRACKET for f in left.factors):
                conditions.append("brackets compared as equations up to sign: [a = b] is "
                                  "[a - b = 0] is [b - a = 0] (expanded difference, either sign)")
            return Rewrite(left, "closing check", "left normal form = right normal form",
                           tuple(conditions))
        best = best or (renamed, {common[i]: rb[p][0] for i, p in enumerate(perm)},
                        ", ".join(f"{lb[i][0]} ~ {rb[p][0]}" for i, p in enumerate(perm)))
    if best is None:
        raise RuleError("close: no matching of the summation variables has equal bounds: "
                        f"{', '.join(f'{v}<={render(h)}' for v, h in lb)} vs "
                        f"{', '.join(f'{v}<={render(h)}' for v, h in rb)}")
    renamed, back, pairing = best
    lk = {_key(substitute(f, to_common)): f for f in left.factors}
    rk = {_key(f): substitute(f, back) for f in renamed}  # each side shown in its own names
    only_l = [str(f.expanded()) for k, f in lk.items() if k not in rk]
    only_r = [str(f.expanded()) for k, f in rk.items() if k not in lk]
    raise RuleError("close: the factors differ: left has " + ", ".join(only_l or ["-"]) +
                    "; right has " + ", ".join(only_r or ["-"]) +
                    f" (summation variables paired {pairing})")
