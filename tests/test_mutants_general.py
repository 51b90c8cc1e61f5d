"""Tests that pin down the every-size prover's trusted core (issue 8, mutation testing): each
asserts a refusal with its reason, an exact rewritten term, or an exact value, so that a changed
comparison, bound, key or side condition in general/rules.py, terms.py, subst.py or
wellformed.py is noticed."""

from __future__ import annotations

import dataclasses
import re

import pytest
import sympy

from symconv import SymconvError
from symconv.general import RuleError, statement
from symconv.general.rules import (
    Rewrite,
    close,
    floor_mod,
    reverse,
    simplify_floor_mod,
    split,
    unfold,
    unfold_all,
)
from symconv.general.subst import (
    bound_symbols,
    free_symbols,
    fresh,
    open_binder,
    rename_bound,
    substitute,
)
from symconv.general.terms import Access, FloorDiv, Rem, Sum, View, floor_atoms, render
from symconv.general.wellformed import BASE_TENSORS, check_statement

IDX = dict(integer=True, nonnegative=True)
a, b, c, ell, m, o, u, x, y = sympy.symbols("a b c l m o u x y", **IDX)  # ell prints as l
o1 = sympy.Symbol("o1", **IDX)
A, B, C, K = sympy.symbols("A B C K", integer=True, positive=True)
P = sympy.Symbol("P", **IDX)  # a size that may be 0 (a pad)
BOX = {x: A - 1, y: B - 1}


def _sum(bounds, *factors):
    return Sum(tuple(bounds), tuple(factors))


# --- terms.py ---------------------------------------------------------------------------------

def test_floor_div_and_rem_evaluate_on_integers_only():
    assert FloorDiv(7, 2) == 3 and FloorDiv(-7, 2) == -4 and FloorDiv(6, 3) == 2
    assert Rem(7, 2) == 1 and Rem(-7, 3) == 2 and Rem(6, 3) == 0
    for f in (FloorDiv, Rem):
        for args in ((7, 0), (7, -2), (x, 2), (7, A)):
            kept = f(*args)
            assert isinstance(kept, f) and kept.args == tuple(map(sympy.sympify, args))
    assert FloorDiv(x, A).is_integer is True and Rem(x, A).is_integer is True
    assert str(FloorDiv(x + 1, A * B)) == "⌊(x + 1)/(A*B)⌋" and str(Rem(x, A)) == "x mod A"
    assert floor_atoms(FloorDiv(x, A) + Rem(x, B) + x) == {FloorDiv(x, A), Rem(x, B)}


def test_access_sympifies_and_prints_its_parameters():
    acc = Access("xpad", (1, x), (P, 0))
    assert all(isinstance(e, sympy.Basic) for e in acc.index + acc.params)
    assert acc.index[0] == sympy.Integer(1) and acc.params == (P, sympy.Integer(0))
    assert str(acc) == "xpad{P,0}[1, x]" and str(Access("w", (x + 1,))) == "w[x + 1]"
    assert acc.expressions() == (1, x, P, 0)
    assert Access("t", (x * (A + 1),)).expanded().index == (A * x + x,)
    assert Access("t", (x,), (P,)).expanded().params == (P,)
    assert Access("t", (x,), (x + P,)).xreplace({x: y}) == Access("t", (y,), (y + P,))


def test_sum_refuses_repeated_unbounded_and_dependent_variables():
    with pytest.raises(SymconvError, match=r"^bounds: expected distinct summation variables"):
        _sum(((x, A), (x, B)))
    plain = sympy.Symbol("v")
    with pytest.raises(SymconvError, match=re.escape(
            "bounds: summation variable v must be a sympy Symbol declared integer=True, "
            "nonnegative=True and nothing more (it runs from 0), e.g. sympy.Symbol('u', "
            "integer=True, nonnegative=True)")):
        _sum(((plain, A),))
    with pytest.raises(SymconvError, match="must be a sympy Symbol"):
        _sum(((x + 1, A),))
    with pytest.raises(SymconvError, match=r"the bound of y mentions summation variable\(s\) "
                                           r"\['x'\]; sums must range over a box"):
        _sum(((x, A), (y, x)))
    assert _sum(((x, A), (y, B))).variables == (x, y)  # a box is fine


