"""Attacks on the identity engine and its carrier: every one must be refused.

Each test is an adversary's attempt at a false PROVED (or a crash instead of a verdict).  It
asserts a refusal: a :class:`NotExactError` with its reason, or DISPROVED with a witness that is
re-evaluated here and really separates the two sides.
"""

from __future__ import annotations

import contextlib
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import NotExactError, Polynomial, SymconvError, prove_equal, substitute
from symconv.engine import _constructive_point, _witness
from symconv.ring import FLOAT_EXACT_LIMIT, canonical
from symconv.variables import variable_key

x = sympy.Symbol("x")


def disproved_with_witness(left, right):
    """DISPROVED, and the witness (integers) separates the sides when substituted here."""
    proof = prove_equal(np.array([left], dtype=object), np.array([right], dtype=object))
    assert not proof and "DISPROVED" in str(proof)
    cex = proof.counterexample
    assert all(isinstance(v, int) for v in cex.values.values())
    lv = Polynomial(canonical(left)).evaluate(cex.values)
    rv = Polynomial(canonical(right)).evaluate(cex.values)
    assert (lv, rv) == (cex.left_value, cex.right_value) and lv != rv
    return cex


# ---- two sympy symbols sympy tells apart are never one variable ----

@pytest.mark.parametrize("assumption", ["positive", "nonnegative", "negative", "nonzero", "zero",
                                        "even", "odd", "prime", "composite", "noninteger",
                                        "irrational", "imaginary"])
def test_symbols_whose_assumptions_restrict_integers_are_refused(assumption):
    restricted = sympy.Symbol("x", **{assumption: True})
    with pytest.raises(NotExactError, match=rf"^entry: the symbol x is assumed .*{assumption}="
                                            r"True, which not every integer satisfies"):
        prove_equal([restricted + 0], [x])


def test_abs_of_a_positive_symbol_is_not_x():
    """Issue 8: |x_pos| = x was PROVED (sympy rewrote |x_pos| to x_pos, then names merged)."""
    with pytest.raises(NotExactError, match=r"assumed positive=True"):
        prove_equal([sympy.Abs(sympy.Symbol("x", positive=True))], [x])


def test_floor_of_an_integer_symbol_is_not_plain_x():
    n = sympy.Symbol("x", integer=True)
    cex = disproved_with_witness(sympy.floor(n), x)
    assert cex.values == {variable_key(n): 1} and variable_key(n) != "x"
    assert prove_equal([sympy.floor(n)], [n])  # true: floor(n) = n for an integer n


def test_dummy_is_not_the_symbol_of_its_name():
    d, e = sympy.Dummy("x"), sympy.Dummy("x")
    disproved_with_witness(d, x)
    disproved_with_witness(d, e)
    assert prove_equal([d * 2], [d + d])


def test_wild_is_a_pattern_not_a_variable():
    with pytest.raises(NotExactError, match=r"^entry: expected a polynomial in plain sympy "
                                            r"symbols, got the Wild"):
        canonical(sympy.Wild("x") + 1)


ADVERSARIAL = [x, sympy.Symbol("x", integer=True), sympy.Symbol("x", real=True),
               sympy.Symbol("x", rational=True), sympy.Symbol("x", extended_real=True),
               sympy.Symbol("x", finite=True),
               sympy.Symbol("x", complex=True, hermitian=False), sympy.Dummy("x"),
               sympy.Symbol("x", complex=True, irrational=False),
               sympy.Symbol("x", imaginary=False),
               sympy.Symbol("x", real=True, transcendental=False),
               sympy.Dummy("x", integer=True), sympy.Symbol("x_{0}"), sympy.Symbol("x "),
               sympy.Symbol("X"), sympy.Symbol("x·y"), sympy.Symbol("x; dummy 1"),
               sympy.Symbol("integer")]