def test_sum_bound_lookup_and_printing():
    t = _sum(((x, A - 1), (y, B)), Access("t", (x,)), Access("w", (y,)))
    assert t.bound(x) == A - 1 and t.bound(y) == B
    with pytest.raises(SymconvError, match=r"^variable: u is not summed over in"):
        t.bound(u)
    assert str(t) == "Σ_{x<A, y<B + 1} t[x]·w[y]"
    assert str(_sum((), Access("t", (x,)))) == "t[x]"
    assert t.atoms() == set()


def test_sum_replace_atoms_checks_its_mapping():
    t = _sum(((x, A - 1),), Access("t", (FloorDiv(x + y, A), Rem(y, B))))
    assert t.atoms() == {FloorDiv(x + y, A), Rem(y, B)}
    out = t.replace_atoms({Rem(y, B): y})
    assert out.factors == (Access("t", (FloorDiv(x + y, A), y)),) and out.bounds == t.bounds
    with pytest.raises(SymconvError, match=r"^replace_atoms: expected a floor/mod atom, got x"):
        t.replace_atoms({x: 0})
    with pytest.raises(SymconvError, match=r"the value of y mod B mentions \['x'\], which the "
                                           "atom does not"):
        t.replace_atoms({Rem(y, B): x})


def test_view_formals_apply_and_printing():
    flip = View("flip", (a, u), Access("w", (a, K - 1 - u)), "mirror")
    assert flip.apply((0, x + 1)) == Access("w", (0, K - 2 - x))
    assert isinstance(flip.formals, tuple) and str(flip) == "flip[a, u] := w[a, K - u - 1]"
    with pytest.raises(SymconvError, match=r"^index: flip takes 2 indices, got 1$"):
        flip.apply((0,))
    with pytest.raises(SymconvError, match="formals must be distinct sympy symbols"):
        View("v", (a, a), Access("w", (a,)), "")
    with pytest.raises(SymconvError, match="formals must be distinct sympy symbols"):
        View("v", (a, a + 1), Access("w", (a,)), "")
    assert View("v", [a], Access("w", (a,)), "").formals == (a,)


# --- subst.py ---------------------------------------------------------------------------------

def test_free_and_bound_symbols():
    t = _sum(((x, A + P),), Access("t", (x + y,), (P,)), Access("w", (c,)))
    assert free_symbols(t) == {A, P, y, c} and bound_symbols(t) == {x}
    assert free_symbols(Access("t", (x,), (P,))) == {x, P}
    assert free_symbols(View("v", (x,), Access("t", (x, y)), "")) == {y}
    assert free_symbols(x * A + 1) == {x, A} and free_symbols(3) == set()


def test_fresh_names_keep_assumptions_and_avoid_every_name():
    assert fresh(c, {c}) == sympy.Symbol("c1", **IDX)
    assert fresh(c, set()) == sympy.Symbol("c1", **IDX)
    assert str(fresh(c, {c, sympy.Symbol("c1"), sympy.Symbol("c2", positive=True)})) == "c3"
    assert str(fresh(sympy.Symbol("c12", **IDX), {sympy.Symbol("c1")})) == "c2"
    assert str(fresh(sympy.Symbol("7", **IDX), ())) == "v1"
    assert fresh(K, {K}).assumptions0 == K.assumptions0
    assert str(fresh(sympy.Symbol("X2", **IDX), ())) == "X1"  # only digits are stripped


def test_fresh_gives_up_after_ten_thousand_names():
    taken = {sympy.Symbol(f"c{i}") for i in range(1, 10_000)}
    with pytest.raises(SymconvError, match=r"^fresh: no fresh name for c among 10000 "
                                           "candidates$"):
        fresh(c, taken)
    assert str(fresh(c, taken - {sympy.Symbol("c9999")})) == "c9999"


def test_substitute_on_expressions_accesses_and_keys():
    assert substitute(x + y, {x: y, y: x}) == x + y  # simultaneous
    assert substitute(x * A, {x: 2}) == 2 * A
    assert substitute(Access("t", (x,), (x,)), {x: y + 1}) == Access("t", (y + 1,), (y + 1,))
    with pytest.raises(SymconvError, match=r"^substitute: keys must be variables \(sympy "
                                           r"symbols\), got x \+ 1; replace"):
        substitute(x, {x + 1: 0})
    with pytest.raises(SymconvError, match=r"^substitute: a view is a definition; apply it "
                                           r"with View.apply$"):
        substitute(View("v", (x,), Access("t", (x,)), ""), {x: 0})
    assert substitute(Access("t", (x,)), {x: 3}).index[0] == sympy.Integer(3)