def test_distinct_sympy_symbols_never_share_a_key():
    keys = []
    for s in ADVERSARIAL:
        try:
            keys.append(variable_key(s))
        except NotExactError as err:  # refused outright is fine too, never merged
            assert "not every integer satisfies" in str(err)
    assert len(set(keys)) == len(keys)
    for i, s in enumerate(ADVERSARIAL):
        for t in ADVERSARIAL[i + 1:]:
            assert s != t
            with contextlib.suppress(NotExactError):
                disproved_with_witness(s, t)


def test_symbols_sympy_finds_equal_share_a_key():
    assert prove_equal([sympy.Symbol("x", commutative=True)], [x])
    assert prove_equal([sympy.Symbol("x", integer=True, rational=True)],
                       [sympy.Symbol("x", integer=True)])
    assert Polynomial.variable("x") == x  # the plain name is the plain symbol


@pytest.mark.parametrize("name", ["x⟦integer⟧", "x⟦dummy 7⟧", "⟧", "", None])
def test_reserved_key_syntax_cannot_be_forged(name):
    """A plain name may not spell the key of a symbol with assumptions."""
    with pytest.raises(SymconvError, match=r"variable name without ⟦ or ⟧"):
        Polynomial.variable(name)
    if name:
        with pytest.raises(NotExactError, match=r"variable name without ⟦ or ⟧"):
            canonical(sympy.Symbol(name))


def test_monomials_must_be_tuples_of_keys():
    with pytest.raises(SymconvError, match=r"^terms: expected monomials as tuples"):
        Polynomial({"ab": 1})  # sorted("ab") would silently be a·b
    with pytest.raises(SymconvError, match=r"^terms: expected monomials as tuples"):
        Polynomial({(x,): 1})


def test_keys_convert_back_to_the_same_symbol():
    n, d = sympy.Symbol("n", integer=True), sympy.Dummy("t")
    back = Polynomial.from_sympy(2 * n * d + 1).to_sympy()
    assert back == 2 * n * d + 1 and back.free_symbols == {n, d}


# ---- noncommutative factors ----

@pytest.mark.parametrize("make", [lambda a, b: a * b - b * a, lambda a, b: a * b,
                                  lambda a, b: x * a, lambda a, b: a ** 2])
def test_noncommuting_factors_are_refused(make):
    a, b = sympy.symbols("A B", commutative=False)
    with pytest.raises(NotExactError, match=r"^entry: expected commuting variables"):
        prove_equal([make(a, b)], [0])
    with pytest.raises(NotExactError, match=r"noncommutative"):
        Polynomial.variable("y") + make(a, b)


def test_noncommuting_operators_and_symbols_are_refused_at_every_entrance():
    from sympy.physics.quantum import Operator

    a, b = Operator("A"), Operator("B")
    with pytest.raises(NotExactError, match=r"^entry: expected commuting variables, got the "
                                            r"noncommutative expression A\*B - B\*A"):
        canonical(a * b - b * a)
    nc = sympy.Symbol("A", commutative=False)
    with pytest.raises(NotExactError, match=r"^entry: expected commuting variables, got the "
                                            r"noncommutative symbol A"):
        variable_key(nc)
    with pytest.raises(NotExactError, match=r"noncommutative symbol A"):
        substitute(np.array([x], dtype=object), {nc: 1})


# ---- non-polynomial entries: NotExactError, never AttributeError ----

f = sympy.Function("f")
NON_POLYNOMIALS = [sympy.Eq(x, 1), sympy.Ne(x, 1), sympy.Lt(x, 1), sympy.And(x > 0, x < 1),
                   sympy.true, f(x), sympy.sin(x), sympy.IndexedBase("t")[0] + 1,
                   sympy.ImmutableMatrix([[x]]), sympy.MatrixSymbol("M", 2, 2),
                   sympy.MatrixSymbol("M", 2, 2)[0, 1], sympy.pi, sympy.E * x, sympy.I,
                   sympy.oo, sympy.nan, sympy.zoo, sympy.Derivative(f(x), x),
                   sympy.Integral(x, x), sympy.Tuple(x, 1), sympy.Interval(0, 1), 1 / x,
                   sympy.sqrt(x), x ** x, sympy.Poly(sympy.sin(x) + 1), sympy.Poly(x / 2 + 0.5),
                   "x", "__import__('os')", None, [x], object()]