def test_substitute_on_sums_renames_only_what_would_capture():
    t = _sum(((o, K - 1),), Access("x", (o + u,)))
    assert substitute(t, {u: 2}) == _sum(((o, K - 1),), Access("x", (o + 2,)))
    assert substitute(t, {K: A}) == _sum(((o, A - 1),), Access("x", (o + u,)))  # bounds too
    # o occurs in an incoming value, but of a key the sum does not mention: nothing renamed
    assert substitute(t, {c: o}) == t
    # every incoming value counts, not only the last one's
    t2 = _sum(((o, K - 1),), Access("x", (o + u + c,)))
    out2 = substitute(t2, {u: o, c: 0})
    assert out2 == _sum(((o1, K - 1),), Access("x", (o1 + o,)))
    # the fresh name avoids the keys and the incoming values: not o1 (a key), not o2 (a value)
    o2 = sympy.Symbol("o2", **IDX)
    out = substitute(t, {u: o + o2, o1: 0})
    (v,) = out.variables
    assert str(v) == "o3" and out.factors == (Access("x", (v + o + o2,)),)
    assert out.bounds == ((v, K - 1),)


def test_rename_bound_is_identity_without_a_clash_and_renames_apart_otherwise():
    t = _sum(((o, K - 1), (u, K - 1)), Access("x", (o, u, c)))
    assert rename_bound(t, {c, A}) is t
    out = rename_bound(t, {o, u}, taken={sympy.Symbol("o1", **IDX)})
    assert [str(v) for v in out.variables] == ["o2", "u1"]
    o2, u1 = out.variables
    assert out.factors == (Access("x", (o2, u1, c)),) and out.bounds == ((o2, K - 1), (u1, K - 1))
    # two binders with one stem get two names; a new name avoids symbols only in bounds
    t3 = _sum(((o, K - 1), (o1, K - 1)), Access("x", (o, o1)))
    assert [str(v) for v in rename_bound(t3, {o, o1}).variables] == ["o2", "o3"]
    (v,) = rename_bound(_sum(((o, o1),), Access("x", (0,))), {o}).variables
    assert str(v) == "o2"
    # a new name avoids the symbols of the term, including free ones
    t2 = _sum(((o, K - 1),), Access("x", (o, o1)))
    (v,) = rename_bound(t2, {o}).variables
    assert str(v) == "o2"


def test_open_binder_reports_position_bound_and_body():
    t = _sum(((o, A - 1), (u, B - 1), (c, C - 1)), Access("x", (o, u, c)))
    assert open_binder(t, u) == (1, B - 1, _sum(((o, A - 1), (c, C - 1)), t.factors[0]))
    assert open_binder(t, o)[:2] == (0, A - 1) and open_binder(t, c)[:2] == (2, C - 1)
    with pytest.raises(SymconvError, match=r"^variable: y is not summed over in"):
        open_binder(t, y)


# --- rules.py: unfold -------------------------------------------------------------------------

def test_unfold_replaces_exactly_the_views_accesses():
    view = View("v", (a,), Access("w", (a + 1,), (P,)), "shifted w")
    t = _sum(((x, A - 1),), Access("v", (2 * x,)), Access("t", (x,)))
    step = unfold(t, view)
    assert step.term == _sum(((x, A - 1),), Access("w", (2 * x + 1,), (P,)), Access("t", (x,)))
    assert step.rule == "definition of v" and step.fact == str(view)
    assert step.conditions == ("shifted w",)
    with pytest.raises(RuleError, match=r"^unfold: no access to v in Σ_\{x<A\} t\[x\]$"):
        unfold(_sum(((x, A - 1),), Access("t", (x,))), view)


def test_unfold_renames_a_binder_named_like_a_size_of_the_body():
    view = View("v", (a,), Access("w", (a + P,)), "w shifted by the pad")
    t = _sum(((P, A - 1),), Access("v", (P,)))
    step = unfold(t, view)
    (v,) = step.term.variables
    assert str(v) == "P1" and step.term.factors == (Access("w", (v + P,)),)


def test_unfold_all_follows_chains_and_refuses_cycles():
    v1 = View("v1", (a,), Access("v2", (a + 1,)), "one")
    v2 = View("v2", (a,), Access("w", (2 * a,)), "two")
    t = _sum(((x, A - 1),), Access("v1", (x,)), Access("v2", (x,)))
    steps = unfold_all(t, {"v1": v1, "v2": v2})
    assert [s.rule for s in steps] == ["definition of v1", "definition of v2"]
    assert steps[-1].term == _sum(((x, A - 1),), Access("w", (2 * x + 2,)), Access("w", (2 * x,)))
    assert unfold_all(_sum((), Access("w", (x,))), {"v1": v1}) == []
    loop = View("v1", (a,), Access("v1", (a,)), "loop")
    with pytest.raises(RuleError, match=r"^unfold: views refer to each other in a cycle$"):
        unfold_all(t, {"v1": loop, "v2": v2})


# --- rules.py: split and reverse ---------------------------------------------------------------

def test_split_exact_result_and_its_record():
    t = _sum(((m, K - 1), (ell, A * B * C - 1), (u, K - 1)), Access("t", (ell, m, u)))
    step = split(t, ell, (A, B, C), (a, b, c))
    assert step.term.bounds == ((m, K - 1), (a, A - 1), (b, B - 1), (c, C - 1), (u, K - 1))
    assert step.term.factors == (Access("t", (B * C * a + C * b + c, m, u)),)
    assert step.rule == "split index into mixed-radix digits"
    assert step.fact == "l = B*C*a + C*b + c"
    assert step.conditions == ("A*B*C - 1 + 1 = A * B * C (sympy.expand), so l = B*C*a + C*b + c"
                               " is a bijection [0,A) × [0,B) × [0,C) → [0,A*B*C)",)


def test_split_side_conditions():
    t = _sum(((ell, A * B - 1),), Access("t", (ell,)))
    with pytest.raises(RuleError, match=r"^split: expected one digit variable per radix, got 1 "
                                        "for 2$"):
        split(t, ell, (A, B), (a,))
    with pytest.raises(RuleError, match="got 0 for 0"):
        split(t, ell, (), ())
    with pytest.raises(RuleError, match=r"split: x is not a summation variable of"):
        split(t, x, (A, B), (a, b))
    with pytest.raises(RuleError, match=r"radices \(B, B\) cover \[0, B\*\*2 - 1\]; the product "
                                        "of the radices must be the number of terms$"):
        split(t, ell, (B, B), (a, b))
    # a radix that may be 0 (a pad): the product matches, but the box could be empty
    tp = _sum(((ell, A * P - 1),), Access("t", (ell,)))
    with pytest.raises(RuleError, match=r"^split: radix P is not provably >= 1$"):
        split(tp, ell, (A, P), (a, b))
    one = split(_sum(((ell, A - 1),), Access("t", (ell,))), ell, (A, 1), (a, b))  # radix 1 is fine
    assert one.term.bounds == ((a, A - 1), (b, 0))


@pytest.mark.parametrize("digits, clash", [
    ((x, b), "['x']"),      # a free variable of the term (in a factor)
    ((b, P), "['P']"),      # a free variable of the term (in a bound)
    ((m, b), "['m']"),      # another summation variable
    ((a, a), "['a', 'a']"),  # the same digit twice
    ((c, b), "['c']"),      # a summation variable that no factor mentions
])
def test_split_digits_must_be_fresh_and_distinct(digits, clash):
    t = _sum(((m, K + P), (ell, A * C - 1), (c, K)), Access("t", (ell, m, x)))
    with pytest.raises(RuleError, match=re.escape(f"split: new summation variables {clash} "
                                                  "must be distinct and fresh; pick other names")):
        split(t, ell, (A, C), digits)


def test_split_digit_spelled_like_a_radix_is_another_variable():
    R = sympy.Symbol("R", integer=True, positive=True)
    Rd = sympy.Symbol("R", **IDX)  # different assumptions: another variable, not a clash
    t = _sum(((ell, A * R - 1),), Access("t", (ell,)))
    assert split(t, ell, (A, R), (a, Rd)).term.bounds == ((a, A - 1), (Rd, R - 1))


def test_split_refuses_digits_that_are_not_index_variables():
    t = _sum(((ell, A * B - 1),), Access("t", (ell,)))
    with pytest.raises(RuleError, match=r"^split: the digits do not make a box: bounds: "):
        split(t, ell, (A, B), (sympy.Symbol("p"), b))


def test_split_renames_other_binders_the_image_would_capture():
    t = _sum(((ell, A * B - 1), (a, K - 1)), Access("t", (ell, a)))
    a1 = sympy.Symbol("a1", **IDX)
    with pytest.raises(RuleError, match="fresh"):
        split(t, ell, (A, B), (a, b))
    out = split(t, ell, (A, B), (a1, b)).term
    assert out.bounds == ((a1, A - 1), (b, B - 1), (a, K - 1))
    assert out.factors == (Access("t", (B * a1 + b, a)),)