@pytest.mark.parametrize("entry", NON_POLYNOMIALS, ids=lambda e: type(e).__name__)
def test_non_polynomial_entries_are_refused(entry):
    arr = np.empty(1, dtype=object)
    arr[0] = entry
    with pytest.raises(NotExactError, match=r"^(entry|value): expected"):
        prove_equal(arr, np.zeros(1, dtype=object))


@pytest.mark.parametrize("matrix", [sympy.ImmutableMatrix([[x]]), sympy.MatrixSymbol("M", 1, 1)])
def test_matrices_are_refused_as_matrices(matrix):
    with pytest.raises(NotExactError, match=rf"^entry: expected a polynomial, got the "
                                            rf"{type(matrix).__name__}"):
        canonical(matrix)


def test_strings_are_never_parsed_as_expressions():
    with pytest.raises(NotExactError, match=r"^entry: expected a sympy polynomial, got str"):
        Polynomial.from_sympy("__import__('os').getcwd()")


def test_numpy_bools_are_exact_integers():
    a = Polynomial.variable("a")
    assert a * np.True_ == a and canonical(np.bool_(True)) == {(): 1}
    assert canonical(np.False_) == {}


def test_a_sympy_poly_is_read_as_its_expression_with_the_same_keys():
    n = sympy.Symbol("n", integer=True)
    assert prove_equal([sympy.Poly(x ** 2 + 3 * x, x)], [x * (x + 3)])
    disproved_with_witness(sympy.Poly(n ** 2, n), x ** 2)


# ---- floats ----

@pytest.mark.parametrize("value", [2.0, 0.0, -0.0, np.float64(1.0), np.float32(3.0),
                                   np.float16(1.0), np.longdouble(4.0), sympy.Float(2),
                                   float(2 ** 53 + 1), 0.5, float("inf"), float("nan")])
def test_the_engine_refuses_every_float(value):
    arr = np.empty(1, dtype=object)
    arr[0] = value
    with pytest.raises(NotExactError, match=r"^value: expected an exact number, got the "
                                            r"float .* \(the identity engine compares exact"):
        prove_equal(arr, np.array([int(value) if math.isfinite(value) else 0], dtype=object))


def test_float_constants_of_code_are_exact_only_below_2_53():
    a = Polynomial.variable("a")
    acc = 0.0
    acc += a * 2.0
    assert acc == 2 * a and (a * np.float32(3.0)).terms == {("a",): 3}
    assert a * float(FLOAT_EXACT_LIMIT - 1) == a * (2 ** 53 - 1)
    assert a * -float(FLOAT_EXACT_LIMIT - 1) == a * -(2 ** 53 - 1)
    for bad in (float(2 ** 53 + 1), float(2 ** 53), -float(2 ** 53), 1e300, 0.5,
                float("inf"), float("nan")):
        with pytest.raises(NotExactError, match=r"got the float .* \(only integer-valued "
                                                r"floats below 2\*\*53 are exact in code\)"):
            a * bad
    with pytest.raises(NotExactError, match=r"float"):
        a / float(2 ** 60)
    for rounded in (np.longdouble(3) + np.longdouble(2) ** -60, sympy.Float("2." + "0" * 30 + "1",
                                                                          40), sympy.Float(2)):
        with pytest.raises(NotExactError, match=r"float"):  # float(v) would round it to 3, 2
            a / rounded
    with pytest.raises(NotExactError, match=r"exact coefficients|float"):
        Polynomial({("a",): 2.0})  # stored coefficients are exact, never floats
    with pytest.raises(NotExactError, match=r"float"):
        Polynomial.constant(1.0)