def test_reverse_exact_result_position_and_claimed_images():
    t = _sum(((m, K - 1), (u, A - 1), (c, C - 1)), Access("t", (u, m, c)))
    step = reverse(t, u)
    assert step.term.bounds == t.bounds
    assert step.term.factors == (Access("t", (A - 1 - u, m, c)),)
    assert step.rule == "reverse a summation index" and step.fact == "u ↦ A - u - 1"
    assert step.conditions == ("u ↦ A - u - 1 is a bijection of [0, A - 1] (an involution)",)
    assert reverse(t, u, image=A - 1 - u).term == step.term
    with pytest.raises(RuleError, match=r"^reverse: u ↦ A - u does not map \[0, A - 1\] onto "
                                        r"itself; the reversal is u ↦ A - u - 1$"):
        reverse(t, u, image=A - u)
    with pytest.raises(RuleError, match=r"^reverse: x is not a summation variable of Σ_\{m<K, "
                                        "u<A, c<C} t\\[u, m, c\\]; only summed indices can be "
                                        "re-indexed$"):
        reverse(t, x)


# --- rules.py: floor_mod and simplify_floor_mod ------------------------------------------------

def test_floor_mod_exact_values_facts_and_conditions():
    value, fact, conds = floor_mod(FloorDiv(2 * x * B + y + B, B), BOX)
    assert value == 2 * x + 1 and fact == "⌊(2*B*x + B + y)/B⌋ = 2*x + 1"
    assert conds == ("2*B*x + B + y = (2*x + 1)*B + y with 0 <= y <= B - 1 (from y <= B - 1)",)
    value, fact, conds = floor_mod(Rem(x * A * B + y, A * B), BOX)
    assert value == y and fact == "(A*B*x + y) mod (A*B) = y"
    assert conds == ("A*B*x + y = (x)*(A*B) + y with 0 <= y <= A*B - 1 (from y <= B - 1)",)
    assert floor_mod(Rem(x * 2 + 1, 2), BOX) == (
        1, "(2*x + 1) mod 2 = 1", ("2*x + 1 = (x)*2 + 1 with 0 <= 1 <= 1 (from constants)",))
    assert floor_mod(FloorDiv(x * A ** 2, A ** 2), BOX)[0] == x
    assert floor_mod(Rem(x + A * y + A * B * x, A * B), BOX) == (
        A * y + x, "(A*B*x + A*y + x) mod (A*B) = A*y + x",
        ("A*B*x + A*y + x = (x)*(A*B) + (A*y + x) with 0 <= A*y + x <= A*B - 1 (from x <= A - 1, "
         "y <= B - 1)",))
    assert floor_mod(FloorDiv(x * 2 * A, 2 * A), BOX)[0] == x


@pytest.mark.parametrize("atom, reason", [
    (x + 1, re.escape("floor_mod: expected ⌊a/m⌋ or a mod m, got x + 1")),
    (FloorDiv(Rem(x, A) + x, A), re.escape("simplify the inner floor/mod of ⌊(x + x mod A)/A⌋ "
                                           "first")),
    (FloorDiv(x, Rem(x, A) + 1), "simplify the inner floor/mod"),
    (FloorDiv(x * B, -B), "the divisor -B is not a product of positive size symbols"),
    (FloorDiv(x, A / 2), "the divisor A/2 is not"),
    (FloorDiv(x, sympy.Rational(3, 2)), "the divisor 3/2 is not"),  # >= 1, but no integer
    (FloorDiv(x, P), "the divisor P is not"),            # P may be 0
    (FloorDiv(x, A + 1), re.escape("the divisor A + 1 is not")),
    (FloorDiv(x, 1 / A), "the divisor 1/A is not"),
    (FloorDiv(x, y + 1), re.escape("the divisor y + 1 is not")),
    (FloorDiv(x, y), "the divisor y is not"),             # a summation variable, may be 0
    (Rem(x * y, B), re.escape("cannot bound the remainder x*y of (x*y) mod B: bound: x*y is "
                              "not affine")),
    (Rem(x * B + y - 1, B), r"cannot prove 0 <= y - 1 <= B - 1 for \(B\*x \+ y - 1\) mod B "
                            r"\(the remainder ranges over \[-1, B - 2\]\)$"),
    (Rem(x * B + y + 1, B), r"cannot prove 0 <= y \+ 1 <= B - 1 .*ranges over \[1, B\]"),
    (FloorDiv(x * A, B), "cannot prove 0 <= A\\*x <= B - 1"),
])
def test_floor_mod_refusals(atom, reason):
    with pytest.raises(RuleError, match=reason):
        floor_mod(atom, BOX)


def test_floor_mod_needs_integer_quotients():
    z = sympy.Symbol("z")  # not an integer: z = 1/2, B = 2 gives ⌊z·B/B⌋ = 0, not z
    with pytest.raises(RuleError, match="cannot prove 0 <= B\\*z"):
        floor_mod(FloorDiv(z * B, B), BOX)
    with pytest.raises(RuleError, match="cannot prove"):  # x·B/(2B) = x/2: not an integer
        floor_mod(FloorDiv(x * B, 2 * B), BOX)
    with pytest.raises(RuleError, match="cannot tell the sign"):  # √2·x is no integer
        floor_mod(FloorDiv(sympy.sqrt(2) * x * B, B), BOX)
    with pytest.raises(RuleError, match="cannot prove"):  # x/B is no polynomial
        floor_mod(FloorDiv(x + x * B, B), BOX)
    # a quotient part must have positive powers: B/B**2 is 1/B
    with pytest.raises(RuleError, match="cannot prove"):
        floor_mod(FloorDiv(B * x, B ** 2), {x: B ** 2 - 1})


def test_simplify_floor_mod_runs_innermost_first_and_reports_refusals():
    t = _sum(((y, B - 1),), Access("t", (FloorDiv(Rem(x * B + y, B) + B * x, B),
                                          Rem(x * B + y, B))))
    steps, refused = simplify_floor_mod(t, {x: A - 1})
    assert refused == []
    assert [s.fact for s in steps] == ["(B*x + y) mod B = y", "⌊(B*x + y)/B⌋ = x"]
    assert all(s.rule == "floor/mod of a mixed-radix expression" for s in steps)
    assert steps[0].conditions == ("B*x + y = (x)*B + y with 0 <= y <= B - 1 (from y <= B - 1)",)
    assert steps[0].term == _sum(((y, B - 1),), Access("t", (FloorDiv(B * x + y, B), y)))
    assert steps[-1].term == _sum(((y, B - 1),), Access("t", (x, y)))
    bad = _sum(((y, B - 1),), Access("t", (Rem(x + y, B), FloorDiv(x * A + y, A))))
    steps, refused = simplify_floor_mod(bad, {x: A - 1})
    assert steps == [] and len(refused) == 2
    assert refused[0].startswith("floor_mod: cannot prove 0 <= x + y")
    assert refused[1].startswith("floor_mod: cannot prove 0 <= y")
    assert simplify_floor_mod(_sum(((y, B - 1),), Access("t", (y,))), {}) == ([], [])


def test_simplify_floor_mod_keeps_summation_variables_apart_from_entry_indices():
    """Σ_{x<B} t[⌊x/A⌋] with the *entry* index x ≤ A - 1 outside: the summed x runs to B - 1,
    so nothing may be concluded from the entry's range."""
    t = _sum(((x, B - 1),), Access("t", (FloorDiv(x, A),)))
    steps, refused = simplify_floor_mod(t, {x: A - 1})
    assert steps == [] and len(refused) == 1 and "cannot prove 0 <= x1 <= A - 1" in refused[0]


# --- rules.py: close --------------------------------------------------------------------------

def test_close_records_renaming_and_swapping():
    left = _sum(((a, A - 1), (b, B - 1)), Access("t", (a, b)))
    same = close(left, left)
    assert same.term is left and same.rule == "closing check"
    assert same.fact == "left normal form = right normal form"
    assert same.conditions == (
        "alpha-equivalence: each pair of summation variables has equal bounds and is renamed "
        "to one fresh variable (a1, b1), free in neither side",
        "the bounds agree and every factor agrees after sympy.expand")
    swapped = close(left, _sum(((u, B - 1), (o, A - 1)), Access("t", (o, u))))
    assert swapped.conditions[:2] == (
        "rename summation variables o → a, u → b",
        "swap finite sums: the box has independent bounds, so the order of summation is "
        "immaterial")
    renamed = close(left, _sum(((o, A - 1), (u, B - 1)), Access("t", (o, u))))
    assert renamed.conditions[0] == "rename summation variables o → a, u → b"
    assert not any("swap" in cond for cond in renamed.conditions)