def test_substitute_is_exact_and_keys_symbols_like_the_engine():
    n = sympy.Symbol("x", integer=True)
    entry = np.array([n + x], dtype=object)
    assert substitute(entry, {n: 2, x: 5})[0] == 7
    assert substitute(entry, {"x": 5})[0] == 5  # the plain name is not the integer symbol
    assert substitute(entry, {"x": Fraction(1, 2)})[0] == Fraction(1, 2)
    with pytest.raises(NotExactError, match=r"float"):
        substitute(entry, {"x": 0.5})


# ---- the witness always exists, is deterministic and is re-checked ----

def test_high_degree_difference_is_disproved_with_a_witness():
    """Issue 8: prod(a - i), i in -100..100, vanished at 2000 random points: AssertionError."""
    a = sympy.Symbol("a")
    cex = disproved_with_witness(sympy.Mul(*(a - i for i in range(-100, 101))), 0)
    assert cex.values == {"a": 101}


def test_a_polynomial_vanishing_on_a_grid_gets_a_witness_off_it():
    a, b, c = sympy.symbols("a b c")
    grid = sympy.Mul(*((v - i) for v in (a, b, c) for i in range(-3, 4)))
    cex = disproved_with_witness(grid + a * b * c - a * b * c, 0)
    assert any(abs(v) > 3 for v in cex.values.values())


def test_readable_zero_one_witness_comes_first():
    a, b = sympy.symbols("a b")
    assert disproved_with_witness(a * b + 1, a * b).values == {}
    assert disproved_with_witness(a * b, 0).values == {"a": 1, "b": 1}
    assert disproved_with_witness(a ** 2, a).values == {"a": -1}  # a=1 is a root of a² - a


def test_a_witness_that_does_not_separate_is_never_returned():
    a = Polynomial.variable("a")
    with pytest.raises(RuntimeError, match=r"does not separate"):
        _witness(a * 0 + a, a, a)  # a lie about diff: the re-check refuses it


polys = st.lists(st.tuples(st.sampled_from("abcd"), st.integers(-4, 4)), min_size=1,
                 max_size=12)


@settings(max_examples=200, deadline=None)
@given(polys, st.integers(-3, 3).filter(bool))
def test_constructive_point_never_hits_a_root(factors, scale):
    diff = Polynomial.constant(scale)
    for name, root in factors:
        diff = diff * (Polynomial.variable(name) - root)
    values = _constructive_point(diff)
    assert diff.evaluate(values) != 0
    assert _constructive_point(diff) == values  # deterministic


FACTS = ["integer", "rational", "real", "extended_real", "complex", "hermitian", "finite",
         "algebraic"]
NOT_FACTS = ["irrational", "transcendental", "noninteger", "imaginary", "infinite"]
symbol_specs = st.tuples(st.text("xX⟦⟧;,= _{}0d", min_size=0, max_size=4),
                         st.sets(st.sampled_from(FACTS), max_size=2),
                         st.sets(st.sampled_from(NOT_FACTS), max_size=2), st.booleans())


def make_symbol(spec):
    name, facts, not_facts, dummy = spec
    return (sympy.Dummy if dummy else sympy.Symbol)(
        name, **dict.fromkeys(facts, True), **dict.fromkeys(not_facts, False))


@settings(max_examples=300, deadline=None)
@given(symbol_specs, symbol_specs)
def test_keys_are_equal_exactly_when_sympy_symbols_are(s_spec, t_spec):
    """Adversarial names and assumptions: one key for two symbols iff sympy says s == t."""
    s, t = make_symbol(s_spec), make_symbol(t_spec)
    if any(not spec[0] or set(spec[0]) & set("⟦⟧") for spec in (s_spec, t_spec)):
        with pytest.raises(NotExactError, match=r"variable name without ⟦ or ⟧"):
            variable_key(s if not s_spec[0] or set(s_spec[0]) & set("⟦⟧") else t)
        return
    assert (variable_key(s) == variable_key(t)) == (s == t)
    assert bool(prove_equal([s], [t])) == (s == t)