def test_close_compares_factor_multisets_exactly():
    t = _sum(((a, A - 1),), Access("t", (a,)), Access("t", (a,)))
    with pytest.raises(RuleError, match=r"^close: the factors differ: left has v\[a\]; right "
                                        r"has w\[a\] \(summation variables paired a ~ a\)$"):
        close(_sum(((a, A - 1),), Access("t", (a,)), Access("v", (a,))),
              _sum(((a, A - 1),), Access("t", (a,)), Access("w", (a,))))
    with pytest.raises(RuleError, match=r"left has -; right has w\[a\] \("):
        close(t, _sum(((a, A - 1),), Access("t", (a,)), Access("w", (a,))))
    with pytest.raises(RuleError, match=r"left has v\[a\], z\[a\]; right has t\[a\] \("):
        close(_sum(((a, A - 1),), Access("v", (a,)), Access("z", (a,))), t)
    with pytest.raises(RuleError, match=r"left has t\[a\]; right has v\[a\], z\[a\] \("):
        close(t, _sum(((a, A - 1),), Access("v", (a,)), Access("z", (a,))))
    with pytest.raises(RuleError, match=r"left has w\[a\]; right has - \("):
        close(_sum(((a, A - 1),), Access("t", (a,)), Access("w", (a,))), t)
    with pytest.raises(RuleError, match="factors differ"):  # a factor's multiplicity counts
        close(_sum(((a, A - 1),), Access("t", (a,))), t)
    with pytest.raises(RuleError, match="factors differ"):  # parameters count
        close(_sum(((a, A - 1),), Access("x", (a,), (P,))),
              _sum(((a, A - 1),), Access("x", (a,), (0,))))
    assert close(_sum(((a, A - 1),), Access("t", (a * (B + 1),))),
                 _sum(((a, A - 1),), Access("t", (a * B + a,))))  # equal after expand


def test_close_refuses_unequal_boxes():
    with pytest.raises(RuleError, match=r"^close: the sums run over 1 and 2 variables; no "
                                        "renaming matches them$"):
        close(_sum(((a, A - 1),), Access("t", (a,))),
              _sum(((a, A - 1), (b, A - 1)), Access("t", (a,))))
    with pytest.raises(RuleError, match=r"^close: no matching of the summation variables has "
                                        r"equal bounds: a<=A - 1, b<=B - 1 vs a<=A - 1, "
                                        r"b<=A - 1$"):
        close(_sum(((a, A - 1), (b, B - 1)), Access("t", (a, b))),
              _sum(((a, A - 1), (b, A - 1)), Access("t", (a, b))))


@pytest.mark.parametrize("free_side", ["left", "right"])
def test_close_fresh_names_avoid_free_variables_of_either_side(free_side):
    """Σ_o x[o, o] vs Σ_u x[u, o1] differ; renaming both binders to o1 would equate them."""
    diagonal = _sum(((o, K - 1),), Access("x", (o, o)))
    row = _sum(((u, K - 1),), Access("x", (u, o1)))
    left, right = (diagonal, row) if free_side == "right" else (row, diagonal)
    with pytest.raises(RuleError, match="factors differ"):
        close(left, right)
    # the same with a factor of no variables last: every factor's variables are avoided
    last = Access("y", (0,))
    with pytest.raises(RuleError, match="factors differ"):
        close(Sum(left.bounds, (*left.factors, last)), Sum(right.bounds, (*right.factors, last)))


def test_close_pairs_by_bounds_and_reports_the_first_candidate():
    left = _sum(((a, A - 1), (b, A - 1)), Access("t", (a, b, a)))
    right = _sum(((a, A - 1), (b, A - 1)), Access("t", (b, a, b)))
    assert close(left, right).conditions[0] == "rename summation variables b → a, a → b"
    with pytest.raises(RuleError, match=r"left has t\[a, b, a\]; right has t\[a, b, b\] "
                                        r"\(summation variables paired a ~ a, b ~ b\)$"):
        close(left, _sum(((a, A - 1), (b, A - 1)), Access("t", (a, b, b))))


# --- wellformed.py ----------------------------------------------------------------------------

def _stmt():
    return statement("definition-equals-elementwise", 1)


def test_the_registered_statements_are_well_formed():
    assert check_statement(_stmt()) is None
    assert check_statement(statement("flip-is-involution", 1)) is None
    assert BASE_TENSORS == ("w", "xpad")


@pytest.mark.parametrize("change, reason", [
    (dict(sizes=3), r"^sizes: expected Sizes.make\(rank\), got int$"),
    (dict(kind="input"), r"^kind: expected 'output' or 'weight', got 'input'$"),
    (dict(pads="none"), r"^pads: expected 'pads' or 'convolution', got 'none'$"),
    (dict(kind="weight"), r"^entry: an weight entry ranges over f <= Fg\*G - 1, c <= Cg - 1, "
                          r"u <= k - 1, got n <= N - 1"),
    (dict(left=None), r"^left: expected a Formulation with a Sum, got NoneType$"),
    (dict(right=None), r"^right: expected a Formulation with a Sum, got NoneType$"),
])
def test_ill_formed_statements_are_refused(change, reason):
    with pytest.raises(RuleError, match=reason):
        check_statement(dataclasses.replace(_stmt(), **change))


def _with_right(stmt, **change):
    return dataclasses.replace(stmt, right=dataclasses.replace(stmt.right, **change))


def test_ill_formed_sides_are_refused():
    stmt = _stmt()
    sz = stmt.sizes
    patch = stmt.right.views["patch"]
    with pytest.raises(RuleError, match=r"^right: expected a Formulation with a Sum, got "
                                        "Formulation$"):
        check_statement(_with_right(stmt, term=Access("w", ())))
    with pytest.raises(RuleError, match=r"^left: padding 'odd' is not one of explicit, "):
        check_statement(dataclasses.replace(stmt, left=dataclasses.replace(stmt.left,
                                                                           padding="odd")))
    with pytest.raises(RuleError, match=r"^right: the view stored under 'p' is named 'patch'"):
        check_statement(_with_right(stmt, views={"p": patch}))
    as_base = dataclasses.replace(patch, name="w")
    with pytest.raises(RuleError, match=r"the view stored under 'w' is named 'w'; store each "
                                        r"view under its own name, not \('w', 'xpad'\)$"):
        check_statement(_with_right(stmt, views={"w": as_base}))
    stray = _sum(stmt.right.term.bounds, *stmt.right.term.factors, Access("w", (sz.flat,)))
    with pytest.raises(RuleError, match=r"^right: the term mentions l, which is neither an "
                                        "entry index nor a size symbol"):
        check_statement(_with_right(stmt, term=stray))
    unknown = _sum(stmt.right.term.bounds, *stmt.right.term.factors, Access("q", ()))
    with pytest.raises(RuleError, match=r"^right: 'q' is neither a base tensor \(w, xpad\) "
                                        "nor one of the side's views$"):
        check_statement(_with_right(stmt, term=unknown))
    body_unknown = dataclasses.replace(patch, body=dataclasses.replace(patch.body, tensor="q"))
    with pytest.raises(RuleError, match=r"'q' is neither a base tensor"):
        check_statement(_with_right(stmt, views={"patch": body_unknown}))


def test_view_bodies_may_mention_only_formals_and_sizes():
    stmt = _stmt()
    sz = stmt.sizes
    patch = stmt.right.views["patch"]
    entry_index = dataclasses.replace(patch.body, index=(*patch.body.index, sz.j + sz.flat))
    bad = dataclasses.replace(patch, body=entry_index)  # j is an entry index, not a size
    with pytest.raises(RuleError, match=r"^right: the body of view patch mentions j, l, which is "
                                        r"neither a formal of patch nor a size symbol \(it "
                                        r"would be captured where the view is used\); add it to "
                                        "the formals$"):
        check_statement(_with_right(stmt, views={"patch": bad}))
    sized = dataclasses.replace(patch, body=dataclasses.replace(
        patch.body, index=(*patch.body.index[:-1], patch.body.index[-1] + sz.N)))
    assert check_statement(_with_right(stmt, views={"patch": sized})) is None
    # the term may mention entry indices and sizes, nothing else
    extra = _sum(stmt.right.term.bounds, *stmt.right.term.factors,
                 Access("w", (sz.n, sz.j, sz.N)))
    assert check_statement(_with_right(stmt, term=extra)) is None


def test_weight_statements_use_the_weight_entry():
    stmt = statement("flip-is-involution", 1)
    assert stmt.kind == "weight"
    with pytest.raises(RuleError, match=r"^entry: an output entry ranges over n <= N - 1"):
        check_statement(dataclasses.replace(stmt, kind="output"))
    narrow = tuple((v, 0) for v, _ in stmt.entry)
    with pytest.raises(RuleError, match=r"got f <= 0, c <= 0, u <= 0$"):
        check_statement(dataclasses.replace(stmt, entry=narrow))


def test_rewrite_defaults():
    r = Rewrite(_sum((), Access("t", ())), "rule")
    assert r.fact == "" and r.conditions == () and render(x * 2) == "2*x"
